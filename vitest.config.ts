import { defineConfig } from 'vitest/config';

/** Unit and integration tests (server, shared, client logic). Browser journeys live in e2e/. */
export default defineConfig({
  test: {
    include: [
      'server/**/*.test.ts',
      'simulators/**/*.test.ts',
      'shared/**/*.test.ts',
      'client/**/*.test.{ts,tsx}',
      'scripts/**/*.test.ts',
      'chaos/**/*.test.ts',
    ],
    globalSetup: ['server/test-support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The web component inlines the stylesheet into its shadow root (`?inline`): process that one.
    css: { include: [/propsync\.css/] },
    pool: 'forks',
    maxWorkers: 2,
  },
});
