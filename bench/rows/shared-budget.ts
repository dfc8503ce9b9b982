import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { providerInfo } from '../../server/adapters/registry.ts';
import { connectAgency, runInitialImport, withSimulatorBench } from '../bench-fixture.ts';
import { RequestRecorder } from '../bench-services.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';
import type { SharedBudgetChildReport } from '../shared-budget-child.ts';
import { busiestWindow, peakConcurrency, queueEmails, sustainedShare } from './write-back.ts';

const PROCESSES = 4;
/** Long enough at the documented rate to measure it sustained (see the write-back row). */
const MEASURE_SECONDS = 12;

/**
 * Four Propsync processes, each pushing the write-back of its own connection to one Reapit
 * customer, at once, with the simulator's limits on (counted per customer): the aggregate request
 * rate as a share of the documented limit, and the 429s the simulator logged. Every process paces
 * through the rate budget it shares with the others in PostgreSQL.
 */
export async function sharedBudgetRow(context: BenchContext): Promise<BenchRowResult[]> {
  const limits = providerInfo('reapit')!.rateLimits;
  const windowMs = limits.windowSeconds * 1000;
  const recorder = new RequestRecorder();
  const setup = {
    label: 'shared_budget',
    simulator: { provider: 'reapit', contacts: 400, rateLimits: true },
    services: { fetchImplementation: recorder.fetch },
  } as const;
  return withSimulatorBench(context, setup, async (bench) => {
    const { database, services, simulator } = bench;
    const children: ChildProcess[] = [];
    try {
      // One agency each, all connected to the same Reapit customer.
      const connections: Array<{ organisationId: string; connectionId: string }> = [];
      for (let index = 0; index < PROCESSES; index++) {
        const connection = await connectAgency(bench, `Bench Shared Budget ${index + 1}`, {
          withoutWebhooks: true,
        });
        await runInitialImport(services, connection.connectionId, `import ${index + 1}`);
        connections.push(connection);
      }
      // Calibration: what a delta cycle costs with nothing to push, then with two writes.
      const [first] = connections;
      let mark = recorder.entries.length;
      await services.runSyncCycle(first!.connectionId, 'manual');
      const pullRequests = recorder.entries.length - mark;
      await queueEmails(services, first!.organisationId, first!.connectionId, 'reapit', 2, 'calibration');
      mark = recorder.entries.length;
      await services.runSyncCycle(first!.connectionId, 'manual');
      const perWrite = Math.max(1, (recorder.entries.length - mark - pullRequests) / 2);
      const writesEach = Math.ceil((MEASURE_SECONDS * limits.requests) / PROCESSES / perWrite);
      const servicesEnvOfChildren = JSON.stringify({
        ...simulator.operatorConfig,
        PROPSYNC_DATA_DIR: services.dataDirectory,
      });
      /** Every process pushes `writesEach` writes of its own connection at once; what the simulator saw. */
      const runAtOnce = async (budget: 'shared' | 'per-process') => {
        // Keys of their own: the same key on the same contact is one write however many connections push it.
        for (const [index, { organisationId, connectionId }] of connections.entries()) {
          await queueEmails(
            services,
            organisationId,
            connectionId,
            'reapit',
            writesEach,
            `${budget}-${index + 1}`,
          );
        }
        const started = connections.map(({ connectionId }) => {
          const child = fork(path.join(import.meta.dirname, '../shared-budget-child.ts'), [], {
            env: {
              ...process.env,
              BENCH_DATABASE_URL: database.url,
              BENCH_CONNECTION_ID: connectionId,
              BENCH_SERVICES_ENV: servicesEnvOfChildren,
              BENCH_RATE_BUDGET: budget,
            },
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          children.push(child);
          const ready = new Promise<void>((resolve, reject) => {
            child.once('message', () => resolve());
            child.once('exit', (code) =>
              reject(new Error(`bench process exited (${code}) before it was ready`)),
            );
          });
          return { child, ready };
        });
        await Promise.all(started.map(({ ready }) => ready));
        // A clean window and a clean log before they all start.
        await new Promise((resolve) => setTimeout(resolve, windowMs + 50));
        await simulator.clearRequests();
        const reports = started.map(
          ({ child }) =>
            new Promise<SharedBudgetChildReport>((resolve) =>
              child.once('message', (message: SharedBudgetChildReport) => resolve(message)),
            ),
        );
        for (const { child } of started) child.send('go');
        const done = await Promise.all(reports);
        const stats = await simulator.requestStats();
        const [outcome] = await services.orm.em.fork().execute<{ done: number; not_done: number }[]>(
          `select count(*) filter (where status = 'done')::int as done, count(*) filter (where status <> 'done')::int as not_done
           from outbound_writes where idempotency_key like ?`,
          [`bench-${budget}-%`],
        );
        const entries = done.flatMap((report) => report.entries).sort((a, b) => a.startedAt - b.startedAt);
        return {
          entries,
          share: sustainedShare(entries, windowMs, limits.requests) ?? 0,
          rejected: stats.byStatus['429'] ?? 0,
          spanS: (entries.at(-1)!.startedAt - entries[0]!.startedAt) / 1000,
          perProcess: done.map((report) => report.entries.length),
          statuses: done.map((report) => report.status),
          stats,
          writesDone: outcome!.done,
          writesNotDone: outcome!.not_done,
        };
      };
      const shared = await runAtOnce('shared');
      // The same load with each process pacing alone, as before budgets were shared.
      const alone = await runAtOnce('per-process');
      const rate = (share: number) => fmt((share * limits.requests * 1000) / windowMs, 2);
      return [
        {
          row: `Shared budget: ${PROCESSES} processes writing back to one Reapit customer`,
          measured: `${rate(shared.share)} req/s sustained, all processes`,
          baseline: `${fmt(limits.requests)}/s documented per customer (each pacing alone: ${alone.rejected} × 429)`,
          ratio: shared.share,
          ratioLabel: `${fmt(shared.share * 100, 1)}%, ${shared.rejected} × 429`,
          target: '≥ 90%, zero 429s',
          met: shared.share >= 0.9 && shared.rejected === 0,
          notes:
            `${fmt(shared.entries.length)} requests over ${fmt(shared.spanS, 1)} s (per process ${shared.perProcess.join(', ')}); ` +
            `${writesEach} writes each, ${fmt(perWrite, 1)} requests a write; cycles ${shared.statuses.join(', ')}; ` +
            `simulator statuses ${JSON.stringify(shared.stats.byStatus)}; writes done ${shared.writesDone}, not done ${shared.writesNotDone}. ` +
            `Each process pacing alone: ${rate(alone.share)} req/s attempted, simulator statuses ${JSON.stringify(alone.stats.byStatus)}, ` +
            `writes done ${alone.writesDone}, not done ${alone.writesNotDone}`,
          details: {
            processes: PROCESSES,
            limits,
            writesEach,
            requestsPerWrite: perWrite,
            requests: shared.entries.length,
            requestsPerProcess: shared.perProcess,
            sustainedShare: shared.share,
            busiestWindow: busiestWindow(shared.entries, windowMs),
            concurrencyPeak: peakConcurrency(shared.entries),
            simulatorStatuses: shared.stats.byStatus,
            writesDone: shared.writesDone,
            writesNotDone: shared.writesNotDone,
            eachAlone: {
              requests: alone.entries.length,
              sustainedShare: alone.share,
              busiestWindow: busiestWindow(alone.entries, windowMs),
              concurrencyPeak: peakConcurrency(alone.entries),
              simulatorStatuses: alone.stats.byStatus,
              writesDone: alone.writesDone,
              writesNotDone: alone.writesNotDone,
            },
          },
        },
      ];
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
  });
}
