import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningHarness } from '../../../../simulators/toolkit/contract-harness.ts';
import { mergeOperatorConfig } from '../../../../simulators/toolkit/operator-config.ts';
import type { CrmAdapter } from '../../../core/ports/crm-adapter.ts';
import { reconcileConnection } from '../../../core/sync/reconcile-connection.ts';
import { Sql, sqlJson, type SqlParam } from '../../../infrastructure/db/sql.ts';
import { findCrm } from '../../../test-support/crms.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../../test-support/test-services.ts';
import { receiveWebhooks } from '../../../test-support/webhook-receiver.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';

/**
 * The right to erasure and the reconciliation, over tRPC and a real PostgreSQL, against the custom
 * CRM's simulator. Its webhooks are lost throughout: Propsync's public address is unreachable
 * from it (test-services), so a deletion in the CRM is only seen by the reconciliation.
 */
const SECRET = 'whsec_' + Buffer.from('contact-erasure-host-secret-0123456789').toString('base64');

let harness: RunningHarness;
let services: TestServices;
let organisationId: string;
let connectionId: string;
let sql: Sql;
/** What the suite opened, closed in reverse order. */
const opened: Array<{ close: () => Promise<void> }> = [];

const caller = () =>
  appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' })).contacts;

/** Drives the simulator through its control surface (`/_sim`), as an agent's edits would. */
async function control(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${harness.url}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, `${method} /_sim${path} answered ${response.status}`).toBe(true);
}

const Person = z.object({
  contact_id: z.string(),
  external_id: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string(),
  phone: z.string(),
});

/** A linked contact with an email and a phone, not among `except`. */
async function somePerson(except: string[] = []) {
  const person = await sql.first(
    Person,
    `select c.id as contact_id, e.external_id, c.first_name, c.last_name, c.emails[1] as email, c.phones[1] as phone
     from contacts c join contact_external_ids e on e.contact_id = c.id
     where c.organisation_id = ? and e.connection_id = ? and e.active and cardinality(c.emails) > 0
       and cardinality(c.phones) > 0 and c.first_name is not null and c.last_name is not null
       and not (e.external_id in (select jsonb_array_elements_text(?::jsonb)))
       and (select count(*) from contact_external_ids o where o.contact_id = c.id) = 1
     order by e.external_id limit 1`,
    [organisationId, connectionId, sqlJson(except)],
  );
  return person!;
}

/** Every row of every table that mentions `term` (case aside), by table. */
async function tablesMentioning(term: string): Promise<Record<string, number>> {
  const tables = await sql.rows(
    z.object({ table_name: z.string() }),
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const found: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    const row = await sql.first(
      z.object({ n: z.number() }),
      `select count(*)::int as n from "${table}" t where strpos(lower(t::text), lower(?)) > 0
         and not ('${table}' = 'host_events' and (t::text) like '%contact.erased%' and ? ~ '^[0-9a-f-]{36}$')`,
      [term, term],
    );
    if (row!.n > 0) found[table] = row!.n;
  }
  return found;
}

/** Forgets the cursor, so the next cycle reads the whole CRM again (a re-sync from scratch). */
async function fullResync() {
  await sql.run(`update crm_connections set sync_cursor = null where id = ?`, [connectionId]);
  const cycle = await services.runSyncCycle(connectionId, 'manual');
  expect(cycle.status).toBe('succeeded');
  return cycle as { runId: string };
}

beforeAll(async () => {
  const host = await receiveWebhooks('/hooks');
  opened.push(host);
  harness = await findCrm('custom')!.simulator.start({ contactCount: 40, rateLimits: false, seed: 23 });
  opened.push(harness);
  services = await createTestServices({
    env: mergeOperatorConfig(harness.operatorConfig, { PROPSYNC_EGRESS_ALLOW: 'localhost' }),
  });
  opened.push({ close: services.destroy });
  sql = new Sql(services.orm.em);
  organisationId = await createOrganisation(services, 'Erasure Lettings');
  await services.hostWebhooks.configure(organisationId, {
    url: host.url.replace('127.0.0.1', 'localhost'),
    secret: SECRET,
  });
  // Pages of ten, so a listing has several.
  const settings = { ...harness.connection.settings, pageSize: '10' };
  ({ id: connectionId } = await services.connections.connect(organisationId, 'custom', {
    credentials: harness.connection.credentials,
    settings,
  }));
  await services.whenIdle();
}, 60_000);

afterAll(async () => {
  for (const resource of opened.reverse()) await resource.close();
});

