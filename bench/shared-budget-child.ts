/**
 * One of the `shared-budget` row's Propsync processes: the real composition root on the bench
 * database (sharing the parent's data directory, so it reads the same vault key), one connection's
 * write-back cycle when told "go", and every request it sent, timed on the machine's clock.
 * Environment: BENCH_DATABASE_URL, BENCH_CONNECTION_ID, BENCH_SERVICES_ENV (JSON), and
 * BENCH_RATE_BUDGET=per-process for the comparison where each process paces alone.
 */
import { createBenchServices, RequestRecorder } from './bench-services.ts';

export type SharedBudgetChildReport = {
  status: string;
  entries: Array<RequestRecorder['entries'][number]>;
};

const recorder = new RequestRecorder();
const services = await createBenchServices(
  process.env.BENCH_DATABASE_URL!,
  {
    fetchImplementation: recorder.fetch,
    perProcessRateBudget: process.env.BENCH_RATE_BUDGET === 'per-process',
  },
  JSON.parse(process.env.BENCH_SERVICES_ENV!) as Record<string, string>,
);

process.once('message', async () => {
  const result = await services.runSyncCycle(process.env.BENCH_CONNECTION_ID!, 'manual');
  // performance.now() is per process: the report is on the shared clock.
  const entries = recorder.entries.map((entry) => ({
    ...entry,
    startedAt: entry.startedAt + performance.timeOrigin,
    endedAt: entry.endedAt + performance.timeOrigin,
  }));
  process.send!({ status: result.status, entries } satisfies SharedBudgetChildReport, async () => {
    // Not dispose(): the data directory is the parent's.
    await services.close();
    process.exit(0);
  });
});
process.send!('ready');
