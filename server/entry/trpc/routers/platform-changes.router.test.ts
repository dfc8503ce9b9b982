import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningHarness } from '../../../../simulators/toolkit/contract-harness.ts';
import { mergeOperatorConfig } from '../../../../simulators/toolkit/operator-config.ts';
import type { CrmProvider } from '../../../../shared/providers.ts';
import { PropsyncError } from '../../../core/errors.ts';
import { Sql, sqlJson, sqlTimestamp } from '../../../infrastructure/db/sql.ts';
import { CRMS } from '../../../test-support/crms.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../../test-support/test-services.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';

/**
 * The host platform's own changes over tRPC, on a real PostgreSQL, against every CRM's simulator:
 * the same people (one seed) in every CRM become one contact linked to each, and a consent or an
 * edit recorded in the platform reaches every one of those records.
 */

const SEED = 5;
let harnesses: Map<CrmProvider, RunningHarness>;
let services: TestServices;
let organisationId: string;
let sql: Sql;
let connections: Map<string, CrmProvider>;
let contactId: string;
/** Another person in as many CRMs, whose consent the tests leave alone. */
let editedId: string;

const contacts = () =>
  appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' })).contacts;

/** Every cycle of the agency until none changes anything: our write-backs come back once as CRM changes. */
async function settle(): Promise<void> {
  await services.whenIdle(60_000);
  for (let round = 0; round < 4; round++) {
    let moved = 0;
    for (const connectionId of connections.keys()) {
      const cycle = await services.runSyncCycle(connectionId, 'manual');
      if (cycle.status === 'succeeded') moved += cycle.updated + cycle.created;
    }
    if (moved === 0) return;
  }
}

const LinkRow = z.object({
  connection_id: z.string(),
  provider: z.string(),
  external_id: z.string(),
  snapshot: z.record(z.string(), z.unknown()),
});
const linksOf = (id: string) =>
  sql.rows(
    LinkRow,
    `select connection_id, provider, external_id, snapshot from contact_external_ids
     where contact_id = ? and active order by provider`,
    [id],
  );

/** The CRM connections of some links or writes, each once, in order. */
const connectionsOf = (rows: Array<{ connection_id: string }>) =>
  [...new Set(rows.map((row) => row.connection_id))].sort();

const consentOf = async (id: string) =>
  (
    await sql.first(
      z.object({ marketing_consent: z.string() }),
      `select marketing_consent from contacts where id = ?`,
      [id],
    )
  )?.marketing_consent;

/** What a refused change must leave as it was: the contact, its queued writes and its audit. */
const footprintOf = (id: string) =>
  sql.first(
    z.object({ contact: z.string(), writes: z.number(), changes: z.number() }),
    `select row_to_json(c)::text as contact, (select count(*)::int from outbound_writes where contact_id = c.id) as writes,
       (select count(*)::int from platform_changes where contact_id = c.id) as changes
     from contacts c where id = ?`,
    [id],
  );

/** The queued writes of one platform change, per connection: each must have reached its CRM. */
const writesOf = (changeId: string) =>
  sql.rows(
    z.object({ connection_id: z.string(), status: z.string(), payload: z.record(z.string(), z.unknown()) }),
    `select connection_id, status, payload from outbound_writes where idempotency_key like ? order by connection_id`,
    [`platform-change:${changeId}:%`],
  );

beforeAll(async () => {
  harnesses = new Map();
  for (const crm of CRMS) {
    harnesses.set(
      crm.adapter.info.id,
      await crm.simulator.start({ contactCount: 40, rateLimits: false, seed: SEED }),
    );
  }
  services = await createTestServices({
    env: mergeOperatorConfig(...[...harnesses.values()].map((harness) => harness.operatorConfig)),
  });
  sql = new Sql(services.orm.em);
  organisationId = await createOrganisation(services, 'Consent Everywhere Lettings');
  connections = new Map();
  for (const [provider, harness] of harnesses) {
    const settings =
      provider === 'alto'
        ? { ...harness.connection.settings, readMarketingConsent: 'true' }
        : harness.connection.settings;
    const { id } = await services.connections.connect(organisationId, provider, {
      ...harness.connection,
      settings,
    });
    connections.set(id, provider);
    await services.whenIdle(60_000);
  }
  // The two people linked to the most CRMs.
  const [best, second] = await sql.rows(
    z.object({ contact_id: z.string(), crms: z.number() }),
    `select contact_id, count(distinct connection_id)::int as crms from contact_external_ids
     where organisation_id = ? and active group by contact_id order by crms desc, contact_id limit 2`,
    [organisationId],
  );
  contactId = best!.contact_id;
  editedId = second!.contact_id;
}, 240_000);