describe('contacts.erase', () => {
  let person: z.infer<typeof Person>;

  it('removes the person from every table, keeps no readable identifier, and names the CRMs that hold them', async () => {
    person = await somePerson();
    const other = await somePerson([person.external_id]);
    const personal = { email: person.email, firstName: person.first_name, lastName: person.last_name };
    // What a person leaves behind besides the contact: signals and a score, a conflict, queued and
    // received payloads (and another person's delivery), an alert, an event for the host, and an
    // error of a cycle that names the record.
    const delivery = (key: string, subject: typeof person): [string, SqlParam[]] => [
      `insert into webhook_deliveries (connection_id, organisation_id, delivery_key, event_type, payload, status)
       values (?, ?, ?, 'contact.updated', ?, 'processed')`,
      [
        connectionId,
        organisationId,
        key,
        sqlJson({ data: { id: subject.external_id, email: subject.email } }),
      ],
    ];
    const traces: Array<[string, SqlParam[]]> = [
      [
        `insert into activities (organisation_id, contact_id, connection_id, type, source, external_id, occurred_at, signal_key)
         values (?, ?, ?, 'viewing_booked', 'custom', 'activity:erase-1', now(), 'viewing')`,
        [organisationId, person.contact_id, connectionId],
      ],
      [
        `update contacts set intent_score = 42, hot_lead_at = now(), engagement = '{"viewings": 1}' where id = ?`,
        [person.contact_id],
      ],
      [
        `insert into conflict_audit (organisation_id, connection_id, contact_id, crm_version, platform_version,
           crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
         values (?, ?, ?, ?, ?, now(), now(), '{emails}', '{"emails": "crm_wins"}', 'crm')`,
        [
          organisationId,
          connectionId,
          person.contact_id,
          sqlJson(personal),
          sqlJson({ ...personal, email: 'x@y.z' }),
        ],
      ],
      [
        `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
         values (?, ?, ?, 'contact_update', 'erase-test-1', ?)`,
        [
          organisationId,
          connectionId,
          person.contact_id,
          sqlJson({ externalId: person.external_id, fields: personal }),
        ],
      ],
      delivery('erase-test-mine', person),
      delivery('erase-test-other', other),
      [
        `insert into alerts (organisation_id, connection_id, contact_id, kind, severity, message)
         values (?, ?, ?, 'hot_lead', 'info', ?)`,
        [
          organisationId,
          connectionId,
          person.contact_id,
          `${person.first_name} ${person.last_name} is a hot lead`,
        ],
      ],
      [
        `insert into host_events (organisation_id, type, payload) values (?, 'contact.updated', ?)`,
        [
          organisationId,
          sqlJson({ contactId: person.contact_id, provider: 'custom', externalId: person.external_id }),
        ],
      ],
      [
        `update sync_runs set errors = errors || ?::jsonb where id = (select id from sync_runs where connection_id = ? limit 1)`,
        [
          sqlJson([
            {
              code: 'ADAPTER.BAD_RESPONSE',
              message: `bad record ${person.email}`,
              externalId: person.external_id,
            },
          ]),
          connectionId,
        ],
      ],
      // A cycle part-way through a window: its resume list names the record.
      [
        `update crm_connections set sync_cursor = ? where id = ?`,
        [
          sqlJson({
            modifiedSince: null,
            pending: {
              windowStart: null,
              windowEnd: new Date().toISOString(),
              checkpoint: {
                modifiedAt: new Date().toISOString(),
                idsAtModifiedAt: [person.external_id, other.external_id],
              },
            },
          }),
          connectionId,
        ],
      ],
    ];
    for (const [statement, params] of traces) await sql.run(statement, params);

    const viewer = appRouter.createCaller(createContextInner(services, { organisationId, role: 'viewer' }));
    await expect(viewer.contacts.erase({ contactId: person.contact_id })).rejects.toThrow();
    const report = await caller().erase({ contactId: person.contact_id });

    expect(report.crmRecords).toEqual([
      {
        provider: 'custom',
        providerName: 'Custom CRM',
        connectionId,
        externalId: person.external_id,
        active: true,
      },
    ]);
    expect(report.summary).toContain(`record ${person.external_id}`);
    expect(report.removed).toMatchObject({
      contacts: 1,
      links: 1,
      activities: 1,
      outboundWrites: 1,
      webhookDeliveries: 1,
      alerts: 1,
      conflictAuditsRedacted: 1,
      syncRunsRedacted: 1,
      cursorsScrubbed: 1,
    });
    expect(report.removed.syncLogEntries).toBeGreaterThan(0);
    // Nothing readable is left anywhere: not the email, the phone, the CRM id, nor the contact id
    // (which only the host's `contact.erased` event still carries).
    for (const term of [person.email, person.phone, person.external_id, person.contact_id]) {
      expect(await tablesMentioning(term), term).toEqual({});
    }
    const audit = await sql.first(
      z.object({ contact_id: z.string().nullable(), crm_version: z.unknown(), redacted_at: z.unknown() }),
      `select contact_id, crm_version, redacted_at from conflict_audit where organisation_id = ?`,
      [organisationId],
    );
    expect(audit).toMatchObject({ contact_id: null, crm_version: {} });
    expect(audit!.redacted_at).not.toBeNull();
    // Another person's delivery stays.
    const deliveries = await sql.rows(
      z.object({ delivery_key: z.string() }),
      `select delivery_key from webhook_deliveries where organisation_id = ?`,
      [organisationId],
    );
    expect(deliveries.map((row) => row.delivery_key)).toContain('erase-test-other');
    const cursor = await sql.first(
      z.object({ ids: z.array(z.string()) }),
      `select sync_cursor #> '{pending,checkpoint,idsAtModifiedAt}' as ids from crm_connections where id = ?`,
      [connectionId],
    );
    expect(cursor!.ids).toEqual([other.external_id]);
    const erased = await sql.first(
      z.object({
        payload: z.object({ contactId: z.string(), erasedAt: z.string(), heldBy: z.array(z.unknown()) }),
      }),
      `select payload from host_events where organisation_id = ? and type = 'contact.erased'`,
      [organisationId],
    );
    expect(erased!.payload).toEqual({
      contactId: person.contact_id,
      erasedAt: report.erasedAt,
      heldBy: [{ provider: 'custom', connectionId, active: true }],
    });
    // The tombstone holds keyed hashes only: one for the record, one per email and phone.
    const tombstones = await sql.rows(
      z.object({ kind: z.string(), key_hash: z.string() }),
      `select kind, key_hash from erasure_tombstones where organisation_id = ? order by kind`,
      [organisationId],
    );
    expect(tombstones.map((row) => row.kind)).toEqual(['email', 'phone', 'record']);
    await expect(caller().erase({ contactId: person.contact_id })).rejects.toThrow(
      /No such contact in this agency/,
    );
  });

  it("keeps the audit append-only for everyone else: the erasing transaction may redact only its contact's rows", async () => {
    const other = await somePerson();
    await sql.run(
      `insert into conflict_audit (organisation_id, connection_id, contact_id, crm_version, platform_version,
         crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
       values (?, ?, ?, '{"a": 1}', '{"a": 2}', now(), now(), '{a}', '{}', 'crm')`,
      [organisationId, connectionId, other.contact_id],
    );
    const redactOther = (declared: string, extra = '') =>
      sql.transaction(async (tx) => {
        await tx.run(`select set_config('propsync.erasing_contact', ?, true)`, [declared]);
        await tx.run(
          `update conflict_audit set contact_id = null, crm_version = '{}', platform_version = '{}',
             redacted_at = now()${extra} where contact_id = ?`,
          [other.contact_id],
        );
      });
    await expect(redactOther(person.contact_id)).rejects.toThrow(/append-only/);
    await expect(redactOther(other.contact_id, `, winner = 'platform'`)).rejects.toThrow(/append-only/);
  });

  it('is not undone by a re-sync from scratch: the unchanged CRM record stays out', async () => {
    const run = await fullResync();
    expect(await tablesMentioning(person.email)).toEqual({});
    expect(await tablesMentioning(person.external_id)).toEqual({});
    const skipped = await sql.rows(
      z.object({ external_id: z.string().nullable(), error_code: z.string().nullable() }),
      `select external_id, error_code from crm_sync_log where sync_run_id = ? and status = 'skipped'`,
      [run.runId],
    );
    expect(skipped).toEqual([{ external_id: null, error_code: 'CONTACT.ERASED' }]);
  });

  it('imports the person again once the CRM changes their record after the erasure, and records it', async () => {
    await control('POST', '/contacts/modify', { ids: [person.external_id], randomChange: true });
    const cycle = (await services.runSyncCycle(connectionId, 'manual')) as { runId: string; created: number };
    expect(cycle.created).toBe(1);
    const reimported = await sql.rows(
      z.object({ external_id: z.string(), internal_id: z.string() }),
      `select external_id, internal_id from crm_sync_log where sync_run_id = ? and status = 'reimported'`,
      [cycle.runId],
    );
    expect(reimported).toEqual([{ external_id: person.external_id, internal_id: expect.any(String) }]);
    const link = await sql.first(
      z.object({ contact_id: z.string() }),
      `select contact_id from contact_external_ids where connection_id = ? and external_id = ?`,
      [connectionId, person.external_id],
    );
    expect(link!.contact_id).toBe(reimported[0]!.internal_id);
    const marked = await sql.first(
      z.object({ n: z.number() }),
      `select count(*)::int as n from erasure_tombstones where organisation_id = ? and reimported_at is not null`,
      [organisationId],
    );
    expect(marked!.n).toBeGreaterThan(0);
  });
});

