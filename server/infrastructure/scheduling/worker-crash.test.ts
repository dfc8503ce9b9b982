import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reapitDemoConnection } from '../../test-support/demo-connections.ts';
import { createOrganisation } from '../../test-support/test-services.ts';
import {
  spawnWorker,
  startWorkerScene,
  waitFor,
  type WorkerScene,
} from '../../test-support/worker-process.ts';

// Real worker processes on a busy 2-core machine: give them room (the work itself takes seconds).
vi.setConfig({ testTimeout: 180_000 });

const CONTACTS = 400;
let scene: WorkerScene;

// This process only enqueues and inspects: the cycles run in worker processes we can kill.
beforeAll(async () => {
  scene = await startWorkerScene({ seed: 11, contactCount: CONTACTS });
});
afterAll(async () => scene?.close());

async function connectAgency(name: string): Promise<{ organisationId: string; connectionId: string }> {
  const organisationId = await createOrganisation(scene.services, name);
  const summary = await scene.services.connections.connect(
    organisationId,
    'reapit',
    reapitDemoConnection({ pageSize: '20' }),
  );
  return { organisationId, connectionId: summary.id };
}

/** Everything a cycle writes for one agency, in a form two agencies can be compared by. */
async function agencyState(organisationId: string) {
  const contacts = await scene.query<{ person: string }>(
    `select concat_ws('|', c.first_name, c.last_name, array_to_string(c.emails, ','), array_to_string(c.phones, ','), c.postcode,
       (select string_agg(e.external_id, ',' order by e.external_id) from contact_external_ids e where e.contact_id = c.id)) as person
     from contacts c where c.organisation_id = ? order by person`,
    [organisationId],
  );
  const [links] = await scene.query<{ total: number; distinct_ids: number }>(
    `select count(*)::int as total, count(distinct external_id)::int as distinct_ids from contact_external_ids where organisation_id = ?`,
    [organisationId],
  );
  return { contacts: contacts.map((row) => row.person), links };
}

describe('a worker killed with SIGKILL in the middle of a cycle', () => {
  it('leaves a state that the next run completes into exactly what an undisturbed run produces', async () => {
    // Slow pages so the kill lands mid-import.
    scene.simulator.controls.setFaults({ latencyMs: 40 });
    const crashed = await connectAgency('Crash Test Estates');
    const first = spawnWorker(scene.services, scene.workerEnv);
    const midway = await waitFor(
      async () => {
        const [run] = await scene.query<{ id: string; records_fetched: number }>(
          `select id, records_fetched from sync_runs where connection_id = ? and status = 'running'`,
          [crashed.connectionId],
        );
        return run && run.records_fetched >= 100 ? run : null;
      },
      60_000,
      `the first worker to be part-way through the import\n${first.output()}`,
    );
    await first.kill('SIGKILL');
    const [killedRun] = await scene.query<{ status: string }>(`select status from sync_runs where id = ?`, [
      midway.id,
    ]);
    expect(killedRun!.status).toBe('running');
    const [partial] = await scene.query<{ count: number }>(
      `select count(*)::int as count from contacts where organisation_id = ?`,
      [crashed.organisationId],
    );
    expect(partial!.count).toBeLessThan(scene.simulator.contactCount());

    // Run again: a new worker and a sync request. The killed worker's database session is gone,
    // so its lock is too; the new cycle closes the dead run and resumes its window.
    scene.simulator.controls.setFaults({ latencyMs: 0 });
    const second = spawnWorker(scene.services, scene.workerEnv);
    try {
      await scene.services.connections.requestSync(crashed.organisationId, crashed.connectionId);
      await waitFor(
        async () => {
          const [row] = await scene.query<{ done: boolean }>(
            `select last_synced_at is not null and not exists (select 1 from sync_runs r where r.connection_id = c.id and r.status = 'running') as done
             from crm_connections c where c.id = ?`,
            [crashed.connectionId],
          );
          return row?.done;
        },
        60_000,
        `the resumed import to finish\n${second.output()}`,
      );
    } finally {
      await second.kill();
    }
    const runs = await scene.query<{ id: string; status: string; errors: Array<{ code: string }> }>(
      `select id, status, errors from sync_runs where connection_id = ? order by started_at`,
      [crashed.connectionId],
    );
    expect(runs.map((run) => run.status)).toEqual(['failed', 'succeeded']);
    expect(runs[0]!.errors.map((error) => error.code)).toEqual(['SYNC.WORKER_DIED']);

    // The undisturbed twin: the same CRM data imported by a cycle nobody interrupts.
    const undisturbed = await connectAgency('Undisturbed Estates');
    await scene.services.runSyncCycle(undisturbed.connectionId, 'initial');

    const afterCrash = await agencyState(crashed.organisationId);
    const reference = await agencyState(undisturbed.organisationId);
    const { simulator } = scene;
    expect(afterCrash.contacts.length).toBe(simulator.contactCount() - simulator.plantedDuplicates().length);
    expect(afterCrash.links).toEqual({
      total: scene.simulator.contactCount(),
      distinct_ids: scene.simulator.contactCount(),
    });
    expect(afterCrash).toEqual(reference);
  });
});
