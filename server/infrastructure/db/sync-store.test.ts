import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { CrmProvider } from '../../../shared/providers.ts';
import { canonicalPerson } from '../../test-support/contacts.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import type { PostgresSyncStore } from './sync-store.ts';

let services: TestServices;
let store: PostgresSyncStore;
let organisationId: string;
const connections: Partial<Record<CrmProvider, string>> = {};

beforeAll(async () => {
  services = await createTestServices();
  store = services.syncStore;
  organisationId = await createOrganisation(services, 'Dedup Test Estates');
  for (const provider of ['reapit', 'agentos'] as const) {
    const [row] = await services.orm.em
      .fork()
      .execute<{ id: string }[]>(
        `insert into crm_connections (organisation_id, provider) values (?, ?) returning id`,
        [organisationId, provider],
      );
    connections[provider] = row!.id;
  }
});
afterAll(async () => services?.destroy());

const person = canonicalPerson;

async function importPage(provider: CrmProvider, contacts: CanonicalContact[]) {
  const started = await store.startRun(connections[provider]!, 'manual', new Date(), 0);
  const run = started.outcome === 'started' ? started.run : null;
  const result = await store.applyContactPage(run!, {
    contacts,
    rejected: [],
    checkpoint: null,
    estimatedTotal: null,
  });
  await store.finishRun(run!, { succeeded: true });
  const [row] = await services.orm.em
    .fork()
    .execute<{ duplicates_suppressed: number }[]>(
      `select duplicates_suppressed from sync_runs where id = ?`,
      [run!.runId],
    );
  return { result, duplicatesSuppressed: row!.duplicates_suppressed, runId: run!.runId };
}

const address = (postcode: string) => ({
  lines: ['12 Harbour Row'],
  town: 'Bristol',
  postcode,
  countryCode: 'GB',
  uprn: null,
  udprn: null,
});

describe('deduplication across CRMs', () => {
  it('links the same person from a second CRM to the existing contact, and records what matched', async () => {
    await importPage('reapit', [
      person('reapit', 'RPT20000001', {
        emails: ['olivia.obrien@example.co.uk'],
        phones: ['+447700900123'],
        address: address('BS1 4DJ'),
      }),
      person('reapit', 'RPT20000002', {
        emails: ['olivia.obrien@work.example'],
        phones: ['+447700900456'],
        address: address('M1 1AE'),
      }),
    ]);
    // agentOS holds the first Olivia with a different email case (already normalised) and another phone format.
    const second = await importPage('agentos', [
      person('agentos', 'AOS-77', {
        firstName: 'Olivia',
        lastName: 'OBrien',
        emails: ['olivia.obrien@example.co.uk'],
        phones: ['+447700900123'],
      }),
    ]);
    expect(second.result).toMatchObject({ created: 0, merged: 1 });
    expect(second.duplicatesSuppressed).toBe(1);

    const links = await services.orm.em
      .fork()
      .execute<{ contact_id: string; provider: string; external_id: string; matched_on: string[] }[]>(
        `select contact_id, provider, external_id, matched_on from contact_external_ids where external_id in ('RPT20000001', 'AOS-77') order by provider`,
      );
    expect(links).toHaveLength(2);
    expect(links[0]!.contact_id).toBe(links[1]!.contact_id);
    expect(links.find((link) => link.provider === 'agentos')!.matched_on).toEqual(['email', 'phone', 'name']);
    const [log] = await services.orm.em
      .fork()
      .execute<{ status: string }[]>(`select status from crm_sync_log where sync_run_id = ?`, [second.runId]);
    expect(log!.status).toBe('merged');
  });

  it('keeps two different people who share a name apart', async () => {
    const result = await importPage('agentos', [
      person('agentos', 'AOS-78', {
        emails: ['o.obrien@another.example'],
        phones: ['+447700900789'],
        address: address('LS1 4DY'),
      }),
    ]);
    expect(result.result).toMatchObject({ created: 1, merged: 0 });
    const [{ count }] = (await services.orm.em
      .fork()
      .execute(
        `select count(*)::int as count from contacts where organisation_id = ? and name_key = 'olivia obrien'`,
        [organisationId],
      )) as [{ count: number }];
    expect(count).toBe(3);
  });

  it('matches on name and postcode when a CRM has no email or phone for the person', async () => {
    const reapitOnly = await importPage('reapit', [
      person('reapit', 'RPT20000003', {
        firstName: 'Tomasz',
        lastName: 'Nowak',
        address: address('EH1 1YZ'),
      }),
    ]);
    expect(reapitOnly.result.created).toBe(1);
    const agentos = await importPage('agentos', [
      person('agentos', 'AOS-79', {
        firstName: 'Tomasz',
        lastName: 'Nowak',
        address: address('eh1 1yz'.toUpperCase()),
      }),
    ]);
    expect(agentos.result).toMatchObject({ created: 0, merged: 1 });
  });
});

