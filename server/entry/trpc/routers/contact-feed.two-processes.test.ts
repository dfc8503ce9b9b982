import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reapitDemoConnection } from '../../../test-support/demo-connections.ts';
import { createOrganisation } from '../../../test-support/test-services.ts';
import {
  spawnWorker,
  startWorkerScene,
  waitFor,
  type WorkerProcess,
  type WorkerScene,
} from '../../../test-support/worker-process.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';
import { readFeed, readFeedUntilItHolds } from './contact-feed.fixtures.ts';

// A real worker process on a busy 2-core machine: give it room (the work itself takes seconds).
vi.setConfig({ testTimeout: 180_000 });

/**
 * The host reads the feed in this process while a worker process (its own database sessions, its
 * own transactions) writes a cycle: the keyset must neither skip nor repeat a contact.
 */
let scene: WorkerScene;
let worker: WorkerProcess | undefined;
let organisationId: string;
let connectionId: string;

beforeAll(async () => {
  scene = await startWorkerScene({ seed: 23, contactCount: 400 });
  organisationId = await createOrganisation(scene.services, 'Two Process Feed Lettings');
  connectionId = (
    await scene.services.connections.connect(
      organisationId,
      'reapit',
      reapitDemoConnection({ pageSize: '25' }),
    )
  ).id;
  worker = spawnWorker(scene.services, { ...scene.workerEnv, PROPSYNC_SYNC_CONCURRENCY: '2' });
  await scene.services.whenIdle(120_000);
}, 180_000);

afterAll(async () => {
  await worker?.kill();
  await scene?.close();
});

const feed = () =>
  appRouter.createCaller(createContextInner(scene.services, { organisationId, role: 'admin' })).contacts;

const contactIds = async () =>
  (
    await scene.query<{ id: string }>(`select id from contacts where organisation_id = ? order by id`, [
      organisationId,
    ])
  ).map((row) => row.id);

describe('contacts.list while another process syncs', () => {
  it('gives each contact exactly once, then exactly what that process changed', async () => {
    const before = await contactIds();
    expect(before.length).toBeGreaterThan(300);
    const runsBefore = await scene.query<{ id: string }>(`select id from sync_runs where connection_id = ?`, [
      connectionId,
    ]);

    // After the first page the CRM changes 120 contacts, and the worker process syncs them while the
    // host reads on, slowly enough that the cycle's pages land between the host's.
    let requested = false;
    const { contacts, cursor } = await readFeed(feed, {}, 15, async () => {
      if (!requested) {
        requested = true;
        scene.simulator.controls.modifyContacts({ count: 120, randomChange: true });
        await scene.services.connections.requestSync(organisationId, connectionId);
        // The worker has taken the cycle: the rest of the read overlaps its writes.
        await waitFor(
          async () =>
            (
              await scene.query(
                `select 1 from sync_runs where connection_id = ? and id <> all(array[?]::uuid[])`,
                [connectionId, runsBefore.map((row) => row.id)],
              )
            ).length > 0,
          60_000,
          'the worker to start the cycle',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 40));
    });
    const ids = contacts.map((contact) => contact.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(before);

    // The cycle ran in the worker, not here (this process runs no cycle), and changed contacts.
    await scene.services.whenIdle(120_000);
    const [run] = await scene.query<{ id: string; status: string }>(
      `select id, status from sync_runs where connection_id = ? and id <> all(array[?]::uuid[])
       order by started_at desc limit 1`,
      [connectionId, runsBefore.map((row) => row.id)],
    );
    expect(run).toMatchObject({ status: 'succeeded' });
    const updated = await waitFor(async () => {
      const rows = await scene.query<{ internal_id: string }>(
        `select distinct internal_id from crm_sync_log where sync_run_id = ? and status = 'updated'`,
        [run!.id],
      );
      return rows.length > 0 ? new Set(rows.map((row) => row.internal_id)) : null;
    });

    // Carrying on from where the full read ended: what that process changed (score write-backs of
    // the cycle's own may come back as changes too, so the cycle's updates are a subset).
    const changes = await readFeedUntilItHolds(feed, { cursor }, 50, updated);
    const changedIds = new Set(changes.contacts.map((contact) => contact.id));
    for (const id of updated) expect(changedIds.has(id)).toBe(true);
    expect(changes.contacts.length).toBe(changedIds.size);
  });
});
