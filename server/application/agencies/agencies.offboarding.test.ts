import type { CrmProvider } from '../../../shared/providers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionLocks } from '../../infrastructure/db/connection-locks.ts';
import { createLogger } from '../../infrastructure/logger.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { call, countOf, embedToken, hostToken, query, services } from './agencies.fixtures.ts';
import { startAgenciesServer, startSimulator, stopAgenciesServer } from './agencies.fixtures.ts';

/**
 * Offboarding an agency over real HTTP and a real PostgreSQL: it removes the personal data and keeps
 * the audit trail as counts without it (see agencies.fixtures.ts).
 */

async function connect(organisationId: string, harness: RunningHarness, provider: CrmProvider) {
  const answer = await call(
    'connections.connect',
    { provider, credentials: harness.connection.credentials, settings: harness.connection.settings },
    await embedToken(organisationId),
  );
  expect(answer.status, answer.message ?? '').toBe(200);
  return answer.data.id as string;
}

/** Every row naming the agency, in every table that has an organisation_id, as text. */
async function everyRowOf(organisationId: string): Promise<Record<string, string[]>> {
  const tables = await query<{ table_name: string }>(
    `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'organisation_id'
     order by table_name`,
  );
  const rows: Record<string, string[]> = {
    organisations: (
      await query<{ row: string }>(`select row_to_json(o)::text as row from organisations o where id = ?`, [
        organisationId,
      ])
    ).map((row) => row.row),
  };
  for (const { table_name: table } of tables) {
    rows[table] = (
      await query<{ row: string }>(
        `select row_to_json(t)::text as row from "${table}" t where organisation_id = ? order by row_to_json(t)::text`,
        [organisationId],
      )
    ).map((row) => row.row);
  }
  return rows;
}

beforeAll(startAgenciesServer, 60_000);
afterAll(stopAgenciesServer);

