import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { ContactPage, CrmAdapter, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { adapterConnector } from '../../test-support/adapter-connections.ts';
import {
  createIndependentReapit,
  reapitTime,
  type IndependentReapit,
  type IndependentRecord,
} from '../../test-support/independent-reapit.ts';

/**
 * The real Reapit adapter against an independent fixture of Reapit Foundations
 * (server/test-support/independent-reapit.ts), written from Reapit's public record without reading
 * the adapter or our simulator, so a misunderstanding the two share shows up here.
 */
const CLIENT = { clientId: 'indep-client', clientSecret: 'indep-secret', customerId: 'ABC' };
const DAY = 86_400_000;
/** 45 contacts share one instant, 5 more fall later in the same millisecond. */
const CROWD_MS = Date.now() - 3 * DAY;

let reapit: IndependentReapit;
let connect: (pageSize: number, clientSecret?: string) => CrmAdapter;

beforeAll(async () => {
  reapit = createIndependentReapit(CLIENT);
  seed(reapit);
  const { connectUrl, platformUrl } = await reapit.start();
  const connector = adapterConnector({
    hostConfig: { PROPSYNC_REAPIT_API_URL: platformUrl, PROPSYNC_REAPIT_CONNECT_URL: connectUrl },
  });
  connect = (pageSize, clientSecret = CLIENT.clientSecret) =>
    connector({
      provider: 'reapit',
      credentials: { clientId: CLIENT.clientId, clientSecret },
      settings: { customerId: CLIENT.customerId, pageSize: String(pageSize) },
    });
});
afterAll(() => reapit?.close());

const id = (n: number) => `RPT${String(n).padStart(8, '0')}`;

/** 250 contacts, applicants to buy or rent, vendors, landlords, a former tenant, archived ones. */
function seed(fixture: IndependentReapit) {
  for (let n = 1; n <= 250; n++) {
    let modified: string;
    if (n <= 45) modified = reapitTime(CROWD_MS, 4567);
    else if (n <= 50) modified = reapitTime(CROWD_MS, 4999);
    // Whole seconds, as the types' examples write them.
    else if (n <= 100) modified = new Date(CROWD_MS - (101 - n) * 60_000).toISOString().slice(0, 19) + 'Z';
    else modified = reapitTime(CROWD_MS + (n - 100) * 1_000, n);
    const relationships: Record<string, unknown>[] = [];
    const role = (associatedType: string, associatedId: string, fromArchive = false) =>
      relationships.push({
        id: `REL${n}${associatedType}`,
        created: modified,
        modified,
        contactId: id(n),
        associatedType,
        associatedId,
        fromArchive,
      });
    if (n % 10 === 1) role('applicant', `APP${n}`);
    if (n % 10 === 2) role('applicant', `APP${n}`);
    if (n % 10 === 3) role('vendor', `VEN${n}`);
    if (n % 10 === 4) role('landlord', `LLD${n}`);
    if (n % 10 === 5) role('tenancy', `TEN${n}`, true);
    if (n % 10 === 1 || n % 10 === 2)
      fixture.put('applicants', {
        id: `APP${n}`,
        created: modified,
        modified,
        marketingMode: n % 10 === 1 ? 'buying' : 'renting',
        active: true,
      });
    fixture.put('contacts', {
      id: id(n),
      created: modified,
      modified,
      title: 'Ms',
      forename: `Forename${n}`,
      surname: `Surname${n}`,
      dateOfBirth: '1980-01-01',
      active: n % 50 !== 7,
      marketingConsent: n % 3 === 0 ? 'grant' : 'notAsked',
      identityCheck: 'unchecked',
      source: { id: 'SRC', type: 'source' },
      homePhone: '01632 960000',
      mobilePhone: `07700 9${String(n).padStart(5, '0')}`,
      email: `contact${n}@example.com`,
      archivedOn: n === 99 ? '2026-01-01T00:00:00Z' : null,
      fromArchive: false,
      primaryAddress: {
        type: 'primary',
        buildingNumber: `${n}`,
        line1: 'High Street',
        line3: 'Oxford',
        postcode: 'OX1 1AA',
        countryId: 'GB',
      },
      officeIds: ['OXF'],
      negotiatorIds: ['JAS'],
      categoryIds: [],
      communicationPreferenceEmail: true,
      additionalContactDetails: [],
      metadata: { otherApp: { colour: 'blue' } },
      extrasField: {},
      relationships,
    });
  }
}

async function readAll(adapter: CrmAdapter, window: SyncWindow, stopAfter = Infinity) {
  const pages: ContactPage[] = [];
  for await (const page of adapter.syncContacts(window)) {
    pages.push(page);
    if (pages.length >= stopAfter) break;
  }
  return { pages, contacts: pages.flatMap((page) => page.contacts) };
}
const fullWindow = (): SyncWindow => ({
  modifiedFrom: null,
  modifiedTo: new Date(Date.now() + 60_000).toISOString(),
  resumeAfter: null,
});
const externalIds = (contacts: CanonicalContact[]) => contacts.map((c) => c.provenance.externalId);

describe('Reapit adapter against an independent Foundations fixture', () => {
  it('imports 250 contacts across pages, a crowded instant included, each once, with roles from _embedded', async () => {
    const { pages, contacts } = await readAll(connect(20), fullWindow());
    expect(pages.flatMap((page) => page.rejected)).toEqual([]);
    const ids = externalIds(contacts);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 250 }, (_, i) => id(i + 1))));
    const byId = new Map(contacts.map((c) => [c.provenance.externalId, c]));
    expect(byId.get(id(11))?.profile).toMatchObject({ applicantType: 'buyer', propertyInterest: 'buying' });
    expect(byId.get(id(12))?.profile).toMatchObject({ applicantType: 'tenant', propertyInterest: 'renting' });
    expect(byId.get(id(13))?.profile.isVendor).toBe(true);
    expect(byId.get(id(14))?.profile.isLandlord).toBe(true);
    expect(byId.get(id(15))?.profile.tenancyStatus).toBe('former');
    expect(byId.get(id(7))?.active).toBe(false);
    expect(byId.get(id(99))?.active).toBe(false);
    // The eTag is kept as Reapit sends it, quotes included, so it can go back in If-Match.
    expect(byId.get(id(1))?.provenance.etag).toBe(reapit.contacts.get(id(1))?._eTag);
    expect(byId.get(id(1))?.provenance.etag).toMatch(/^"[0-9A-F]{32}"$/);
    const listed = reapit.requests.filter((r) => r.path.startsWith('/contacts'));
    expect(listed.every((r) => r.query.getAll('embed').includes('relationships'))).toBe(true);
    expect(listed.every((r) => r.query.get('sortBy') === 'modified')).toBe(true);
  });

  it('connects with the right client, and a wrong secret is a credentials problem, not a bad request', async () => {
    await expect(connect(100).verifyConnection()).resolves.toEqual({ accountLabel: null, contactCount: 250 });
    // The token endpoint answers a wrong secret 400 invalid_client (RFC 6749 5.2; 401 is the other reading).
    await expect(connect(100, 'wrong-secret').verifyConnection()).rejects.toMatchObject({
      code: 'ADAPTER.AUTH_INVALID',
    });
  });

  it('resumes an interrupted import from a checkpoint inside the crowded instant without a gap or a repeat', async () => {
    const first = await readAll(connect(20), fullWindow(), 2);
    const checkpoint = first.pages.at(-1)!.checkpoint!;
    expect(checkpoint.idsAtModifiedAt.length).toBeGreaterThan(0);
    const rest = await readAll(connect(20), { ...fullWindow(), resumeAfter: checkpoint });
    const ids = [...externalIds(first.contacts), ...externalIds(rest.contacts)];
    expect(ids.length).toBe(250);
    expect(new Set(ids).size).toBe(250);
  });

  it('brings exactly the contacts edited since the last sync in a delta', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    reapit.edit(id(3), { surname: 'Edited' });
    reapit.edit(id(120), { email: 'new120@example.com' });
    reapit.edit(id(240), { marketingConsent: 'deny' });
    const { contacts } = await readAll(connect(100), {
      modifiedFrom: since,
      modifiedTo: new Date(Date.now() + 60_000).toISOString(),
      resumeAfter: null,
    });
    expect(externalIds(contacts).sort()).toEqual([id(120), id(240), id(3)].sort());
    expect(contacts.find((c) => c.provenance.externalId === id(240))?.marketingConsent).toBe('denied');
  });

  it('reads a quiet delta (an empty page without _embedded) as no change, not as a bad answer', async () => {
    const adapter = connect(100);
    const quiet = {
      modifiedFrom: new Date(Date.now() + DAY).toISOString(),
      modifiedTo: new Date(Date.now() + 2 * DAY).toISOString(),
      resumeAfter: null,
    };
    const { pages, contacts } = await readAll(adapter, quiet);
    expect(contacts).toEqual([]);
    expect(pages.flatMap((page) => page.rejected)).toEqual([]);
    const activities = [];
    for await (const page of adapter.syncActivities(quiet)) activities.push(...page.activities);
    expect(activities).toEqual([]);
  });

  it('pushes a change with the eTag in If-Match, and a stale eTag is a 412 for the caller', async () => {
    const adapter = connect(100);
    const etag = String(reapit.contacts.get(id(30))!._eTag);
    await adapter.pushContact({ externalId: id(30), etag, fields: { firstName: 'Pushed' } });
    expect(reapit.contacts.get(id(30))?.forename).toBe('Pushed');
    const patch = reapit.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch.headers['if-match']).toBe(etag);

    const stale = String(reapit.contacts.get(id(31))!._eTag);
    reapit.edit(id(31), { surname: 'ChangedByAgent' });
    await expect(
      adapter.pushContact({ externalId: id(31), etag: stale, fields: { firstName: 'Lost' } }),
    ).rejects.toMatchObject({ code: 'ADAPTER.PRECONDITION_FAILED' });
    expect(reapit.contacts.get(id(31))?.forename).toBe('Forename31');
  });

  it('writes an email as one EM journal entry, and a retry of the same write finds it instead of doubling it', async () => {
    const adapter = connect(100);
    const email = {
      kind: 'email_sent' as const,
      idempotencyKey: 'email-key-1',
      contactExternalId: id(40),
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      summary: 'Email sent: New listings near you',
      details: {},
    };
    // Older entries of the contact, so the marker is not on the first page.
    for (let n = 0; n < 120; n++)
      reapit.journal.push({
        created: reapitTime(Date.now() - 30_000 + n),
        typeId: 'EM',
        associatedType: 'contact',
        associatedId: id(40),
        description: `Other email ${n}`,
      });
    await adapter.pushActivity(email);
    await adapter.pushActivity(email);
    const ours = reapit.journal.filter((j) => j.description.includes('[propsync:email-key-1]'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ typeId: 'EM', associatedType: 'contact', associatedId: id(40) });
  });

  it('writes the score and the hot-lead flag into metadata without erasing each other or another app', async () => {
    const adapter = connect(100);
    const base = { contactExternalId: id(41), summary: '', occurredAt: '2026-12-01T10:00:00.000Z' };
    await adapter.pushActivity({
      ...base,
      kind: 'engagement_score',
      idempotencyKey: 's1',
      details: { score: 72 },
    });
    await adapter.pushActivity({
      ...base,
      kind: 'hot_lead',
      idempotencyKey: 'h1',
      details: { hotLead: true },
    });
    expect(reapit.contacts.get(id(41))?.metadata).toEqual({
      otherApp: { colour: 'blue' },
      propsyncEngagementScore: 72,
      propsyncScoredAt: base.occurredAt,
      propsyncHotLead: true,
      propsyncHotLeadAt: base.occurredAt,
    });
  });

  it('re-reads and re-applies a metadata write that met an agent edit (412), keeping the edit', async () => {
    reapit.interfereWithNextPatch((contactId) => reapit.edit(contactId, { surname: 'EditedMeanwhile' }));
    const before = reapit.requests.filter((r) => r.method === 'PATCH').length;
    await connect(100).pushActivity({
      kind: 'engagement_score',
      idempotencyKey: 's2',
      contactExternalId: id(42),
      occurredAt: '2026-12-01T10:00:00.000Z',
      summary: '',
      details: { score: 55 },
    });
    expect(reapit.requests.filter((r) => r.method === 'PATCH').length - before).toBe(2);
    expect(reapit.contacts.get(id(42))).toMatchObject({
      surname: 'EditedMeanwhile',
      metadata: { otherApp: { colour: 'blue' }, propsyncEngagementScore: 55 },
    });
  });

  it('registers its webhook subscription and takes the id from an absolute Location', async () => {
    const registration = await connect(100).registerWebhooks({
      url: 'https://propsync.example/hooks/reapit',
    });
    expect(registration.ids).toHaveLength(1);
    expect(registration.ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    const posted = reapit.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/resthooks'));
    expect(posted).toHaveLength(1);
  });

  it('polls viewings, valuations and offers, a cancelled viewing and a withdrawn offer as withdrawals', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    const appointment = (n: string, extra: Record<string, unknown>): IndependentRecord => {
      const at = reapit.tick();
      return {
        id: n,
        created: at,
        modified: at,
        start: reapitTime(Date.now() + DAY),
        end: reapitTime(Date.now() + DAY + 1_800_000),
        typeId: 'VW',
        cancelled: false,
        attended: 'notSet',
        attendee: {
          id: 'APP11',
          type: 'applicant',
          contacts: [{ id: id(11), name: 'Ms Forename11 Surname11' }],
        },
        propertyId: 'OXF000001',
        negotiatorConfirmed: true,
        attendeeConfirmed: true,
        propertyConfirmed: true,
        ...extra,
      };
    };
    reapit.put('appointments', appointment('APT1', {}));
    reapit.put('appointments', appointment('APT2', { typeId: 'VL' }));
    reapit.put('appointments', appointment('APT3', { cancelled: true }));
    reapit.put('appointments', appointment('APT4', { attendeeConfirmed: false }));
    reapit.put('appointments', appointment('APT5', { typeId: 'IA' }));
    const offer = (n: string, status: string): IndependentRecord => {
      const at = reapit.tick();
      return {
        id: n,
        created: at,
        modified: at,
        currency: 'GBP',
        applicantId: 'APP11',
        propertyId: 'OXF000001',
        date: '2026-12-01',
        amount: 350000,
        status,
        related: [{ id: id(11), name: 'Ms Forename11 Surname11', type: 'contact' }],
      };
    };
    // Six viewings changed in one instant (a bulk edit): read on their own, page by page.
    const crowd = reapit.tick();
    for (let n = 1; n <= 6; n++)
      reapit.put('appointments', { ...appointment(`APC${n}`, {}), created: crowd, modified: crowd });
    reapit.put('offers', offer('OFF1', 'pending'));
    reapit.put('offers', offer('OFF2', 'accepted'));
    reapit.put('offers', offer('OFF3', 'withdrawn'));
    reapit.put('offers', offer('OFF4', 'noteOfInterest'));
    // A status the Offers filter lists (platform-schema.ts, `Offers.status`) beside OfferModel's five.
    reapit.put('offers', offer('OFF5', 'noteOfInterestWithdrawn'));
    const activities = [];
    for await (const page of connect(2).syncActivities({
      modifiedFrom: since,
      modifiedTo: new Date(Date.now() + 60_000).toISOString(),
      resumeAfter: null,
    })) {
      expect(page.rejected).toEqual([]);
      activities.push(...page.activities);
    }
    // The crowded instant was read on its own, to the end of its millisecond.
    expect(
      reapit.requests.some(
        (r) => r.path === '/appointments' && /9999Z$/.test(r.query.get('modifiedTo') ?? ''),
      ),
    ).toBe(true);
    const seen = activities.map((a) => [a.externalId, a.type, a.withdrawn === true, a.contactExternalId]);
    expect(seen.sort()).toEqual(
      [
        ['appointment:APT1', 'viewing_booked', false, id(11)],
        ['appointment:APT2', 'valuation_booked', false, id(11)],
        ['appointment:APT3', 'viewing_booked', true, id(11)],
        ['appointment:APT4', 'viewing_booked', false, id(11)],
        ...[1, 2, 3, 4, 5, 6].map((n) => [`appointment:APC${n}`, 'viewing_booked', false, id(11)]),
        ['offer:OFF1', 'offer_submitted', false, id(11)],
        ['offer:OFF2', 'offer_progressed', false, id(11)],
        ['offer:OFF3', 'offer_submitted', true, id(11)],
        ['offer:OFF4', 'offer_submitted', false, id(11)],
        ['offer:OFF5', 'offer_submitted', true, id(11)],
      ].sort(),
    );
  });

  it("accepts a signed delivery, and refuses a forged one and another customer's", async () => {
    const adapter = connect(100);
    const viewing: IndependentRecord = {
      id: 'APT9',
      created: reapit.tick(),
      modified: reapit.tick(),
      typeId: 'VW',
      cancelled: false,
      attended: 'attended',
      end: reapitTime(Date.now() - DAY),
      attendee: { id: 'APP11', type: 'applicant', contacts: [{ id: id(11) }] },
    };
    const deliver = (body: string, headers: Record<string, string>) =>
      adapter.ingestWebhook({ headers, rawBody: Buffer.from(body), receivedAt: new Date() });

    const body = reapit.envelope('appointments.modified', viewing);
    const ingested = await deliver(body, reapit.signDelivery(body));
    expect(ingested.activities.map((a) => [a.externalId, a.type])).toEqual([
      ['appointment:APT9', 'viewing_completed'],
    ]);

    // The signature's encoding is not published: base64 (padded) and hex verify as well.
    for (const encoding of ['base64', 'hex'] as const) {
      const again = reapit.envelope('appointments.modified', viewing);
      await expect(
        deliver(again, reapit.signDelivery(again, undefined, undefined, encoding)),
      ).resolves.toMatchObject({
        eventType: 'appointments.modified',
      });
    }

    const forger = generateKeyPairSync('ed25519').privateKey;
    await expect(deliver(body, reapit.signDelivery(body, undefined, forger))).rejects.toMatchObject({
      reason: 'bad_signature',
    });
    // The developer portal's Ping (customer `webhook-test`), signed: accepted, and it changes nothing.
    const ping = reapit.envelope(
      'appointments.modified',
      { ...viewing, id: '9e7e4181-6210-49ea-abf5-d5ce16d23647' },
      'webhook-test',
    );
    await expect(deliver(ping, reapit.signDelivery(ping))).resolves.toMatchObject({
      activities: [],
      contacts: [],
      contactIdsToFetch: [],
      removedContactIds: [],
    });
    await expect(deliver(ping, reapit.signDelivery(ping, undefined, forger))).rejects.toMatchObject({
      reason: 'bad_signature',
    });
    const foreign = reapit.envelope('appointments.modified', viewing, 'XYZ');
    await expect(deliver(foreign, reapit.signDelivery(foreign))).rejects.toMatchObject({
      reason: 'foreign_tenant',
    });
  });
});

