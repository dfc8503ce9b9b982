import { spawn, type ChildProcess } from 'node:child_process';
import type { TestServices } from './test-services.ts';

export type WorkerProcess = {
  child: ChildProcess;
  /** Everything the worker wrote to stderr/stdout, for failure messages. */
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
};

/**
 * Starts `server/entry/worker.ts` as a real child process on the test's database, sharing its data
 * directory (so it reads the same encryption key). Used to kill workers mid-cycle and to run
 * several at once.
 */
export function spawnWorker(services: TestServices, env: Record<string, string> = {}): WorkerProcess {
  let output = '';
  const child = spawn(process.execPath, ['server/entry/worker.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: services.url,
      PROPSYNC_DATA_DIR: services.config.dataDirectory,
      PROPSYNC_TOKEN_SECRET: 'test-token-secret-that-is-long-enough-0123456789',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Polls `probe` until it returns a truthy value (or fails after `timeoutMs`). */
export async function waitFor<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
