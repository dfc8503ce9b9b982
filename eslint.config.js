import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NO_SIMULATORS = {
  group: ['**/simulators/**'],
  message: 'The product never loads a simulator: simulators/ serve the demo, tests, bench and chaos.',
};

/**
 * A layer's import boundary, for its product files (tests and their fixtures may wire across
 * layers). One object per layer, because ESLint keeps only the last setting of a rule for a file.
 */
function layer(files, forbidden, message) {
  return {
    files: [files],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/*.fixtures.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: forbidden, message }, NO_SIMULATORS] }],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'storybook-static', '.data', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // The domain must not reach into adapters, HTTP or the ORM.
      'no-restricted-imports': 'off',
    },
  },
  // The layers, inside out: core → application → adapters and infrastructure → entry points.
  // Tests may reach across (they wire real services to simulators); product code may not.
  layer('server/core/**/*.ts', ['**/application/**', '**/adapters/**', '**/infrastructure/**', '**/entry/**', 'express', '@mikro-orm/*', 'pg', 'pg-boss', 'pino'],
    'The core (domain rules, the sync cycle and its ports) depends on nothing but shared/ and itself.'),
  layer('server/application/**/*.ts', ['**/entry/**', 'express', '@mikro-orm/*', '**/infrastructure/db/**'],
    'Application services do not know how they are called (HTTP, tRPC, CLI live in server/entry/), and reach storage only through the ports in server/core/ports/ (docs/persistence.md).'),
  layer('server/adapters/**/*.ts', ['**/application/**', '**/entry/**', '**/infrastructure/db/**', '@mikro-orm/*'],
    'CRM adapters translate one CRM to the core ports; they do not reach services, storage or entry points.'),
  layer('server/infrastructure/**/*.ts', ['**/application/**', '**/entry/**'],
    'Infrastructure implements ports; it does not call application services or entry points.'),
  layer('server/entry/**/*.ts', ['**/test-support/**'], 'Entry points run the product, not the test wiring.'),
  // One persistence style (docs/persistence.md): product SQL goes through Sql, which parses every row
  // with its schema. Tests and their fixtures may set up and inspect rows directly.
  {
    files: ['server/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.fixtures.ts', 'server/test-support/**', 'server/infrastructure/db/sql.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='execute']",
          message: 'Run SQL through Sql (server/infrastructure/db/sql.ts), with a zod schema for its rows (docs/persistence.md).',
        },
      ],
    },
  },
  {
    files: ['client/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/server/**'], message: 'The client imports nothing from the server: the API it talks to is described in shared/api.' }],
        },
      ],
    },
  },
);
