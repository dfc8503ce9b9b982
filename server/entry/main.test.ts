import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infrastructure/config.ts';
import { createLogger } from '../infrastructure/logger.ts';
import { startServer } from './main.ts';
import { serveMetrics } from './worker.ts';
import { createTestDatabase } from '../test-support/test-database.ts';
import { freePort } from '../test-support/local-server.ts';

/** Pids of the processes whose command line names `directory` (postgres runs with `-D <directory>`). */
function processesUsing(directory: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(directory)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

// Under .data like the test cluster: PostgreSQL runs as its own user and must reach the folder.
const dataDirectory = path.resolve('.data', `refused-start-${process.pid}`);

afterAll(() => {
  // Whatever the outcome, leave no PostgreSQL behind on the machine.
  for (const pid of processesUsing(dataDirectory)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  fs.rmSync(dataDirectory, { recursive: true, force: true });
});

describe('a start refused for missing secrets', () => {
  for (const entry of ['server/entry/main.ts', 'server/entry/worker.ts']) {
    it(`${entry}: stops the embedded PostgreSQL it started before exiting`, async () => {
      const directory = path.join(dataDirectory, path.basename(entry, '.ts'));
      const environment: NodeJS.ProcessEnv = { ...process.env };
      delete environment.DATABASE_URL;
      delete environment.PROPSYNC_TOKEN_SECRET;
      delete environment.PROPSYNC_ENCRYPTION_KEYS;
      const child = spawn(process.execPath, [entry], {
        env: {
          ...environment,
          NODE_ENV: 'production',
          PORT: '0',
          PROPSYNC_HOST: '127.0.0.1',
          PROPSYNC_DATA_DIR: directory,
          EMBEDDED_POSTGRES_PORT: String(await freePort()),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));

      expect(exitCode, output).not.toBe(0);
      // It got as far as starting PostgreSQL, then refused for the missing secret...
      expect(output).toContain('embedded PostgreSQL started');
      expect(output).toMatch(/PROPSYNC_(TOKEN_SECRET|ENCRYPTION_KEYS)/);
      // ...and left no PostgreSQL running on its data folder.
      expect(processesUsing(path.join(directory, 'postgres'))).toEqual([]);
    }, 90_000);
  }
});

describe('the HTTP server', () => {
  it('binds to loopback in development (where /demo/session hands out admin tokens), elsewhere only when told', async () => {
    const database = await createTestDatabase();
    const serverDirectory = path.resolve('.data', `bind-${process.pid}`);
    const start = (environment: Record<string, string>) =>
      startServer(
        loadConfig({
          NODE_ENV: 'development',
          PORT: '0',
          DATABASE_URL: database.url,
          PROPSYNC_DATA_DIR: serverDirectory,
          PROPSYNC_SCHEDULER: 'off',
          PROPSYNC_SYNC_CONCURRENCY: '0',
          ...environment,
        }),
        createLogger({ level: 'silent' }),
      );
    try {
      const development = await start({});
      expect(development.boundAddress).toBe('127.0.0.1');
      await development.close();
      const told = await start({ PROPSYNC_HOST: '0.0.0.0' });
      expect(told.boundAddress).toBe('0.0.0.0');
      await told.close();
    } finally {
      await database.destroy();
      fs.rmSync(serverDirectory, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("a worker's metrics endpoint", () => {
  it('answers JSON errors with a stable code and logs a failed scrape once with its request id', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const registry = {
      contentType: 'text/plain',
      metrics: () => Promise.reject(new Error('secret-internal-detail')),
    };
    const server = await serveMetrics(
      { logger, metrics: { registry } as unknown as Parameters<typeof serveMetrics>[0]['metrics'] },
      0,
      '127.0.0.1',
    );
    try {
      const address = server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const failed = await fetch(`${base}/metrics`);
      const requestId = failed.headers.get('x-request-id');
      expect(failed.status).toBe(500);
      const text = await failed.text();
      expect(text).not.toContain('secret-internal-detail');
      expect(JSON.parse(text)).toEqual({ error: expect.any(String), code: 'SERVER.INTERNAL', requestId });
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged.filter((line) => line.requestId === requestId)).toHaveLength(1);
      const missing = await fetch(`${base}/elsewhere`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'REQUEST.NOT_FOUND' });
    } finally {
      server.close();
    }
  });
});