afterAll(async () => {
  await services?.destroy();
  for (const harness of harnesses?.values() ?? []) await harness.close();
});

describe('contacts.recordConsent', () => {
  it('pushes an opt-out to every CRM the contact is linked to, and audits it', async () => {
    const links = await linksOf(contactId);
    expect(links.length).toBeGreaterThanOrEqual(4);
    const at = new Date(Date.now() - 60_000).toISOString();
    const recorded = await contacts().recordConsent({
      contactId,
      channel: 'email',
      status: 'denied',
      source: 'unsubscribe link',
      at,
    });
    expect(recorded.applied).toBe(true);
    expect(recorded.queuedConnectionIds).toEqual(connectionsOf(links));
    expect(await consentOf(contactId)).toBe('denied');

    await settle();
    const writes = await writesOf(recorded.changeId);
    // One write per CRM record: a CRM may hold the person twice (agentOS: one record per list).
    expect(writes).toHaveLength(links.length);
    expect(connectionsOf(writes)).toEqual(recorded.queuedConnectionIds);
    for (const write of writes) {
      expect(write.status, connections.get(write.connection_id)).toBe('done');
      expect(write.payload.fields).toEqual({ marketingConsent: 'denied' });
    }
    // Each CRM answered the write (the outbound log), and each that still lists the record reads it
    // back denied (agentOS lists only records with third-party marketing consent).
    const logged = await sql.rows(
      z.object({ connection_id: z.string() }),
      `select distinct connection_id from crm_sync_log where internal_id = ? and direction = 'outbound' and status = 'updated'`,
      [contactId],
    );
    expect(logged.map((row) => row.connection_id).sort()).toEqual(connectionsOf(links));
    for (const link of await linksOf(contactId)) {
      if (link.provider === 'agentos') continue;
      expect(link.snapshot.marketingConsent, link.provider).toBe('denied');
    }
    const [audit] = await sql.rows(
      z.object({
        kind: z.string(),
        channel: z.string(),
        status: z.string(),
        source: z.string(),
        actor: z.string(),
        occurred_at: sqlTimestamp,
        queued_connections: z.array(z.string()),
      }),
      `select kind, channel, status, source, actor, occurred_at, queued_connections from platform_changes where id = ?`,
      [recorded.changeId],
    );
    expect(audit).toMatchObject({
      kind: 'consent',
      channel: 'email',
      status: 'denied',
      source: 'unsubscribe link',
      actor: 'admin',
      occurred_at: new Date(at),
    });
    expect(audit!.queued_connections.sort()).toEqual(recorded.queuedConnectionIds.sort());
  }, 120_000);

  it('keeps the opt-out when a CRM later brings "granted", and writes the opt-out back to it', async () => {
    const reapitLink = (await linksOf(contactId)).find((link) => link.provider === 'reapit')!;
    // An agent ticks consent in Reapit after the person unsubscribed in the platform.
    const adapter = await services.connections.adapterFor(reapitLink.connection_id);
    await adapter.pushContact({
      externalId: reapitLink.external_id,
      etag: null,
      fields: { marketingConsent: 'granted' },
    });
    const cycle = await services.runSyncCycle(reapitLink.connection_id, 'manual');
    expect(cycle.status).toBe('succeeded');
    expect(await consentOf(contactId)).toBe('denied');
    const [override] = await sql.rows(
      z.object({
        resolutions: z.array(z.object({ field: z.string(), winner: z.string(), rule: z.string() })),
      }),
      `select resolutions from conflict_audit where contact_id = ? and connection_id = ? order by created_at desc limit 1`,
      [contactId, reapitLink.connection_id],
    );
    expect(override!.resolutions).toContainEqual({
      field: 'marketingConsent',
      winner: 'platform',
      rule: 'deny_wins',
    });
    await settle();
    expect(await consentOf(contactId)).toBe('denied');
    const relinked = (await linksOf(contactId)).find((link) => link.provider === 'reapit')!;
    expect(relinked.snapshot.marketingConsent).toBe('denied');
  }, 120_000);

  it('is lifted only by a newer explicit consent; an older one is kept in the audit and changes nothing', async () => {
    const granted = (channel: 'email' | 'sms', source: string, at: Date) =>
      contacts().recordConsent({ contactId, channel, status: 'granted', source, at: at.toISOString() });
    const older = await granted('email', 'old import', new Date(Date.now() - 3_600_000));
    expect(older).toMatchObject({ applied: false, queuedConnectionIds: [] });
    expect(await consentOf(contactId)).toBe('denied');
    // A channel no CRM holds is recorded in Propsync only.
    const sms = await granted('sms', 'preference centre', new Date());
    expect(sms).toMatchObject({ applied: true, queuedConnectionIds: [] });
    expect(await consentOf(contactId)).toBe('denied');
    const newer = await granted('email', 'preference centre', new Date());
    expect(newer.applied).toBe(true);
    expect(await consentOf(contactId)).toBe('granted');
  });
});

