import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../../shared/connection.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../../test-support/test-services.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';

/**
 * The read-side routers (audit log, conflicts, alerts, contacts) over a real PostgreSQL holding
 * two agencies: each agency's token must see only its own rows, viewers must not change anything,
 * and no answer may carry credential material.
 */

type Agency = {
  organisationId: string;
  connectionId: string;
  contactId: string;
  runIds: string[];
  conflictId: string;
  alertId: string;
  email: string;
  externalId: string;
  lastName: string;
  clientSecret: string;
  ciphertext: string;
};

let services: TestServices;
let agencyA: Agency;
let agencyB: Agency;

const caller = (agency: Agency, role: Role = 'admin') =>
  appRouter.createCaller(createContextInner(services, { organisationId: agency.organisationId, role }));

async function execute<T = unknown>(sql: string, params: unknown[] = []): Promise<T[]> {
  return services.orm.em.fork().execute<T[]>(sql, params);
}

/** One agency with a Reapit connection, a contact, cycles (with log rows), a conflict and an alert. */
async function seedAgency(name: string, marker: string): Promise<Agency> {
  const organisationId = await createOrganisation(services, name);
  const connectionId = randomUUID();
  const clientSecret = `client-secret-${marker}-${randomUUID()}`;
  const envelope = services.vault.encrypt(
    { clientId: `client-${marker}`, clientSecret },
    { organisationId, connectionId },
  );
  await execute(
    `insert into crm_connections (id, organisation_id, provider, status, settings, credentials)
     values (?, ?, 'reapit', 'active', ?::jsonb, ?::jsonb)`,
    [
      connectionId,
      organisationId,
      JSON.stringify({ customerId: `SBOX-${marker}` }),
      JSON.stringify(envelope),
    ],
  );
  const email = `jo.${marker.toLowerCase()}@example.co.uk`;
  const lastName = `Surname${marker}`;
  const [contact] = await execute<{ id: string }>(
    `insert into contacts (organisation_id, first_name, last_name, emails, phones, postcode)
     values (?, 'Jo', ?, array[?]::text[], array['+447700900123']::text[], 'BS1 4DJ') returning id`,
    [organisationId, lastName, email],
  );
  const contactId = contact!.id;
  const externalId = `RPT-${marker}-001`;
  await execute(
    `insert into contact_external_ids (contact_id, organisation_id, connection_id, provider, external_id, matched_on)
     values (?, ?, ?, 'reapit', ?, array['email']::text[])`,
    [contactId, organisationId, connectionId, externalId],
  );

  // Five cycles an hour apart on 2026-11-20: two with errors, one that pushed records out.
  const runIds: string[] = [];
  for (let index = 0; index < 5; index++) {
    const status = index === 1 ? 'failed' : index === 3 ? 'partial' : 'succeeded';
    const errors =
      status === 'succeeded'
        ? []
        : [
            {
              code: 'ADAPTER.RATE_LIMITED',
              message: 'Reapit asked us to slow down (429)',
              statusCode: 429,
              externalId: null,
              retryState: 'will_retry',
              at: '2026-11-20T10:00:00.000Z',
            },
          ];
    const [run] = await execute<{ id: string }>(
      `insert into sync_runs (connection_id, organisation_id, trigger, status, window_start, window_end, started_at,
         finished_at, records_fetched, records_written, records_pushed, errors_count, errors, conflicts_count)
       values (?, ?, 'schedule', ?, ?::timestamptz - interval '15 minutes', ?::timestamptz, ?::timestamptz,
         ?::timestamptz + interval '1 minute', ?, ?, ?, ?, ?::jsonb, ?) returning id`,
      [
        connectionId,
        organisationId,
        status,
        `2026-11-20T0${index}:00:00Z`,
        `2026-11-20T0${index}:00:00Z`,
        `2026-11-20T0${index}:00:00Z`,
        `2026-11-20T0${index}:00:00Z`,
        10 + index,
        10 + index,
        index === 4 ? 3 : 0,
        errors.length,
        JSON.stringify(errors),
        index === 0 ? 1 : 0,
      ],
    );
    runIds.push(run!.id);
  }
  // The first cycle logged three records.
  for (const status of ['created', 'updated', 'error']) {
    await execute(
      `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id,
         internal_id, status, error_code, status_code)
       values (?, ?, ?, 'contact', 'inbound', ?, ?, ?, ?, ?)`,
      [
        runIds[0],
        connectionId,
        organisationId,
        externalId,
        contactId,
        status,
        status === 'error' ? 'ADAPTER.VALIDATION' : null,
        status === 'error' ? 422 : null,
      ],
    );
  }
  const [conflict] = await execute<{ id: string }>(
    `insert into conflict_audit (organisation_id, connection_id, contact_id, sync_run_id, crm_version, platform_version,
       crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
     values (?, ?, ?, ?, ?::jsonb, ?::jsonb, '2026-11-20T00:00:30Z', '2026-11-19T23:59:00Z', array['lastName', 'marketingConsent'],
       ?::jsonb, 'mixed') returning id`,
    [
      organisationId,
      connectionId,
      contactId,
      runIds[0],
      JSON.stringify({ lastName: `${lastName}-crm`, marketingConsent: 'granted' }),
      JSON.stringify({ lastName, marketingConsent: 'denied' }),
      JSON.stringify([
        { field: 'lastName', winner: 'crm', rule: 'crm_wins' },
        { field: 'marketingConsent', winner: 'platform', rule: 'deny_wins' },
      ]),
    ],
  );
  const [alert] = await execute<{ id: string }>(
    `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
     values (?, ?, 'webhook_registration_failed', 'warning', ?, 'reconnect', ?) returning id`,
    [organisationId, connectionId, `Webhooks for ${name} are not registered`, `webhook:${connectionId}`],
  );
  return {
    organisationId,
    connectionId,
    contactId,
    runIds,
    conflictId: conflict!.id,
    alertId: alert!.id,
    email,
    externalId,
    lastName,
    clientSecret,
    ciphertext: envelope.ct,
  };
}

