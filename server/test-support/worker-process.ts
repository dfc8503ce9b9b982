import { reapitOperatorConfig } from '../../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator, type ReapitSimulator } from '../../simulators/reapit/reapit-simulator.ts';
import type { OperatorConfig } from '../../simulators/toolkit/operator-config.ts';
import { createTestServices, type TestServices } from './test-services.ts';
import { startWorkerProcess, type WorkerProcess } from './worker-child.ts';

export type { WorkerProcess };

/**
 * A worker on the test's database, sharing its data directory (so it reads the same encryption
 * key). Used to kill workers mid-cycle and to run several at once.
 */
export function spawnWorker(services: TestServices, env: Record<string, string> = {}): WorkerProcess {
  return startWorkerProcess({
    NODE_ENV: 'test',
    DATABASE_URL: services.url,
    PROPSYNC_DATA_DIR: services.config.dataDirectory,
    PROPSYNC_TOKEN_SECRET: 'test-token-secret-that-is-long-enough-0123456789',
    LOG_LEVEL: 'warn',
    ...env,
  });
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

/**
 * A Reapit simulator and test services that only enqueue and inspect: this process runs no cycle,
 * the worker processes a test spawns (with `workerEnv`) run them all.
 */
export type WorkerScene = {
  simulator: ReapitSimulator;
  services: TestServices;
  /** What a spawned worker needs to reach the simulator. */
  workerEnv: OperatorConfig;
  query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
};

export async function startWorkerScene(simulatorOptions: {
  seed: number;
  contactCount: number;
}): Promise<WorkerScene> {
  const simulator = createReapitSimulator({ ...simulatorOptions, rateLimits: false });
  const workerEnv = reapitOperatorConfig(await simulator.listen(0));
  let services: TestServices;
  try {
    services = await createTestServices({ env: { ...workerEnv, PROPSYNC_SYNC_CONCURRENCY: '0' } });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  return {
    simulator,
    services,
    workerEnv,
    query: <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params),
    close: async () => {
      await services.destroy();
      await simulator.close();
    },
  };
}
