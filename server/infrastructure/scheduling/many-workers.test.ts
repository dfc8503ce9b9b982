import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reapitDemoConnection } from '../../test-support/demo-connections.ts';
import { createOrganisation } from '../../test-support/test-services.ts';
import {
  spawnWorker,
  startWorkerScene,
  waitFor,
  type WorkerProcess,
  type WorkerScene,
} from '../../test-support/worker-process.ts';

// Real worker processes on a busy 2-core machine: give them room (the work itself takes seconds).
vi.setConfig({ testTimeout: 180_000 });

const AGENCIES = 12;
let scene: WorkerScene;
let workers: WorkerProcess[] = [];
const connectionIds: string[] = [];

beforeAll(async () => {
  scene = await startWorkerScene({ seed: 5, contactCount: 30 });
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await scene?.close();
});

describe('two worker processes on one database, each running the scheduler', () => {
  it('run every scheduled slot exactly once and never one connection twice at the same time', async () => {
    // Small pages and some latency make cycles long enough to overlap if locking were wrong.
    scene.simulator.controls.setFaults({ latencyMs: 5 });
    for (let index = 0; index < AGENCIES; index++) {
      const organisationId = await createOrganisation(scene.services, `Scheduled Agency ${index + 1}`);
      const summary = await scene.services.connections.connect(
        organisationId,
        'reapit',
        reapitDemoConnection({ pageSize: '5' }),
      );
      connectionIds.push(summary.id);
    }
    // Both processes tick every second, so both see every due slot.
    workers = [0, 1].map(() =>
      spawnWorker(scene.services, {
        ...scene.workerEnv,
        PROPSYNC_SYNC_CONCURRENCY: '4',
        PROPSYNC_SCHEDULE_TICK: '* * * * * *',
      }),
    );
    await scene.services.whenIdle(60_000);

    const slots: string[][] = connectionIds.map(() => []);
    for (let round = 0; round < 3; round++) {
      // Make a new slot due for every connection, staggered, as one-minute schedules would.
      const due = await scene.query<{ id: string; slot: Date }>(
        `update crm_connections set next_sync_at = date_trunc('milliseconds', now()) - (random() * interval '500 milliseconds')
         where id = any(array[?]::uuid[]) returning id, next_sync_at as slot`,
        [connectionIds],
      );
      for (const row of due) slots[connectionIds.indexOf(row.id)]!.push(new Date(row.slot).toISOString());
      await waitFor(
        async () => {
          const [row] = await scene.query<{ pending: number }>(
            `select count(*)::int as pending from crm_connections where id = any(array[?]::uuid[]) and next_sync_at <= now()`,
            [connectionIds],
          );
          return row!.pending === 0;
        },
        30_000,
        'every due slot to be claimed',
      );
      await scene.services.whenIdle(60_000);
    }

    const runs = await scene.query<{
      connection_id: string;
      scheduled_for: Date | null;
      status: string;
      started_at: Date;
      finished_at: Date;
      errors: Array<{ code: string }>;
    }>(
      `select connection_id, scheduled_for, status, started_at, finished_at, errors from sync_runs
       where connection_id = any(array[?]::uuid[]) order by connection_id, started_at`,
      [connectionIds],
    );
    connectionIds.forEach((connectionId, index) => {
      const own = runs.filter((run) => run.connection_id === connectionId);
      const scheduled = own
        .filter((run) => run.scheduled_for !== null)
        .map((run) => new Date(run.scheduled_for!).toISOString());
      expect(scheduled.sort()).toEqual([...slots[index]!].sort());
      // The twelve agencies share one Reapit customer, so their score write-backs race for the same
      // contacts: a 412 left to the write-back retries makes a cycle partial, not this test's concern.
      const contended = (run: (typeof own)[number]) =>
        run.status === 'partial' && run.errors.every((error) => error.code === 'ADAPTER.PRECONDITION_FAILED');
      const unfinished = own.filter((run) => run.status !== 'succeeded' && !contended(run));
      expect(unfinished.map(({ status, errors }) => ({ status, errors }))).toEqual([]);
      // One at a time: each run finished before the next one of the same connection started.
      for (let at = 1; at < own.length; at++) {
        expect(new Date(own[at]!.started_at).getTime()).toBeGreaterThanOrEqual(
          new Date(own[at - 1]!.finished_at).getTime(),
        );
      }
    });
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  });
});