beforeAll(async () => {
  services = await createTestServices();
  agencyA = await seedAgency('Harbour & Hale Estate Agents', 'A');
  agencyB = await seedAgency('Bramble Lettings', 'B');
});
afterAll(async () => {
  await services?.destroy();
});

async function expectTrpcCode(promise: Promise<unknown>, code: TRPCError['code']): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
}

describe('syncRuns', () => {
  it('lists only the agency’s cycles, newest first, with a total count', async () => {
    const page = await caller(agencyA).syncRuns.list({});
    expect(page.totalCount).toBe(5);
    expect(page.items.map((run) => run.id)).toEqual([...agencyA.runIds].reverse());
    expect(page.items.every((run) => run.connectionId === agencyA.connectionId)).toBe(true);
    expect(page.items[0]).toMatchObject({ provider: 'reapit', providerName: 'Reapit', recordsPushed: 3 });
  });

  it('pages with a cursor without repeating or skipping a cycle', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<ReturnType<typeof caller>['syncRuns']['list']>> = await caller(
        agencyA,
        'viewer',
      ).syncRuns.list({ limit: 2, cursor });
      expect(page.totalCount).toBe(5);
      seen.push(...page.items.map((run) => run.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...agencyA.runIds].reverse());
  });

  it('filters by status, direction, connection and dates', async () => {
    const a = caller(agencyA);
    expect((await a.syncRuns.list({ status: 'failed' })).items.map((run) => run.id)).toEqual([
      agencyA.runIds[1],
    ]);
    expect((await a.syncRuns.list({ syncDirection: 'outbound' })).items.map((run) => run.id)).toEqual([
      agencyA.runIds[4],
    ]);
    expect((await a.syncRuns.list({ syncDirection: 'inbound' })).totalCount).toBe(5);
    const window = await a.syncRuns.list({ from: '2026-11-20T01:00:00Z', to: '2026-11-20T03:00:00Z' });
    expect(window.items.map((run) => run.id)).toEqual([agencyA.runIds[2], agencyA.runIds[1]]);
    expect((await a.syncRuns.list({ from: '2026-11-20', to: '2026-11-20' })).totalCount).toBe(5);
    expect((await a.syncRuns.list({ to: '2026-11-19' })).totalCount).toBe(0);
    expect((await a.syncRuns.list({ connectionId: agencyB.connectionId })).totalCount).toBe(0);
  });

  it('accepts the paging direction tRPC infinite queries add to the input', async () => {
    const input = { limit: 2, cursor: null, direction: 'forward' } as Parameters<
      ReturnType<typeof caller>['syncRuns']['list']
    >[0];
    expect((await caller(agencyA).syncRuns.list(input)).items).toHaveLength(2);
  });

  it('refuses a page size above 200', async () => {
    await expectTrpcCode(caller(agencyA).syncRuns.list({ limit: 201 }), 'BAD_REQUEST');
  });

  it('shows one cycle with its errors, conflicts and paginated record log', async () => {
    const a = caller(agencyA, 'viewer');
    const detail = await a.syncRuns.get({ runId: agencyA.runIds[0]!, logLimit: 2 });
    expect(detail.run).toMatchObject({ id: agencyA.runIds[0], status: 'succeeded', conflictsCount: 1 });
    expect(detail.run.windowStart).toBe('2026-11-19T23:45:00.000Z');
    expect(detail.log.totalCount).toBe(3);
    expect(detail.log.items.map((entry) => entry.status)).toEqual(['created', 'updated']);
    expect(detail.conflicts.items.map((conflict) => conflict.id)).toEqual([agencyA.conflictId]);
    const rest = await a.syncRuns.log({ runId: agencyA.runIds[0]!, cursor: detail.log.nextCursor, limit: 2 });
    expect(rest.items).toEqual([
      expect.objectContaining({ status: 'error', errorCode: 'ADAPTER.VALIDATION', statusCode: 422 }),
    ]);
    expect(rest.nextCursor).toBeNull();

    const failed = await a.syncRuns.get({ runId: agencyA.runIds[1]! });
    expect(failed.run.errors).toEqual([
      expect.objectContaining({ code: 'ADAPTER.RATE_LIMITED', statusCode: 429, retryState: 'will_retry' }),
    ]);
  });

  it('gives records in, out and errors per cycle, oldest first', async () => {
    const history = await caller(agencyA).syncRuns.history({});
    expect(history.map((point) => point.runId)).toEqual(agencyA.runIds);
    expect(history[4]).toMatchObject({ recordsIn: 14, recordsOut: 3, errors: 0 });
    expect(history[1]).toMatchObject({ errors: 1, status: 'failed' });
  });
});