describe('the reconciliation with the CRM', () => {
  const linkOf = (externalId: string) =>
    sql.first(
      z.object({ active: z.boolean(), reconcile_misses: z.number(), contact_id: z.string() }),
      `select active, reconcile_misses, contact_id from contact_external_ids where connection_id = ? and external_id = ?`,
      [connectionId, externalId],
    );

  it('is claimed once per interval: a new connection first gets its time, then one claim runs it', async () => {
    const store = services.reconciliation.store;
    expect(await store.claimDue(60_000, 100)).toEqual([]);
    await sql.run(`update crm_connections set next_reconcile_at = now() - interval '1 second' where id = ?`, [
      connectionId,
    ]);
    expect(await store.claimDue(60_000, 100)).toEqual([{ connectionId, failures: 0 }]);
    expect(await store.claimDue(60_000, 100)).toEqual([]);
  });

  it('deactivates a record deleted while its webhook was lost only at the second complete miss, never on a failed run', async () => {
    const deleted = (await somePerson()).external_id;
    await control('DELETE', `/contacts/${encodeURIComponent(deleted)}`);
    // A delta sync cannot see a deletion.
    await services.runSyncCycle(connectionId, 'manual');
    expect(await linkOf(deleted)).toMatchObject({ active: true, reconcile_misses: 0 });

    const first = await reconcileConnection(services.reconciliation, connectionId);
    expect(first).toMatchObject({ status: 'complete', deactivated: 0 });
    expect(await linkOf(deleted)).toMatchObject({ active: true, reconcile_misses: 1 });

    // The CRM fails a page part-way through the listing (after the first page was read): the
    // listing is incomplete, so nothing changes and the miss is not counted again.
    const listPath = `${new URL(harness.connection.settings.baseUrl!).pathname}/contacts`;
    const failAfterFirstPage = async (id: string): Promise<CrmAdapter> => {
      const adapter = await services.reconciliation.adapterFor(id);
      return Object.assign(Object.create(adapter) as CrmAdapter, {
        async *syncContacts(...args: Parameters<CrmAdapter['syncContacts']>) {
          let pages = 0;
          for await (const page of adapter.syncContacts(...args)) {
            yield page;
            if (++pages === 1) {
              await control('POST', '/faults/fail-next', {
                count: 50,
                status: 500,
                method: 'GET',
                pathPrefix: listPath,
              });
            }
          }
        },
      });
    };
    const failed = await reconcileConnection(
      { ...services.reconciliation, adapterFor: failAfterFirstPage },
      connectionId,
    );
    await control('DELETE', '/faults');
    expect(failed).toMatchObject({ status: 'failed', deactivated: 0 });
    const { listed } = failed as { listed: number };
    expect(listed).toBeGreaterThan(0);
    expect(listed).toBeLessThan(harness.listableContactCount());
    expect(await linkOf(deleted)).toMatchObject({ active: true, reconcile_misses: 1 });

    const second = await reconcileConnection(services.reconciliation, connectionId);
    expect(second).toMatchObject({ status: 'complete', deactivated: 1 });
    const link = await linkOf(deleted);
    expect(link).toMatchObject({ active: false, reconcile_misses: 0 });
    // History stays: the contact, and the deactivation in the sync log.
    const logged = await sql.rows(
      z.object({ internal_id: z.string() }),
      `select internal_id from crm_sync_log where connection_id = ? and external_id = ? and status = 'deactivated'`,
      [connectionId, deleted],
    );
    expect(logged).toEqual([{ internal_id: link!.contact_id }]);
    const contact = await sql.first(z.object({ id: z.string() }), `select id from contacts where id = ?`, [
      link!.contact_id,
    ]);
    expect(contact).not.toBeNull();
    // Every other record was listed both times: no other link moved.
    const others = await sql.first(
      z.object({ n: z.number() }),
      `select count(*)::int as n from contact_external_ids where connection_id = ? and (not active or reconcile_misses > 0)`,
      [connectionId],
    );
    expect(others!.n).toBe(1);
  });
});
