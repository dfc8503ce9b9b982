import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
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
  it('stops the embedded PostgreSQL it started before exiting', async () => {
    const environment: NodeJS.ProcessEnv = { ...process.env };
    delete environment.DATABASE_URL;
    delete environment.PROPSYNC_TOKEN_SECRET;
    delete environment.PROPSYNC_ENCRYPTION_KEYS;
    const child = spawn(process.execPath, ['server/main.ts'], {
      env: {
        ...environment,
        NODE_ENV: 'production',
        PORT: '0',
        PROPSYNC_HOST: '127.0.0.1',
        PROPSYNC_DATA_DIR: dataDirectory,
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
    expect(processesUsing(path.join(dataDirectory, 'postgres'))).toEqual([]);
  }, 90_000);
});
