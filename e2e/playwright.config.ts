import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, devices } from '@playwright/test';
import { chromiumPath } from '../scripts/ensure-chromium.ts';
import { HOST_HTML_URL, HOST_REACT_URL } from './example-hosts.ts';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const PORT = 4610;
const baseURL = `http://127.0.0.1:${PORT}`;

/** The secret Propsync and the example hosts' backends share to sign embed tokens. */
const TOKEN_SECRET = 'e2e-embed-token-secret-shared-with-the-example-hosts';
const pathWithProjectNode = `${path.join(repositoryRoot, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`;
const exampleHostEnv = {
  PATH: pathWithProjectNode,
  HOST: '127.0.0.1',
  PROPSYNC_URL: baseURL,
  PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
};

/** Debian's Chromium (`npm test` installs it when missing): Playwright cannot download its own browsers here. */
const chromiumLaunchOptions = {
  executablePath: chromiumPath(),
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

/**
 * The newcomer's journey in a browser: start the product exactly as the README says (from an
 * empty data directory), then use it.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // Playwright empties its outputDir on every run; a subfolder leaves other tools' results in test-results/ alone.
  outputDir: path.join(repositoryRoot, 'test-results', 'e2e'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: path.join(repositoryRoot, 'playwright-report') }],
  ],
  use: {
    baseURL,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    {
      name: 'chromium',
      use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunchOptions },
    },
  ],
  webServer: [
    {
      command: 'node e2e/reset-data-dir.ts && node scripts/start.ts',
      cwd: repositoryRoot,
      env: {
        // As under `npm start`: the project's Node 24 comes first, not whatever `node` the system has.
        PATH: pathWithProjectNode,
        PORT: String(PORT),
        PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
        PROPSYNC_ALLOWED_ORIGINS: `${HOST_REACT_URL},${HOST_HTML_URL}`,
        PROPSYNC_DATA_DIR: '.data/e2e',
        EMBEDDED_POSTGRES_PORT: '54349',
        SIMULATOR_PORT_REAPIT: '4611',
        // Every simulator runs, but the custom CRM is left for integrations-journey.spec.ts to connect
        // through the page, as a person would with the sandbox credentials npm start prints.
        DEMO_CONNECT: 'reapit,agentos,alto,street,loop',
      },
      // The acceptance criterion: healthy within 90 seconds of a fresh start.
      url: `${baseURL}/healthz`,
      timeout: 90_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      // SIGTERM to the process group, so embedded PostgreSQL shuts down cleanly and frees its port.
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    },
    // The example hosts embed the package `npm run build:embed` writes (npm test builds it first).
    {
      command: 'node node_modules/vite/bin/vite.js --config examples/host-react/vite.config.mjs',
      cwd: repositoryRoot,
      env: { ...exampleHostEnv, PORT: '4620' },
      url: HOST_REACT_URL,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      command: 'node examples/host-html/server.mjs',
      cwd: repositoryRoot,
      env: { ...exampleHostEnv, PORT: '4630' },
      url: HOST_HTML_URL,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});
