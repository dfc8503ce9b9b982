import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentosSimulator,
  type AgentosSimulator,
} from '../../../simulators/agentos/agentos-simulator.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type RunningReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';
import type { RunningServer } from '../../../simulators/toolkit/app-listener.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { canonicalEmailOf, generatePeople } from '../../../simulators/toolkit/uk-people.ts';
import { agentosDemoConnection, reapitDemoConnection } from '../../test-support/demo-connections.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { createContextInner } from '../../entry/trpc/context.ts';
import { appRouter } from '../../entry/trpc/routers/_app.ts';

const SEED = 3;
const PEOPLE = 80;
let reapit: ReapitSimulator;
let reapitServer: RunningReapitSimulator;
let agentos: AgentosSimulator;
let agentosServer: RunningServer;
let services: TestServices;

beforeAll(async () => {
  // The same people (same seed) in two CRMs, formatted each CRM's own way.
  reapit = createReapitSimulator({ seed: SEED, contactCount: PEOPLE, rateLimits: false });
  reapitServer = await reapit.listen(0);
  agentos = createAgentosSimulator({ seed: SEED, contactCount: PEOPLE, rateLimits: false });
  agentosServer = await agentos.listen(0);
  services = await createTestServices({
    env: mergeOperatorConfig(reapitOperatorConfig(reapitServer), agentosOperatorConfig(agentosServer.url)),
  });
});
afterAll(async () => {
  await services?.destroy();
  await reapit?.close();
  await agentos?.close();
});

const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);

async function connectReapit(organisationId: string): Promise<string> {
  const summary = await services.connections.connect(
    organisationId,
    'reapit',
    reapitDemoConnection({ pageSize: '25' }),
  );
  await services.whenIdle();
  return summary.id;
}

describe('the same people in Reapit and agentOS', () => {
  it('become one contact each, with one external id per CRM; namesakes stay apart', async () => {
    const organisationId = await createOrganisation(services, 'Two CRMs Lettings');
    const reapitConnection = await connectReapit(organisationId);
    const agentosSummary = await services.connections.connect(
      organisationId,
      'agentos',
      agentosDemoConnection(),
    );
    await services.whenIdle();

    const contacts = await query<{
      id: string;
      emails: string[];
      first_name: string;
      last_name: string;
      providers: string[];
    }>(
      `select c.id, c.emails, c.first_name, c.last_name,
         array(select e.provider from contact_external_ids e where e.contact_id = c.id order by e.provider) as providers
       from contacts c where c.organisation_id = ?`,
      [organisationId],
    );
    const { people, namesakes } = generatePeople({ seed: SEED, count: PEOPLE });
    const contactsOf = (email: string) => contacts.filter((contact) => contact.emails.includes(email));
    let inBoth = 0;
    for (const person of people) {
      const matches = contactsOf(canonicalEmailOf(person));
      // Never split: a person is at most one contact, however each CRM formats them.
      expect(matches.length, `${person.forename} ${person.surname}`).toBeLessThanOrEqual(1);
      if (matches[0]?.providers.includes('agentos') && matches[0].providers.includes('reapit')) inBoth++;
    }
    expect(inBoth).toBeGreaterThan(PEOPLE / 4);
    expect(namesakes.length).toBeGreaterThan(0);
    for (const pair of namesakes) {
      const first = contactsOf(canonicalEmailOf(people[pair.firstIndex]!));
      const second = contactsOf(canonicalEmailOf(people[pair.secondIndex]!));
      if (first.length === 0 || second.length === 0) continue;
      expect(first[0]!.id, `${pair.forename} ${pair.surname}`).not.toBe(second[0]!.id);
    }
    const matchedOn = await query<{ matched_on: string[] }>(
      `select matched_on from contact_external_ids where connection_id = ? and cardinality(matched_on) > 0`,
      [agentosSummary.id],
    );
    expect(matchedOn.length).toBeGreaterThan(0);
    const [run] = await query<{ duplicates_suppressed: number }>(
      `select duplicates_suppressed from sync_runs where connection_id = ? order by started_at limit 1`,
      [agentosSummary.id],
    );
    expect(run!.duplicates_suppressed).toBeGreaterThanOrEqual(matchedOn.length);
    expect(reapitConnection).not.toBe(agentosSummary.id);
  });
});