describe('conflicts, alerts and contacts', () => {
  it('shows a conflict with both versions, both timestamps, winner and rule per field', async () => {
    const conflict = await caller(agencyA, 'viewer').conflicts.get({ conflictId: agencyA.conflictId });
    expect(conflict).toMatchObject({
      contactName: `Jo ${agencyA.lastName}`,
      winner: 'mixed',
      crmModifiedAt: '2026-11-20T00:00:30.000Z',
      platformModifiedAt: '2026-11-19T23:59:00.000Z',
      differingFields: ['lastName', 'marketingConsent'],
    });
    expect(conflict.fields).toEqual([
      {
        field: 'lastName',
        crmValue: `${agencyA.lastName}-crm`,
        platformValue: agencyA.lastName,
        winner: 'crm',
        rule: 'crm_wins',
      },
      {
        field: 'marketingConsent',
        crmValue: 'granted',
        platformValue: 'denied',
        winner: 'platform',
        rule: 'deny_wins',
      },
    ]);
    expect((await caller(agencyA).conflicts.list({})).items.map((item) => item.id)).toEqual([
      agencyA.conflictId,
    ]);
  });

  it('lists and acknowledges the agency’s alerts', async () => {
    const a = caller(agencyA);
    const open = await a.alerts.list({ state: 'open' });
    expect(open.items.map((alert) => alert.id)).toEqual([agencyA.alertId]);
    expect(open.items[0]).toMatchObject({
      action: 'reconnect',
      kind: 'webhook_registration_failed',
      providerName: 'Reapit',
    });
    const acknowledged = await a.alerts.acknowledge({ alertId: agencyA.alertId });
    expect(acknowledged.acknowledgedAt).not.toBeNull();
    expect((await a.alerts.list({ state: 'open' })).totalCount).toBe(0);
    expect((await a.alerts.list({ state: 'unresolved' })).totalCount).toBe(1);
  });

  it('looks a contact up by email, name or CRM id, with its provenance', async () => {
    const a = caller(agencyA, 'viewer');
    const [byEmail] = await a.contacts.lookup({ by: 'email', value: agencyA.email.toUpperCase() });
    expect(byEmail).toMatchObject({ id: agencyA.contactId, name: `Jo ${agencyA.lastName}` });
    expect(byEmail!.provenance).toMatchObject({
      provider: 'reapit',
      externalId: agencyA.externalId,
      matchedOn: ['email'],
    });
    expect(
      (await a.contacts.lookup({ by: 'name', value: agencyA.lastName.toLowerCase() })).map((c) => c.id),
    ).toEqual([agencyA.contactId]);
    expect(
      (await a.contacts.lookup({ by: 'externalId', value: agencyA.externalId })).map((c) => c.id),
    ).toEqual([agencyA.contactId]);
    // LIKE wildcards in the search text are literal.
    expect(await a.contacts.lookup({ by: 'name', value: '%' })).toEqual([]);
  });
});

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
      'contacts.lookup': { by: 'externalId', value: b.externalId },
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