describe('field-level conflicts when both sides changed a contact', () => {
  const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);
  const original = () =>
    person('reapit', 'RPT20000010', {
      firstName: 'Grace',
      lastName: 'Hopper',
      emails: ['grace@old.example'],
      phones: ['+447700900321'],
    });

  it("keeps the CRM's email and the platform's intent score, with one audit row describing the conflict", async () => {
    await importPage('reapit', [original()]);
    const [{ contact_id: contactId }] = (await query<{ contact_id: string }>(
      `select contact_id from contact_external_ids where external_id = 'RPT20000010'`,
    )) as [{ contact_id: string }];
    await query(
      `update contacts set intent_score = 72, field_modified_at = field_modified_at || jsonb_build_object('intentScore', now()) where id = ?`,
      [contactId],
    );
    const edited = {
      ...original(),
      emails: ['grace@new.example'],
      provenance: { ...original().provenance, modifiedAt: '2026-11-10T10:00:00.000Z' },
    };
    const cycle = await importPage('reapit', [edited]);
    expect(cycle.result.updated).toBe(1);

    const [contact] = await query<{ emails: string[]; intent_score: string }>(
      `select emails, intent_score from contacts where id = ?`,
      [contactId],
    );
    expect(contact).toEqual({ emails: ['grace@new.example'], intent_score: '72.00' });
    const audits = await query<{
      differing_fields: string[];
      winner: string;
      resolutions: unknown[];
      crm_version: { emails: string[] };
      platform_version: { intentScore: number };
    }>(
      `select differing_fields, winner, resolutions, crm_version, platform_version from conflict_audit where contact_id = ?`,
      [contactId],
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      differing_fields: ['emails', 'intentScore'],
      winner: 'mixed',
      crm_version: { emails: ['grace@new.example'] },
      platform_version: { intentScore: 72 },
    });
    expect(audits[0]!.resolutions).toEqual(
      expect.arrayContaining([
        { field: 'emails', winner: 'crm', rule: 'only_crm_changed' },
        { field: 'intentScore', winner: 'platform', rule: 'platform_wins' },
      ]),
    );
    const [run] = await query<{ conflicts_count: number }>(
      `select conflicts_count from sync_runs where id = ?`,
      [cycle.runId],
    );
    expect(run!.conflicts_count).toBe(1);
  });

  it('keeps a platform edit of a field the CRM did not change, and queues it for write-back', async () => {
    const [{ contact_id: contactId }] = (await query<{ contact_id: string }>(
      `select contact_id from contact_external_ids where external_id = 'RPT20000010'`,
    )) as [{ contact_id: string }];
    await query(
      `update contacts set phones = '{+447700900999}', field_modified_at = field_modified_at || jsonb_build_object('phones', now()) where id = ?`,
      [contactId],
    );
    const edited = {
      ...original(),
      emails: ['grace@newer.example'],
      provenance: { ...original().provenance, modifiedAt: '2026-11-11T10:00:00.000Z' },
    };
    await importPage('reapit', [edited]);
    const [contact] = await query<{ emails: string[]; phones: string[] }>(
      `select emails, phones from contacts where id = ?`,
      [contactId],
    );
    expect(contact).toEqual({ emails: ['grace@newer.example'], phones: ['+447700900999'] });
    const writes = await query<{
      kind: string;
      status: string;
      payload: { fields: Record<string, unknown> };
    }>(`select kind, status, payload from outbound_writes where contact_id = ?`, [contactId]);
    expect(writes).toEqual([
      {
        kind: 'contact_update',
        status: 'pending',
        payload: expect.objectContaining({ fields: { phones: ['+447700900999'] } }),
      },
    ]);
  });
});

describe('a page that both updates a contact and brings a new record of the same person', () => {
  const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);

  it('writes the merge apart, links both records to the one contact and tells the host', async () => {
    await query(`update organisations set host_webhook_url = 'https://host.example/hooks' where id = ?`, [
      organisationId,
    ]);
    const first = person('reapit', 'RPT20000020', {
      firstName: 'Amara',
      lastName: 'Okafor',
      emails: ['amara@example.com'],
    });
    await importPage('reapit', [first]);
    const second = await importPage('reapit', [
      { ...first, title: 'Dr', provenance: { ...first.provenance, modifiedAt: '2026-11-12T10:00:00.000Z' } },
      person('reapit', 'RPT20000021', {
        firstName: 'Amara',
        lastName: 'Okafor',
        emails: ['amara@example.com'],
      }),
    ]);
    expect(second.result).toMatchObject({ created: 0, updated: 1, merged: 1 });
    const links = await query<{ contact_id: string }>(
      `select contact_id from contact_external_ids where external_id in ('RPT20000020', 'RPT20000021')`,
    );
    expect(links).toHaveLength(2);
    expect(links[0]!.contact_id).toBe(links[1]!.contact_id);
    const [contact] = await query<{ title: string | null }>(`select title from contacts where id = ?`, [
      links[0]!.contact_id,
    ]);
    expect(contact!.title).toBe('Dr');
    const events = await query<{ type: string; payload: Record<string, unknown> }>(
      `select type, payload from host_events where organisation_id = ? and payload ->> 'contactId' = ? order by type`,
      [organisationId, links[0]!.contact_id],
    );
    // The first page was not a first import either (earlier tests synced this connection).
    expect(events).toEqual([
      {
        type: 'contact.created',
        payload: { contactId: links[0]!.contact_id, provider: 'reapit', externalId: 'RPT20000020' },
      },
      {
        type: 'contact.merged',
        payload: { contactId: links[0]!.contact_id, provider: 'reapit', externalId: 'RPT20000021' },
      },
      {
        type: 'contact.updated',
        payload: { contactId: links[0]!.contact_id, provider: 'reapit', externalId: 'RPT20000020' },
      },
    ]);
  });
});