describe('one Reapit connection over several cycles', () => {
  let organisationId: string;
  let connectionId: string;
  beforeAll(async () => {
    organisationId = await createOrganisation(services, 'Cycles Estates');
    connectionId = await connectReapit(organisationId);
  });

  it('keeps the CRM email and the platform intent score when both sides changed, with one audit row', async () => {
    const [target] = await query<{ contact_id: string; external_id: string }>(
      `select contact_id, external_id from contact_external_ids where connection_id = ? order by external_id limit 1`,
      [connectionId],
    );
    await query(
      `update contacts set intent_score = 42, field_modified_at = field_modified_at || jsonb_build_object('intentScore', now()) where id = ?`,
      [target!.contact_id],
    );
    reapit.controls.modifyContacts({
      ids: [target!.external_id],
      fields: { email: 'New.Address@Example.co.uk' },
    });
    const result = await services.runSyncCycle(connectionId, 'manual');
    expect(result.status).toBe('succeeded');
    const [contact] = await query<{ emails: string[]; intent_score: string }>(
      `select emails, intent_score from contacts where id = ?`,
      [target!.contact_id],
    );
    expect(contact!.emails[0]).toBe('new.address@example.co.uk');
    expect(Number(contact!.intent_score)).toBe(42);
    const audits = await query<{ differing_fields: string[]; winner: string }>(
      `select differing_fields, winner from conflict_audit where contact_id = ?`,
      [target!.contact_id],
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]!.differing_fields).toEqual(expect.arrayContaining(['emails', 'intentScore']));
  });

  it('writes a queued log entry to the CRM once, however often the cycle re-runs', async () => {
    const [target] = await query<{ contact_id: string; external_id: string }>(
      `select contact_id, external_id from contact_external_ids where connection_id = ? order by external_id desc limit 1`,
      [connectionId],
    );
    const journal = () =>
      reapit.journalEntries().filter((entry) => entry.associatedId === target!.external_id).length;
    const before = journal();
    const queueEmail = () =>
      query(
        `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
         values (?, ?, ?, 'journal_entry', 'email-sent:spring-1', ?::jsonb) on conflict (connection_id, idempotency_key) do nothing`,
        [
          organisationId,
          connectionId,
          target!.contact_id,
          JSON.stringify({
            kind: 'email_sent',
            idempotencyKey: 'email-sent:spring-1',
            contactExternalId: target!.external_id,
            occurredAt: new Date().toISOString(),
            summary: 'Nurture email sent: "Thinking of selling?"',
            details: {},
          }),
        ],
      );
    await queueEmail();
    await services.runSyncCycle(connectionId, 'manual');
    expect(journal()).toBe(before + 1);
    // A lost acknowledgement: the write looks undone, the same data arrives again, cycles re-run.
    await query(
      `update outbound_writes set status = 'pending' where idempotency_key = 'email-sent:spring-1'`,
    );
    await queueEmail();
    await services.runSyncCycle(connectionId, 'manual');
    await services.runSyncCycle(connectionId, 'manual');
    expect(journal()).toBe(before + 1);
    const [contacts] = await query<{ count: number }>(
      `select count(*)::int as count from contacts where organisation_id = ?`,
      [organisationId],
    );
    expect(contacts!.count).toBe(reapit.contactCount() - reapit.plantedDuplicates().length);
  });

  it('converges under timeouts, 5xx and 429s, with every retried failure recorded', async () => {
    const changed = reapit.controls.modifyContacts({ count: 30, randomChange: true });
    reapit.faults.failNext(2, 429);
    reapit.faults.failNext(2, 503);
    reapit.faults.timeoutNext(1);
    reapit.controls.setFaults({ errorRate: 0.2 });
    try {
      for (let attempt = 0; attempt < 10; attempt++) {
        const result = await services.runSyncCycle(connectionId, 'manual');
        if (result.status === 'succeeded') break;
      }
    } finally {
      reapit.controls.clearFaults();
    }
    const [row] = await query<{ stale: number }>(
      `select count(*)::int as stale from contact_external_ids where connection_id = ? and external_id = any(array[?]::text[])
         and crm_modified_at < now() - interval '1 hour'`,
      [connectionId, changed],
    );
    expect(row!.stale).toBe(0);
    const [last] = await query<{ status: string }>(
      `select status from sync_runs where connection_id = ? order by started_at desc limit 1`,
      [connectionId],
    );
    expect(last!.status).toBe('succeeded');
    const [contacts] = await query<{ count: number }>(
      `select count(*)::int as count from contacts where organisation_id = ?`,
      [organisationId],
    );
    expect(contacts!.count).toBe(reapit.contactCount() - reapit.plantedDuplicates().length);
  });

  it('marks an archived CRM record inactive and keeps the contact and its history', async () => {
    const [target] = await query<{ contact_id: string; external_id: string }>(
      `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id limit 1 offset 3`,
      [connectionId],
    );
    expect(reapit.controls.archiveContact(target!.external_id)).toBe(true);
    await services.runSyncCycle(connectionId, 'manual');
    const [link] = await query<{ active: boolean }>(
      `select active from contact_external_ids where connection_id = ? and external_id = ?`,
      [connectionId, target!.external_id],
    );
    expect(link!.active).toBe(false);
    const [contact] = await query<{ count: number }>(
      `select count(*)::int as count from contacts where id = ?`,
      [target!.contact_id],
    );
    expect(contact!.count).toBe(1);
    const [log] = await query<{ status: string }>(
      `select status from crm_sync_log where connection_id = ? and external_id = ? order by id desc limit 1`,
      [connectionId, target!.external_id],
    );
    expect(log!.status).toBe('deactivated');
  });

  it('with revoked credentials: the connection shows error, an alert exists and queued writes wait for retry', async () => {
    const [target] = await query<{ contact_id: string; external_id: string }>(
      `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id limit 1 offset 5`,
      [connectionId],
    );
    await query(
      `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload) values (?, ?, ?, 'contact_update', 'revoked-test', ?::jsonb)`,
      [
        organisationId,
        connectionId,
        target!.contact_id,
        JSON.stringify({ externalId: target!.external_id, etag: null, fields: { title: 'Dr' } }),
      ],
    );
    reapit.controls.modifyContacts({ count: 2 });
    reapit.controls.revokeClient(REAPIT_DEMO_CLIENT.clientId);
    services.adapters.forget(connectionId);
    try {
      const result = await services.runSyncCycle(connectionId, 'manual');
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'ADAPTER.AUTH_INVALID', retryState: 'needs_reconnect' },
      });
    } finally {
      reapit.controls.restoreClient(REAPIT_DEMO_CLIENT.clientId);
    }
    const [connection] = await query<{ status: string; last_error_message: string }>(
      `select status, last_error_message from crm_connections where id = ?`,
      [connectionId],
    );
    expect(connection).toMatchObject({
      status: 'error',
      last_error_message: 'Reapit rejected the credentials: reconnect Reapit',
    });
    const alerts = await query<{ kind: string; action: string }>(
      `select kind, action from alerts where connection_id = ? and resolved_at is null`,
      [connectionId],
    );
    expect(alerts).toContainEqual({ kind: 'credentials_rejected', action: 'reconnect' });
    const [write] = await query<{ status: string }>(
      `select status from outbound_writes where idempotency_key = 'revoked-test'`,
    );
    expect(write!.status).toBe('pending');
    const [cursor] = await query<{ pending: unknown }>(
      `select sync_cursor->'pending' as pending from crm_connections where id = ?`,
      [connectionId],
    );
    expect(cursor!.pending).not.toBeNull();
  });
});

