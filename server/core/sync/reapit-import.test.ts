import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import { createReapitSimulator, type ReapitSimulator } from '../../../simulators/reapit/reapit-simulator.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import type { RunningReapitSimulator } from '../../../simulators/reapit/reapit-simulator.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';
import { createContextInner } from '../../entry/trpc/context.ts';
import { appRouter } from '../../entry/trpc/routers/_app.ts';

const execFileAsync = promisify(execFile);
const CONTACTS = 240;
let simulator: ReapitSimulator;
let simulatorServer: RunningReapitSimulator;
let services: TestServices;
let organisationId: string;
let connectionId: string;

const count = async (sql: string, params: unknown[] = []) => {
  const [row] = await services.orm.em.fork().execute<{ count: number }[]>(sql, params);
  return row!.count;
};

beforeAll(async () => {
  simulator = createReapitSimulator({ seed: 7, contactCount: CONTACTS, tokenLifetimeSeconds: 1.5 });
  simulatorServer = await simulator.listen(0);
  services = await createTestServices({ env: reapitOperatorConfig(simulatorServer) });
  organisationId = await createOrganisation(services, 'Import Test Lettings');
});
afterAll(async () => {
  await services?.destroy();
  await simulator?.close();
});

const admin = () => appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' }));
const connectInput = (clientSecret: string) => ({
  provider: 'reapit' as const,
  credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret },
  settings: { customerId: REAPIT_DEMO_CLIENT.customerId },
});

describe('connecting Reapit through tRPC and the first full import', () => {
  it('refuses credentials Reapit rejects, with an actionable message, and stores nothing', async () => {
    await expect(admin().connections.connect(connectInput('not-the-secret'))).rejects.toThrow(
      'Reapit rejected the credentials: reconnect Reapit',
    );
    expect(await count(`select count(*)::int as count from crm_connections`)).toBe(0);
  });

  it('names every missing field when the credentials are incomplete', async () => {
    await expect(
      admin().connections.connect({ provider: 'reapit', credentials: { clientId: 'x' }, settings: {} }),
    ).rejects.toThrow(/clientSecret/);
  });

  it('verifies, stores the credentials encrypted and imports every contact', async () => {
    const summary = await admin().connections.connect(connectInput(REAPIT_DEMO_CLIENT.clientSecret));
    connectionId = summary.id;
    await services.whenIdle();

    const total = simulator.contactCount();
    expect(total).toBeGreaterThanOrEqual(CONTACTS);
    // Records the CRM holds twice for one person (planted duplicates) become one contact.
    const duplicates = simulator.plantedDuplicates().length;
    expect(duplicates).toBeGreaterThan(0);
    const people = total - duplicates;
    expect(
      await count(`select count(*)::int as count from contacts where organisation_id = ?`, [organisationId]),
    ).toBe(people);
    expect(
      await count(`select count(*)::int as count from contact_external_ids where connection_id = ?`, [
        connectionId,
      ]),
    ).toBe(total);
    expect(
      await count(
        `select count(*)::int as count from crm_sync_log where connection_id = ? and direction = 'inbound' and status = 'created'`,
        [connectionId],
      ),
    ).toBe(people);
    expect(
      await count(
        `select count(*)::int as count from crm_sync_log where connection_id = ? and direction = 'inbound' and status = 'merged'`,
        [connectionId],
      ),
    ).toBe(duplicates);
    const runs = await services.orm.em.fork().execute<
      {
        status: string;
        full_import: boolean;
        records_fetched: number;
        records_written: number;
        window_end: Date;
      }[]
    >(`select status, full_import, records_fetched, records_written, window_end from sync_runs where connection_id = ?`, [connectionId]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'succeeded',
      full_import: true,
      records_fetched: total,
      records_written: total,
    });

    const listed = await admin().connections.list();
    expect(listed).toEqual([
      expect.objectContaining({
        id: connectionId,
        provider: 'reapit',
        status: 'active',
        lastSyncedAt: expect.any(String),
      }),
    ]);
    expect(listed[0]!.contactCount).toBe(
      simulator
        .contactIds()
        .filter((id) => simulator.getContact(id)?.active !== false && !simulator.getContact(id)?.archivedOn)
        .length,
    );
  });

  it('keeps only ciphertext in the database, bound to this connection', async () => {
    const [row] = await services.orm.em
      .fork()
      .execute<{ credentials: Record<string, unknown>; text: string }[]>(
        `select credentials, credentials::text as text from crm_connections where id = ?`,
        [connectionId],
      );
    expect(row!.text).not.toContain(REAPIT_DEMO_CLIENT.clientSecret);
    expect(row!.text).not.toContain(Buffer.from(REAPIT_DEMO_CLIENT.clientSecret).toString('base64'));
    expect(Object.keys(row!.credentials).sort()).toEqual(['ct', 'iv', 'kid', 'tag', 'v']);
    expect(services.vault.decrypt(row!.credentials, { organisationId, connectionId })).toEqual({
      clientId: REAPIT_DEMO_CLIENT.clientId,
      clientSecret: REAPIT_DEMO_CLIENT.clientSecret,
    });
  });

  it('changes nothing when the import runs again, even from scratch', async () => {
    // The import's scores, written back to Reapit's metadata, come back once as changes to those records.
    await services.runSyncCycle(connectionId, 'manual');
    const before = await snapshotCounts();
    await services.runSyncCycle(connectionId, 'manual');
    // Forget the cursor: a second full import must still create no rows.
    await services.orm.em
      .fork()
      .execute(`update crm_connections set sync_cursor = null where id = ?`, [connectionId]);
    const rerun = await services.runSyncCycle(connectionId, 'manual');
    expect(rerun).toMatchObject({ status: 'succeeded', created: 0, updated: 0 });
    expect(await snapshotCounts()).toEqual(before);
  });

  it('fetches only what changed after the cursor', async () => {
    const changed = simulator.controls.modifyContacts({ count: 10, randomChange: true });
    simulator.requestLog.clear();
    const result = await services.runSyncCycle(connectionId, 'schedule');
    // An edit that leaves what Propsync maps as it was (a phone restyled to the same number) only refreshes the link.
    expect(result).toMatchObject({ status: 'succeeded', created: 0 });
    const updated = 'updated' in result ? result.updated : 0;
    expect(updated).toBeGreaterThan(5);
    expect(updated).toBeLessThanOrEqual(10);
    const listCalls = simulator.requestLog.entries({ method: 'GET', path: '/contacts/' });
    expect(listCalls.length).toBeGreaterThan(0);
    for (const call of listCalls) expect(call.query.modifiedFrom).toBeDefined();
    const [run] = await services.orm.em.fork().execute<
      {
        records_fetched: number;
        records_written: number;
        window_start: Date | null;
        full_import: boolean;
      }[]
    >(`select records_fetched, records_written, window_start, full_import from sync_runs where id = ?`, ['runId' in result ? result.runId : '']);
    // The window re-reads its overlap (records our own write-backs touched a moment ago): unchanged, not written.
    expect(run).toMatchObject({ records_written: updated, full_import: false });
    expect(run!.records_fetched).toBeGreaterThanOrEqual(10);
    expect(run!.window_start).not.toBeNull();
    const updatedLogs = await count(
      `select count(*)::int as count from crm_sync_log where sync_run_id = ? and status = 'updated' and external_id in (select jsonb_array_elements_text(?::jsonb))`,
      ['runId' in result ? result.runId : '', JSON.stringify(changed)],
    );
    expect(updatedLogs).toBe(updated);
  });

  it('refreshes an expired token transparently', async () => {
    const tokenRequests = () => simulator.requestLog.count({ method: 'POST', path: '/token' });
    const before = tokenRequests();
    simulator.controls.advanceClock(5_000);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const result = await services.runSyncCycle(connectionId, 'schedule');
    expect(result.status).toBe('succeeded');
    expect(tokenRequests()).toBeGreaterThan(before);
  });

  it('marks the connection as failing with an alert when Reapit revokes the credentials', async () => {
    simulator.controls.revokeClient(REAPIT_DEMO_CLIENT.clientId);
    try {
      const result = await services.runSyncCycle(connectionId, 'schedule');
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'ADAPTER.AUTH_INVALID', retryState: 'needs_reconnect' },
      });
      const [summary] = await admin().connections.list();
      expect(summary).toMatchObject({
        status: 'error',
        lastErrorMessage: 'Reapit rejected the credentials: reconnect Reapit',
      });
      const alerts = await services.orm.em
        .fork()
        .execute<{ kind: string; action: string }[]>(
          `select kind, action from alerts where connection_id = ?`,
          [connectionId],
        );
      expect(alerts).toEqual([{ kind: 'credentials_rejected', action: 'reconnect' }]);
    } finally {
      simulator.controls.restoreClient(REAPIT_DEMO_CLIENT.clientId);
    }
  });
});

