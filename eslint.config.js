import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
  {
    files: ['server/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/adapters/**', '**/db/**', 'express', '@mikro-orm/*', '**/http/**', '**/trpc/**'], message: 'The domain depends on nothing but shared/ and itself.' }] },
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