describe('GET /metrics', () => {
  it('reports cycle durations, records in and out, 429s by provider, queue depth and connections by status', async () => {
    const { createApp } = await import('../../entry/http/app.ts');
    const server = createApp({ services }).listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const address = server.address();
      const response = await fetch(
        `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`,
      );
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(
        /propsync_sync_cycle_duration_seconds_count\{provider="reapit",status="succeeded"\} [1-9]/,
      );
      expect(text).toMatch(/propsync_sync_records_total\{provider="reapit",direction="inbound"\} [1-9]/);
      expect(text).toMatch(/propsync_sync_records_total\{provider="reapit",direction="outbound"\} [1-9]/);
      // The fault test above answered 429 twice.
      expect(text).toMatch(/propsync_provider_rate_limited_total\{provider="reapit"\} [1-9]/);
      expect(text).toMatch(/propsync_sync_queue_depth\{state="queued"\} \d+/);
      expect(text).toMatch(/propsync_connections\{provider="reapit",status="error"\} 1/);
      expect(text).not.toContain(REAPIT_DEMO_CLIENT.clientSecret);
    } finally {
      server.close();
    }
  });
});

describe('schedules changed at run time', () => {
  it('setSchedule through tRPC moves the next slot at once, and the scheduler tick honours it without a restart', async () => {
    const { enqueueDueSyncs } = await import('../../infrastructure/scheduling/sync-schedule.ts');
    const pg = (await import('pg')).default;
    const organisationId = await createOrganisation(services, 'Schedule Estates');
    const connectionId = await connectReapit(organisationId);
    const admin = appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' }));
    const viewer = appRouter.createCaller(createContextInner(services, { organisationId, role: 'viewer' }));
    await expect(viewer.connections.setSchedule({ connectionId, intervalMinutes: 5 })).rejects.toThrow(
      /admin/,
    );
    await expect(admin.connections.setSchedule({ connectionId, intervalMinutes: 0 })).rejects.toThrow(
      /once a minute/,
    );

    const nextSync = async () =>
      new Date(
        (
          await query<{ next_sync_at: Date }>(`select next_sync_at from crm_connections where id = ?`, [
            connectionId,
          ])
        )[0]!.next_sync_at,
      ).getTime();
    const summary = await admin.connections.setSchedule({ connectionId, intervalMinutes: 720 });
    expect(summary.syncIntervalMinutes).toBe(720);
    expect(await nextSync()).toBeGreaterThan(Date.now() + 700 * 60_000);

    const pool = new pg.Pool({ connectionString: services.url, max: 1 });
    try {
      expect(await enqueueDueSyncs(pool, services.jobs)).toBe(0);
      // Back to the agency default (15 minutes), measured from the last sync: now due if we pretend it was long ago.
      await admin.connections.setSchedule({ connectionId, intervalMinutes: null });
      await query(`update crm_connections set next_sync_at = now() - interval '1 second' where id = ?`, [
        connectionId,
      ]);
      expect(await enqueueDueSyncs(pool, services.jobs)).toBe(1);
      await services.whenIdle();
      const [run] = await query<{ trigger: string; scheduled_for: Date | null }>(
        `select trigger, scheduled_for from sync_runs where connection_id = ? order by started_at desc limit 1`,
        [connectionId],
      );
      expect(run!.trigger).toBe('schedule');
      expect(run!.scheduled_for).not.toBeNull();
      expect(await nextSync()).toBeGreaterThan(Date.now() + 14 * 60_000);
      await admin.connections.setAgencySchedule({ intervalMinutes: 60 });
      expect(await nextSync()).toBeGreaterThan(Date.now() + 59 * 60_000);
    } finally {
      await pool.end();
    }
  });
});

describe('a connection failing for too long', () => {
  it('raises one warning alert once it has failed for longer than the configured time', async () => {
    const organisationId = await createOrganisation(services, 'Failing Estates');
    const connectionId = await connectReapit(organisationId);
    await query(`update crm_connections set failing_since = now() - interval '2 hours' where id = ?`, [
      connectionId,
    ]);
    reapit.controls.setFaults({ errorRate: 1 });
    try {
      const result = await services.runSyncCycle(connectionId, 'manual');
      expect(result.status).toBe('failed');
      await services.runSyncCycle(connectionId, 'manual');
    } finally {
      reapit.controls.clearFaults();
    }
    const alerts = await query<{ kind: string; severity: string; message: string }>(
      `select kind, severity, message from alerts where connection_id = ? and resolved_at is null`,
      [connectionId],
    );
    expect(alerts).toEqual([expect.objectContaining({ kind: 'connection_failing', severity: 'warning' })]);
    const [connection] = await query<{ status: string }>(`select status from crm_connections where id = ?`, [
      connectionId,
    ]);
    // Transient failures do not stop the connection: it keeps retrying on schedule.
    expect(connection!.status).toBe('active');
  });
});