describe('contacts.update', () => {
  it('writes a field the policy gives the platform to every linked CRM, and refuses any other', async () => {
    await sql.run(
      `insert into field_policies (organisation_id, field, rule) values (?, 'phones', 'platform_wins')`,
      [organisationId],
    );
    const before = await footprintOf(editedId);
    const refusal = await contacts()
      .update({
        contactId: editedId,
        fields: { phones: ['+447700900461'], firstName: 'Changed', nurtureCategory: 'Buyer' },
      })
      .catch((error: unknown) => error);
    expect((refusal as { cause?: unknown }).cause).toBeInstanceOf(PropsyncError);
    expect((refusal as { cause: PropsyncError }).cause.code).toBe('CONTACT.FIELD_NOT_OWNED');
    expect((refusal as Error).message).toMatch(
      /firstName \(its rule in the agency's field policy is crm_wins/,
    );
    expect((refusal as Error).message).toMatch(/nurtureCategory/);
    expect((refusal as Error).message).not.toMatch(/phones/);
    const after = await footprintOf(editedId);
    expect(after).toEqual(before);

    const links = await linksOf(editedId);
    // Two older writes still waiting for a retry: a newer change of phones takes phones out of both,
    // and the one left with nothing to write goes.
    const reapit = links.find((link) => link.provider === 'reapit')!;
    const waiting = (key: string, fields: Record<string, unknown>) =>
      sql.run(
        `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload, status,
           next_attempt_at)
         values (?, ?, ?, 'contact_update', ?, ?, 'failed', now() + interval '1 hour')`,
        [
          organisationId,
          reapit.connection_id,
          editedId,
          key,
          sqlJson({ externalId: reapit.external_id, etag: null, fields }),
        ],
      );
    await waiting('older-phones-and-title', { phones: ['+447700900460'], title: 'Dr' });
    await waiting('older-phones', { phones: ['+447700900460'] });
    const updated = await contacts().update({
      contactId: editedId,
      fields: { phones: ['+447700900462'] },
      source: 'profile page',
    });
    expect(updated.queuedConnectionIds).toEqual(connectionsOf(links));
    const older = await sql.rows(
      z.object({ idempotency_key: z.string(), payload: z.record(z.string(), z.unknown()) }),
      `select idempotency_key, payload from outbound_writes where idempotency_key like 'older-%'`,
    );
    expect(older).toEqual([
      {
        idempotency_key: 'older-phones-and-title',
        payload: { externalId: reapit.external_id, etag: null, fields: { title: 'Dr' } },
      },
    ]);
    await sql.run(`update outbound_writes set status = 'dismissed' where idempotency_key like 'older-%'`);
    const latest = updated;
    await settle();
    const writes = await writesOf(latest.changeId);
    expect(writes.map((write) => write.status)).toEqual(links.map(() => 'done'));
    for (const link of await linksOf(editedId)) {
      if (link.provider === 'agentos') continue;
      expect(link.snapshot.phones, link.provider).toContain('+447700900462');
    }
    const audit = await sql.rows(
      z.object({ kind: z.string(), fields: z.record(z.string(), z.unknown()), source: z.string() }),
      `select kind, fields, source from platform_changes where contact_id = ? and kind = 'fields' order by created_at`,
      [editedId],
    );
    expect(audit).toEqual([
      { kind: 'fields', fields: { phones: ['+447700900462'] }, source: 'profile page' },
    ]);
  }, 120_000);
});
