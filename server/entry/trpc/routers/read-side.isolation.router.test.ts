import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';
import { agencyA, agencyB, caller, execute, expectTrpcCode } from './read-side.fixtures.ts';
import { services, startReadSideServices, stopReadSideServices } from './read-side.fixtures.ts';

/**
 * The read-side routers over a real PostgreSQL holding two agencies: each agency's token must see
 * only its own rows, viewers must not change anything, and no answer may carry credential material
 * (see read-side.fixtures.ts).
 */

beforeAll(startReadSideServices);
afterAll(stopReadSideServices);

describe('agency isolation', () => {
  it('agency A sees nothing of agency B through any read procedure', async () => {
    const a = caller(agencyA, 'viewer');
    const runs = await a.syncRuns.list({ limit: 200 });
    expect(runs.items.some((run) => agencyB.runIds.includes(run.id))).toBe(false);
    expect((await a.syncRuns.list({ connectionId: agencyB.connectionId })).items).toEqual([]);
    await expectTrpcCode(a.syncRuns.get({ runId: agencyB.runIds[0]! }), 'NOT_FOUND');
    await expectTrpcCode(a.syncRuns.log({ runId: agencyB.runIds[0]! }), 'NOT_FOUND');
    expect((await a.syncRuns.history({})).some((point) => agencyB.runIds.includes(point.runId))).toBe(false);
    expect(await a.syncRuns.history({ connectionId: agencyB.connectionId })).toEqual([]);

    expect((await a.conflicts.list({})).items.map((conflict) => conflict.id)).not.toContain(
      agencyB.conflictId,
    );
    expect((await a.conflicts.list({ syncRunId: agencyB.runIds[0] })).totalCount).toBe(0);
    expect((await a.conflicts.list({ contactId: agencyB.contactId })).totalCount).toBe(0);
    await expectTrpcCode(a.conflicts.get({ conflictId: agencyB.conflictId }), 'NOT_FOUND');

    const alerts = await a.alerts.list({ state: 'all' });
    expect(alerts.items.map((alert) => alert.id)).not.toContain(agencyB.alertId);
    expect((await a.alerts.list({ state: 'all', connectionId: agencyB.connectionId })).totalCount).toBe(0);

    expect(await a.contacts.lookup({ by: 'email', value: agencyB.email })).toEqual([]);
    expect(await a.contacts.lookup({ by: 'name', value: agencyB.lastName })).toEqual([]);
    expect(await a.contacts.lookup({ by: 'externalId', value: agencyB.externalId })).toEqual([]);

    expect((await a.connections.list()).map((connection) => connection.id)).toEqual([agencyA.connectionId]);
    await expectTrpcCode(a.connections.get({ connectionId: agencyB.connectionId }), 'NOT_FOUND');
  });

  it('agency A cannot change agency B’s data', async () => {
    const a = caller(agencyA);
    await expectTrpcCode(a.alerts.acknowledge({ alertId: agencyB.alertId }), 'NOT_FOUND');
    const [alertOfB] = await execute<{ acknowledged_at: Date | null }>(
      `select acknowledged_at from alerts where id = ?`,
      [agencyB.alertId],
    );
    expect(alertOfB!.acknowledged_at).toBeNull();
    await expectTrpcCode(a.connections.syncNow({ connectionId: agencyB.connectionId }), 'NOT_FOUND');
  });

  it('a request without a token gets nothing', async () => {
    const anonymous = appRouter.createCaller(createContextInner(services, null));
    await expectTrpcCode(anonymous.syncRuns.list({}), 'UNAUTHORIZED');
    await expectTrpcCode(anonymous.contacts.lookup({ by: 'email', value: agencyA.email }), 'UNAUTHORIZED');
    await expectTrpcCode(anonymous.agencies.list(), 'UNAUTHORIZED');
  });
});

describe('roles', () => {
  it('a viewer cannot call any mutation, whatever its input', async () => {
    // At run time tRPC keeps procedures as a flat record keyed by path ("alerts.acknowledge").
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    const mutations = Object.entries(procedures)
      .filter(([, procedure]) => procedure._def.type === 'mutation')
      .map(([path]) => path);
    expect(mutations).toEqual(
      expect.arrayContaining(['connections.connect', 'connections.syncNow', 'alerts.acknowledge']),
    );
    const viewer = caller(agencyA, 'viewer') as unknown as Record<
      string,
      Record<string, (input: unknown) => Promise<unknown>>
    >;
    for (const path of mutations) {
      const [group, name] = path.split('.') as [string, string];
      await expectTrpcCode(viewer[group]![name]!({}), 'FORBIDDEN');
    }
    const [alertOfB] = await execute<{ acknowledged_at: Date | null }>(
      `select acknowledged_at from alerts where id = ?`,
      [agencyB.alertId],
    );
    expect(alertOfB!.acknowledged_at).toBeNull();
  });
});

