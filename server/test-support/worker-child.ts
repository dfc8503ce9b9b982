import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/*
 * Kept apart from worker-process.ts, which builds on the vitest-only test services: the chaos run
 * (a plain script) starts its workers with this too.
 */

export type WorkerProcess = {
  child: ChildProcess;
  /** Everything the worker wrote to stderr/stdout, for failure messages. */
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
};

const REPOSITORY_DIR = path.resolve(import.meta.dirname, '../..');

/**
 * Starts `server/entry/worker.ts` as a real child process with `env` over this process's
 * environment, keeping what it prints for failure messages. The tests and the chaos run use it.
 */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  let output = '';
  const child = spawn(process.execPath, ['server/entry/worker.ts'], {
    cwd: REPOSITORY_DIR,
    env: { ...process.env, ...env },
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