describe('Reapit adapter against the fixture taking the other readings: bare _eTag, pages without links', () => {
  it('reads every page by the counts, sends If-Match quoted as Reapit requires, and still notices a stale one', async () => {
    const fixture = createIndependentReapit({ ...CLIENT, bareBodyEtag: true, omitPageLinks: true });
    const at = reapitTime(Date.now() - DAY);
    fixture.put('contacts', { id: id(1), created: at, modified: at, forename: 'Ada', surname: 'Byron' });
    for (let n = 2; n <= 5; n++) {
      const later = reapitTime(Date.now() - DAY + n * 1_000);
      fixture.put('contacts', {
        id: id(n),
        created: later,
        modified: later,
        forename: `F${n}`,
        surname: `S${n}`,
      });
    }
    const { connectUrl, platformUrl } = await fixture.start();
    try {
      const adapter = adapterConnector({
        hostConfig: { PROPSYNC_REAPIT_API_URL: platformUrl, PROPSYNC_REAPIT_CONNECT_URL: connectUrl },
      })({
        provider: 'reapit',
        credentials: { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret },
        settings: { customerId: CLIENT.customerId, pageSize: '2' },
      });
      const { contacts } = await readAll(adapter, fullWindow());
      expect(externalIds(contacts).sort()).toEqual([1, 2, 3, 4, 5].map(id));
      const etag = contacts.find((c) => c.provenance.externalId === id(1))!.provenance.etag;
      expect(etag).toMatch(/^[0-9A-F]{32}$/);
      await adapter.pushContact({ externalId: id(1), etag, fields: { firstName: 'Augusta' } });
      expect(fixture.contacts.get(id(1))?.forename).toBe('Augusta');
      await adapter.pushActivity({
        kind: 'hot_lead',
        idempotencyKey: 'h-bare',
        contactExternalId: id(1),
        occurredAt: '2026-12-01T10:00:00.000Z',
        summary: '',
        details: { hotLead: true },
      });
      expect(fixture.contacts.get(id(1))?.metadata).toMatchObject({ propsyncHotLead: true });
      await expect(
        adapter.pushContact({ externalId: id(1), etag, fields: { firstName: 'Stale' } }),
      ).rejects.toMatchObject({ code: 'ADAPTER.PRECONDITION_FAILED' });
    } finally {
      await fixture.close();
    }
  });
});