describe('offboarding', () => {
  let agencyA: string;
  let agencyB: string;
  let customA: RunningHarness;
  let personal: string[];
  let conflictBefore: { differing_fields: string[]; winner: string; resolutions: unknown };
  let runsBefore: number;
  let stateOfB: () => Promise<Record<string, string[]>>;
  let bBefore: Record<string, string[]>;

  beforeAll(async () => {
    agencyA = (
      await call('agencies.create', { name: 'Leaving Lettings', externalRef: 'leaving-1' }, hostToken)
    ).data.id;
    agencyB = (
      await call('agencies.create', { name: 'Staying Estates', externalRef: 'staying-1' }, hostToken)
    ).data.id;
    customA = await startSimulator('custom');
    const agentosA = await startSimulator('agentos');
    const customB = await startSimulator('custom');
    await connect(agencyA, customA, 'custom');
    await connect(agencyA, agentosA, 'agentos');
    const connectionB = await connect(agencyB, customB, 'custom');
    await services.whenIdle(60_000);

    // A's people: engagement (activities, a score), a conflict, an alert and a run error naming one.
    const contacts = await query<{ id: string; emails: string[]; last_name: string | null }>(
      `select id, emails, last_name from contacts where organisation_id = ? order by created_at`,
      [agencyA],
    );
    expect(contacts.length).toBeGreaterThanOrEqual(6);
    const person = contacts.find((contact) => contact.emails.length > 0 && contact.last_name)!;
    const externalIds = await query<{ external_id: string }>(
      `select external_id from contact_external_ids where organisation_id = ?`,
      [agencyA],
    );
    personal = [
      ...contacts.flatMap((contact) => contact.emails),
      ...contacts
        .map((contact) => contact.last_name)
        .filter((name): name is string => Boolean(name && name.length > 3)),
      ...externalIds.map((row) => row.external_id).filter((id) => id.length > 4),
    ];
    const adminA = await embedToken(agencyA);
    for (const event of ['sent', 'opened', 'clicked']) {
      const answer = await call(
        'engagement.reportEmail',
        { contactId: person.id, event, messageId: 'welcome-1' },
        adminA,
      );
      expect(answer.status, answer.message ?? '').toBe(200);
    }
    const [run] = await query<{ id: string; connection_id: string }>(
      `select id, connection_id from sync_runs where organisation_id = ? order by started_at limit 1`,
      [agencyA],
    );
    await query(
      `insert into conflict_audit (organisation_id, connection_id, contact_id, sync_run_id, crm_version, platform_version,
         crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
       values (?, ?, ?, ?, ?::jsonb, ?::jsonb, now() - interval '1 hour', now(), array['emails','lastName'], ?::jsonb, 'mixed')`,
      [
        agencyA,
        run!.connection_id,
        person.id,
        run!.id,
        JSON.stringify({ emails: person.emails, lastName: person.last_name }),
        JSON.stringify({ emails: ['changed@example.co.uk'], lastName: `${person.last_name}-Smythe` }),
        JSON.stringify([
          { field: 'emails', winner: 'crm', rule: 'crm_wins' },
          { field: 'lastName', winner: 'platform', rule: 'most_recent' },
        ]),
      ],
    );
    await query(
      `update sync_runs set errors_count = errors_count + 1, errors = errors || ?::jsonb where id = ?`,
      [
        JSON.stringify([
          {
            code: 'ADAPTER.VALIDATION',
            message: `The CRM refused ${person.emails[0]}: not a valid address`,
            statusCode: 422,
            externalId: externalIds[0]!.external_id,
            retryState: 'gave_up',
          },
        ]),
        run!.id,
      ],
    );
    await query(
      `insert into alerts (organisation_id, contact_id, kind, severity, message, action)
       values (?, ?, 'hot_lead', 'info', ?, 'view_contact')`,
      [agencyA, person.id, `${person.last_name} is a hot lead`],
    );
    await query(
      `update crm_connections set last_error_message = ? where organisation_id = ? and provider = 'agentos'`,
      [`Record ${externalIds[0]!.external_id} for ${person.emails[0]} was refused`, agencyA],
    );
    conflictBefore = (
      await query(
        `select differing_fields, winner, resolutions from conflict_audit where organisation_id = ?`,
        [agencyA],
      )
    )[0];
    runsBefore = await countOf(`select count(*)::int as n from sync_runs where organisation_id = ?`, [
      agencyA,
    ]);
    // B has a conflict too: it must stay as it is, personal data and all.
    const [contactB] = await query<{ id: string }>(
      `select id from contacts where organisation_id = ? limit 1`,
      [agencyB],
    );
    await query(
      `insert into conflict_audit (organisation_id, connection_id, contact_id, crm_version, platform_version,
         crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
       values (?, ?, ?, '{"lastName":"B-side"}'::jsonb, '{"lastName":"B-platform"}'::jsonb, now(), now(),
         array['lastName'], '[]'::jsonb, 'crm')`,
      [agencyB, connectionB, contactB!.id],
    );
    stateOfB = () => everyRowOf(agencyB);
    bBefore = await stateOfB();
  }, 120_000);

  it('answers what a dry run would remove, with counts, and changes nothing', async () => {
    const before = await everyRowOf(agencyA);
    const answer = await call('agencies.offboard', { id: agencyA, dryRun: true }, hostToken);
    expect(answer.status, answer.message ?? '').toBe(200);
    const report = answer.data;
    expect(report.dryRun).toBe(true);
    expect(report.connections.map((connection: { provider: string }) => connection.provider).sort()).toEqual([
      'agentos',
      'custom',
    ]);
    expect(
      report.connections.every(
        (connection: { accessAtProvider: unknown }) => connection.accessAtProvider === null,
      ),
    ).toBe(true);
    const expectCount = async (table: string) =>
      countOf(`select count(*)::int as n from ${table} where organisation_id = ?`, [agencyA]);
    expect(report.removed).toEqual({
      contacts: await expectCount('contacts'),
      links: await expectCount('contact_external_ids'),
      activities: await expectCount('activities'),
      scores: await countOf(
        `select count(*)::int as n from contacts where organisation_id = ? and (intent_score <> 0 or hot_lead_at is not null)`,
        [agencyA],
      ),
      syncLogEntries: await expectCount('crm_sync_log'),
      outboundWrites: await expectCount('outbound_writes'),
      webhookDeliveries: await expectCount('webhook_deliveries'),
      hostEvents: await expectCount('host_events'),
      alerts: await expectCount('alerts'),
      signInsInProgress: 0,
      fieldPolicies: 0,
    });
    expect(report.removed.contacts).toBeGreaterThanOrEqual(6);
    // The webhook test's three, and what the simulators' seeded diaries brought by polling.
    expect(report.removed.activities).toBeGreaterThanOrEqual(3);
    expect(report.removed.scores).toBeGreaterThanOrEqual(1);
    expect(report.kept).toEqual({ syncRuns: runsBefore, conflictAudits: 1, connections: 2 });
    expect(report.summary).toMatch(
      /^Would disconnect 2 connections and remove \d+ contacts.*Nothing was changed\.$/,
    );
    expect(await everyRowOf(agencyA)).toEqual(before);
    customA.clearRequests();
    expect((await call('connections.list', undefined, await embedToken(agencyA), 'query')).status).toBe(200);
  });

  it('disconnects every connection (revoking at the CRM), removes the personal data and keeps the audit as counts', async () => {
    const removedBefore = (await call('agencies.offboard', { id: agencyA, dryRun: true }, hostToken)).data
      .removed;
    customA.clearRequests();
    const answer = await call('agencies.offboard', { id: agencyA, dryRun: false }, hostToken);
    expect(answer.status, answer.message ?? '').toBe(200);
    const report = answer.data;
    expect(report.dryRun).toBe(false);
    expect(
      Object.fromEntries(
        report.connections.map((connection: { provider: string; accessAtProvider: string }) => [
          connection.provider,
          connection.accessAtProvider,
        ]),
      ),
    ).toEqual({ custom: 'revoked', agentos: 'remove_in_crm' });
    // The custom CRM was asked to revoke Propsync's key.
    expect(
      customA
        .requests()
        .some((request) => request.method === 'POST' && request.path.endsWith('/auth/revoke')),
    ).toBe(true);
    expect(report.removed).toEqual(removedBefore);
    expect(report.kept).toEqual({ syncRuns: runsBefore, conflictAudits: 1, connections: 2 });
    expect(report.summary).toMatch(/^Disconnected 2 connections and removed/);

    // Gone: the people, their links, activities, scores and logs; no credential remains.
    const rows = await everyRowOf(agencyA);
    for (const table of [
      'contacts',
      'contact_external_ids',
      'activities',
      'crm_sync_log',
      'outbound_writes',
      'alerts',
      'host_events',
      'webhook_deliveries',
    ]) {
      expect(rows[table], table).toEqual([]);
    }
    const connections = await query<{
      status: string;
      credentials: unknown;
      access_grant: unknown;
      webhook_secret: unknown;
    }>(
      `select status, credentials, access_grant, webhook_secret from crm_connections where organisation_id = ?`,
      [agencyA],
    );
    expect(connections).toEqual([
      { status: 'disconnected', credentials: null, access_grant: null, webhook_secret: null },
      { status: 'disconnected', credentials: null, access_grant: null, webhook_secret: null },
    ]);

    // Stays: every cycle and the conflict, with what happened but not to whom.
    const [conflict] = await query(
      `select contact_id, crm_version, platform_version, differing_fields, winner, resolutions,
         redacted_at is not null as redacted from conflict_audit where organisation_id = ?`,
      [agencyA],
    );
    expect(conflict).toEqual({
      ...conflictBefore,
      contact_id: null,
      crm_version: {},
      platform_version: {},
      redacted: true,
    });
    expect(
      await countOf(`select count(*)::int as n from sync_runs where organisation_id = ?`, [agencyA]),
    ).toBe(runsBefore);
    const errors = await query<{ errors: unknown[] }>(
      `select errors from sync_runs where organisation_id = ? and errors_count > 0`,
      [agencyA],
    );
    expect(errors.flatMap((row) => row.errors)).toContainEqual({
      code: 'ADAPTER.VALIDATION',
      statusCode: 422,
      retryState: 'gave_up',
    });
    const text = JSON.stringify(rows);
    for (const marker of personal) expect(text, `${marker} remained`).not.toContain(marker);

    // The other agency is untouched, and the offboarded one's tokens are refused.
    expect(await stateOfB()).toEqual(bBefore);
    const refused = await call('connections.list', undefined, await embedToken(agencyA), 'query');
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(new RegExp(`agency ${agencyA} was offboarded from Propsync`));
  });

  it('answers again with nothing left to remove, lists the agency as offboarded, and lets its reference be onboarded anew', async () => {
    const again = await call('agencies.offboard', { id: agencyA, dryRun: false }, hostToken);
    expect(again.status).toBe(200);
    expect(again.data.connections).toEqual([]);
    expect(Object.values(again.data.removed).every((count) => count === 0)).toBe(true);
    expect(again.data.kept.conflictAudits).toBe(1);
    const list = (await call('agencies.list', undefined, hostToken, 'query')).data as Array<{
      id: string;
      status: string;
    }>;
    expect(list.find((agency) => agency.id === agencyA)).toMatchObject({
      status: 'offboarded',
      offboardedAt: expect.any(String),
    });
    expect((await call('agencies.rename', { id: agencyA, name: 'Back again' }, hostToken)).status).toBe(412);
    const onboardedAgain = await call(
      'agencies.create',
      { name: 'Leaving Lettings', externalRef: 'leaving-1' },
      hostToken,
    );
    expect(onboardedAgain.data).toEqual({ id: expect.any(String), created: true });
    expect(onboardedAgain.data.id).not.toBe(agencyA);
  });

  it('keeps the conflict audit append-only outside that one redaction', async () => {
    const [rowOfB] = await query<{ id: string }>(`select id from conflict_audit where organisation_id = ?`, [
      agencyB,
    ]);
    const em = services.orm.em.fork();
    const attempt = (statements: Array<[string, unknown[]]>) =>
      em.transactional(async (tx) => {
        for (const [sql, params] of statements) await tx.execute(sql, params);
      });
    const redact = `update conflict_audit set contact_id = null, crm_version = '{}'::jsonb, platform_version = '{}'::jsonb, redacted_at = now() where id = ?`;
    // Without declaring an offboarding, or declaring another agency's, redaction is refused.
    await expect(attempt([[redact, [rowOfB!.id]]])).rejects.toThrow(/append-only/);
    await expect(
      attempt([
        [`select set_config('propsync.offboarding_organisation', ?, true)`, [agencyA]],
        [redact, [rowOfB!.id]],
      ]),
    ).rejects.toThrow(/append-only/);
    // Declaring the right agency allows only the redaction: no rewriting, no deleting, no truncating.
    for (const sql of [
      `update conflict_audit set winner = 'platform' where id = ?`,
      `update conflict_audit set contact_id = null, crm_version = '{}'::jsonb, platform_version = '{}'::jsonb, redacted_at = now(), differing_fields = '{}' where id = ?`,
      `delete from conflict_audit where id = ?`,
    ]) {
      await expect(
        attempt([
          [`select set_config('propsync.offboarding_organisation', ?, true)`, [agencyB]],
          [sql, [rowOfB!.id]],
        ]),
      ).rejects.toThrow(/append-only/);
    }
    await expect(attempt([[`truncate conflict_audit`, []]])).rejects.toThrow(/append-only/);
    // A's redacted row cannot be redacted again or rewritten either.
    await expect(
      attempt([
        [`select set_config('propsync.offboarding_organisation', ?, true)`, [agencyA]],
        [`update conflict_audit set redacted_at = now() where organisation_id = ?`, [agencyA]],
      ]),
    ).rejects.toThrow(/append-only/);
    expect(await stateOfB()).toEqual(bBefore);
  });

  it('disconnects and removes a connection made while it was offboarding, too', async () => {
    const agency = (await call('agencies.create', { name: 'Racing Lettings' }, hostToken)).data.id as string;
    await connect(agency, await startSimulator('alto'), 'alto');
    await services.whenIdle(60_000);
    // A connect that passed its token check just before the agency was marked lands mid-offboarding.
    const disconnect = services.connections.disconnect.bind(services.connections);
    let raced = false;
    services.connections.disconnect = async (organisationId, connectionId) => {
      if (!raced) {
        raced = true;
        const [late] = await query<{ id: string }>(
          `insert into crm_connections (organisation_id, provider, status) values (?, 'loop', 'active') returning id`,
          [agency],
        );
        const [contact] = await query<{ id: string }>(
          `insert into contacts (organisation_id, last_name, emails) values (?, 'Latecomer', array['late@example.co.uk']) returning id`,
          [agency],
        );
        await query(
          `insert into contact_external_ids (contact_id, organisation_id, connection_id, provider, external_id) values (?, ?, ?, 'loop', 'LOOP-LATE-1')`,
          [contact!.id, agency, late!.id],
        );
      }
      return disconnect(organisationId, connectionId);
    };
    try {
      const answer = await call('agencies.offboard', { id: agency, dryRun: false }, hostToken);
      expect(answer.status, answer.message ?? '').toBe(200);
      expect(answer.data.connections.map((connection: { provider: string }) => connection.provider)).toEqual([
        'alto',
        'loop',
      ]);
    } finally {
      services.connections.disconnect = disconnect;
    }
    expect(
      await query(`select status, credentials from crm_connections where organisation_id = ?`, [agency]),
    ).toEqual([
      { status: 'disconnected', credentials: null },
      { status: 'disconnected', credentials: null },
    ]);
    expect(await countOf(`select count(*)::int as n from contacts where organisation_id = ?`, [agency])).toBe(
      0,
    );
  });

  it('waits for a running cycle, answers busy when it takes too long, and finishes when asked again', async () => {
    const agency = (await call('agencies.create', { name: 'Busy Bee Lettings' }, hostToken)).data
      .id as string;
    const connectionId = await connect(agency, await startSimulator('loop'), 'loop');
    await services.whenIdle(60_000);
    const contacts = await countOf(`select count(*)::int as n from contacts where organisation_id = ?`, [
      agency,
    ]);
    expect(contacts).toBeGreaterThan(0);
    // Another process's cycle holds the connection's lock.
    const otherProcess = new ConnectionLocks(services.url, createLogger({ level: 'silent' }));
    const release = await otherProcess.tryAcquire(connectionId);
    expect(release).not.toBeNull();
    try {
      const busy = await call('agencies.offboard', { id: agency, dryRun: false }, hostToken);
      expect(busy.status).toBe(503);
      expect(busy.message).toMatch(/still finishing.*offboard again/);
      // Already disconnected and refused; nothing deleted half-way.
      expect((await call('connections.list', undefined, await embedToken(agency), 'query')).status).toBe(403);
      expect(
        await countOf(`select count(*)::int as n from contacts where organisation_id = ?`, [agency]),
      ).toBe(contacts);
    } finally {
      await release!();
      await otherProcess.close();
    }
    const done = await call('agencies.offboard', { id: agency, dryRun: false }, hostToken);
    expect(done.status).toBe(200);
    expect(done.data.removed.contacts).toBe(contacts);
    expect(done.data.connections).toEqual([]);
  });
});