describe('credential material', () => {
  it('no answer of any read procedure carries a secret or its ciphertext', async () => {
    const a = caller(agencyA);
    const answers = await Promise.all([
      a.connections.list(),
      a.connections.get({ connectionId: agencyA.connectionId }),
      a.providers.list(),
      a.syncRuns.list({}),
      a.syncRuns.get({ runId: agencyA.runIds[0]! }),
      a.syncRuns.log({ runId: agencyA.runIds[0]! }),
      a.syncRuns.history({}),
      a.conflicts.list({}),
      a.conflicts.get({ conflictId: agencyA.conflictId }),
      a.alerts.list({ state: 'all' }),
      a.contacts.lookup({ by: 'email', value: agencyA.email }),
    ]);
    const text = JSON.stringify(answers);
    // The providers list describes the connect form (field names such as "clientSecret"), never values.
    const answersWithoutFormDescriptions = JSON.stringify(answers.filter((_, index) => index !== 2));
    for (const secret of [
      agencyA.clientSecret,
      agencyA.ciphertext,
      agencyB.clientSecret,
      agencyB.ciphertext,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(answersWithoutFormDescriptions).not.toMatch(/clientSecret|"credentials"|"ct"|"iv"|"tag"/);
  });
});

describe('every procedure, called by agency A with agency B’s ids', () => {
  it('returns nothing of B and changes nothing of B; a new procedure must be added here to pass', async () => {
    const b = agencyB;
    // A write-back the CRM refused for B: A can neither list, retry nor dismiss it.
    const [refusedOfB] = await execute<{ id: string }>(
      `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload, status,
         refused_at, last_error) values (?, ?, ?, 'metadata', 'isolation-refused', ?::jsonb, 'refused', now(), 'refused')
       returning id`,
      [
        b.organisationId,
        b.connectionId,
        b.contactId,
        JSON.stringify({
          kind: 'hot_lead',
          idempotencyKey: 'isolation-refused',
          contactExternalId: b.externalId,
          occurredAt: '2026-11-20T00:00:00.000Z',
          summary: 'Hot lead',
          details: {},
        }),
      ],
    );
    const hostSecret = `whsec_${Buffer.from('agency-a-host-secret-0123456789').toString('base64')}`;
    const inputs: Record<string, unknown> = {
      'providers.list': undefined,
      'connections.list': undefined,
      'connections.get': { connectionId: b.connectionId },
      // A already has a Reapit connection: refused before any CRM is called, and it names no id of B.
      'connections.connect': {
        provider: 'reapit',
        credentials: { clientId: 'x', clientSecret: 'y' },
        settings: {},
      },
      'connections.syncNow': { connectionId: b.connectionId },
      'connections.setSchedule': { connectionId: b.connectionId, intervalMinutes: 30 },
      'connections.setAgencySchedule': { intervalMinutes: 30 },
      'connections.reconnect': {
        connectionId: b.connectionId,
        credentials: { clientId: 'x', clientSecret: 'y' },
      },
      'connections.fieldMapping': { connectionId: b.connectionId },
      'connections.confirmFieldMapping': { connectionId: b.connectionId },
      'connections.setMappingOverrides': {
        connectionId: b.connectionId,
        overrides: { categories: { 'applicantType:buyer': 'Applicant' }, fields: {} },
      },
      'connections.mappingHistory': { connectionId: b.connectionId },
      'connections.disconnect': { connectionId: b.connectionId },
      // Reconnecting B's connection by sign-in: refused as not found before anything is stored.
      'connections.startOAuth': {
        provider: 'reapit',
        connectionId: b.connectionId,
        returnTo: 'http://127.0.0.1:9/dashboard/settings/integrations',
      },
      // Finishing a sign-in of another agency: refused as expired, whatever the id.
      'connections.finishOAuth': { signInId: 'a-sign-in-id-of-another-agency' },
      'engagement.reportEmail': { contactId: b.contactId, event: 'sent', messageId: 'isolation-1' },
      'engagement.contact': { contactId: b.contactId },
      'hostWebhooks.get': undefined,
      'hostWebhooks.configure': { url: 'https://agency-a.example/hooks', secret: hostSecret },
      'hostWebhooks.remove': undefined,
      'syncRuns.list': { connectionId: b.connectionId },
      'syncRuns.get': { runId: b.runIds[0] },
      'syncRuns.log': { runId: b.runIds[0] },
      'syncRuns.history': { connectionId: b.connectionId },
      'conflicts.list': { contactId: b.contactId },
      'conflicts.get': { conflictId: b.conflictId },
      'alerts.list': { state: 'all', connectionId: b.connectionId },
      'alerts.acknowledge': { alertId: b.alertId },
      'failedWrites.list': { connectionId: b.connectionId },
      'failedWrites.retry': { writeId: refusedOfB!.id },
      'failedWrites.dismiss': { writeId: refusedOfB!.id },
      'failedWrites.counts': undefined,
      'contacts.lookup': { by: 'externalId', value: b.externalId },
      // Erasing B's contact: refused as not found, and nothing of B is removed.
      'contacts.erase': { contactId: b.contactId },
      // A's whole feed, from the start: B's contacts never appear in it.
      'contacts.list': { limit: 1000 },
      // B's contact, by id: refused as not found before anything is recorded or queued.
      'contacts.recordConsent': {
        contactId: b.contactId,
        channel: 'email',
        status: 'denied',
        source: 'isolation',
        at: '2026-11-01T10:00:00.000Z',
      },
      'contacts.update': { contactId: b.contactId, fields: { title: 'Dr' } },
      // Host procedures: an embed token (A's) is refused before anything is read or changed.
      'agencies.create': { name: 'Created with an embed token', externalRef: b.organisationId },
      'agencies.list': undefined,
      'agencies.rename': { id: b.organisationId, name: 'Renamed by A' },
      'agencies.offboard': { id: b.organisationId, dryRun: false },
    };
    const procedures = Object.keys(appRouter._def.procedures as Record<string, unknown>).sort();
    expect(procedures).toEqual(Object.keys(inputs).sort());

    // Everything of B, as stored, before and after A tried every procedure on it.
    const stateOfB = () =>
      execute<{ table: string; digest: string }>(
        `select 'organisations' as table, md5(string_agg(row_to_json(o)::text, '' order by o.id)) as digest from organisations o where o.id = ?
         union all select 'crm_connections', md5(string_agg(row_to_json(c)::text, '' order by c.id)) from crm_connections c where c.organisation_id = ?
         union all select 'contacts', md5(string_agg(row_to_json(c)::text, '' order by c.id)) from contacts c where c.organisation_id = ?
         union all select 'activities', md5(string_agg(row_to_json(a)::text, '' order by a.id)) from activities a where a.organisation_id = ?
         union all select 'alerts', md5(string_agg(row_to_json(a)::text, '' order by a.id)) from alerts a where a.organisation_id = ?
         union all select 'outbound_writes', md5(string_agg(row_to_json(w)::text, '' order by w.id)) from outbound_writes w where w.organisation_id = ?`,
        Array(6).fill(b.organisationId),
      );
    const before = await stateOfB();
    const organisationsBefore = await execute(`select count(*)::int as count from organisations`);
    const markersOfB = [
      b.connectionId,
      b.contactId,
      b.conflictId,
      b.alertId,
      b.email,
      b.externalId,
      refusedOfB!.id,
      ...b.runIds,
    ];
    const a = caller(agencyA);
    for (const path of procedures) {
      const procedure = path.split('.').reduce<any>((node, key) => node[key], a) as (
        input: unknown,
      ) => Promise<unknown>;
      const answer = await procedure(inputs[path]).catch((error: unknown) => {
        // Refusals are fine; what matters is that they name nothing of B and are never server errors.
        expect(error, path).toBeInstanceOf(TRPCError);
        expect((error as TRPCError).code, path).not.toBe('INTERNAL_SERVER_ERROR');
        return { refused: (error as TRPCError).message, code: (error as TRPCError).code };
      });
      if (path.startsWith('agencies.')) expect(answer, path).toMatchObject({ code: 'FORBIDDEN' });
      const text = JSON.stringify(answer ?? null);
      for (const marker of markersOfB) expect(text, `${path} leaked ${marker}`).not.toContain(marker);
    }
    expect(await stateOfB()).toEqual(before);
    expect(await execute(`select count(*)::int as count from organisations`)).toEqual(organisationsBefore);
  });
});