describe('a cycle in progress', () => {
  it('shows in the connection summary with records so far and the estimated total', async () => {
    const store = services.syncStore;
    const started = await store.startRun(connectionId, 'manual', new Date(), 0);
    expect(started.outcome).toBe('started');
    const run = started.outcome === 'started' ? started.run : null;
    expect(await store.startRun(connectionId, 'manual', new Date(), 0)).toEqual({ outcome: 'busy' });
    await store.applyContactPage(run!, { contacts: [], rejected: [], checkpoint: null, estimatedTotal: 500 });
    const [summary] = await admin().connections.list();
    expect(summary!.currentSync).toMatchObject({ runId: run!.runId, fetched: 0, estimatedTotal: 500 });
    await store.finishRun(run!, { succeeded: true });
    const [after] = await admin().connections.list();
    expect(after!.currentSync).toBeNull();
  });
});

describe('propsync status --json', () => {
  it('lists the connection with its agency, provider and contact count, and no credentials', async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['server/entry/cli/propsync.ts', 'status', '--json'],
      {
        env: {
          ...process.env,
          DATABASE_URL: services.url,
          PROPSYNC_DATA_DIR: services.config.dataDirectory,
          LOG_LEVEL: 'silent',
        },
      },
    );
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    const expected = await count(
      `select count(*)::int as count from contact_external_ids where connection_id = ? and active`,
      [connectionId],
    );
    expect(rows).toEqual([
      expect.objectContaining({
        connectionId,
        organisation: 'Import Test Lettings',
        provider: 'reapit',
        contactCount: expected,
      }),
    ]);
    expect(stdout).not.toContain(REAPIT_DEMO_CLIENT.clientSecret);
  });
});

async function snapshotCounts() {
  return {
    contacts: await count(`select count(*)::int as count from contacts`),
    externalIds: await count(`select count(*)::int as count from contact_external_ids`),
    syncLog: await count(`select count(*)::int as count from crm_sync_log`),
  };
}
