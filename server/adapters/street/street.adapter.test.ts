import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import type { ActivityPage, CrmAdapter, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { STREET_API_BASE_PATH, STREET_DEMO_API_TOKEN } from '../../../simulators/street/street-constants.ts';
import { createStreetSimulator, type StreetSimulator } from '../../../simulators/street/street-simulator.ts';
import { standardWebhookHeaders } from '../../../simulators/toolkit/standard-webhooks.ts';
import { adapterConnector } from '../../test-support/adapter-connections.ts';
import { receiveWebhooks } from '../../test-support/webhook-receiver.ts';
import { streetOperatorConfig } from '../../../simulators/street/street.harness.ts';

type Json = Record<string, any>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(options: { now?: () => number } = {}): Promise<{
  simulator: StreetSimulator;
  adapter: (webhookSecret?: string | null) => CrmAdapter;
  base: string;
}> {
  const simulator = createStreetSimulator({
    contactCount: 60,
    rateLimits: false,
    webhookRetryScale: 0.00001,
    ...options,
  });
  const running = await simulator.listen(0);
  cleanups.push(() => simulator.close());
  const base = `${running.url}${STREET_API_BASE_PATH}`;
  const connectTo = adapterConnector({ hostConfig: streetOperatorConfig(running.url) });
  const adapter = (webhookSecret: string | null = null) =>
    connectTo({
      provider: 'street',
      credentials: { apiToken: STREET_DEMO_API_TOKEN.apiToken },
      settings: { pageSize: '20' },
      webhookSecret,
    });
  return { simulator, adapter, base };
}

async function personWithNotes(base: string, id: string): Promise<Json> {
  const response = await fetch(`${base}/people/${id}?include=notes`, {
    headers: { authorization: `Bearer ${STREET_DEMO_API_TOKEN.apiToken}` },
  });
  return (await response.json()) as Json;
}

describe('Street adapter: write-back', () => {
  it('writes a hot lead once as a pinned note carrying the flag and its time, visible on the person', async () => {
    const { simulator, adapter, base } = await start();
    const id = simulator.contactIds()[2]!;
    const activity = {
      kind: 'hot_lead' as const,
      idempotencyKey: 'hot-1',
      contactExternalId: id,
      occurredAt: '2025-03-01T10:00:00.000Z',
      summary: 'Intent score crossed 80',
      details: { score: 83 },
    };
    const first = await adapter().pushActivity(activity);
    const again = await adapter().pushActivity(activity);
    expect(again.externalRef).toBe(first.externalRef);
    const document = await personWithNotes(base, id);
    expect(document.data.relationships.notes.data).toEqual([{ type: 'note', id: first.externalRef }]);
    expect(document.included).toHaveLength(1);
    expect(document.included[0].attributes).toMatchObject({
      body: expect.stringContaining('HOT LEAD (Propsync) since 2025-03-01T10:00:00.000Z'),
      pinned_at: expect.any(String),
    });
  });

  it('keeps one engagement-score note per person, rewritten as the score changes, never by an older score', async () => {
    const { simulator, adapter } = await start();
    const id = simulator.contactIds()[4]!;
    const score = (key: string, value: number, occurredAt: string) =>
      adapter().pushActivity({
        kind: 'engagement_score',
        idempotencyKey: key,
        contactExternalId: id,
        occurredAt,
        summary: `Score ${value}`,
        details: { score: value },
      });
    const first = await score('s1', 40, '2025-03-01T10:00:00.000Z');
    await score('s2', 75, '2025-03-02T10:00:00.000Z');
    await score('s0', 30, '2025-02-28T10:00:00.000Z');
    const notes = simulator.notes(id);
    expect(notes).toHaveLength(1);
    expect((notes[0] as Json).id).toBe(first.externalRef);
    expect((notes[0] as Json).attributes.body).toMatch(
      /^Propsync engagement score: 75 \(as of 2025-03-02T10:00:00.000Z\)/,
    );
  });

  it('refuses a notes list that answers every page number with the first page, instead of reading it for ever', async () => {
    const { simulator, adapter, base } = await start();
    const id = simulator.contactIds()[8]!;
    const hotLead = (key: string) => ({
      kind: 'hot_lead' as const,
      idempotencyKey: key,
      contactExternalId: id,
      occurredAt: '2025-03-01T10:00:00.000Z',
      summary: 'Intent score crossed 80',
      details: { score: 83 },
    });
    await adapter().pushActivity(hotLead('hot-1'));
    // Street ignoring page[number] and always linking a next page.
    let noteReads = 0;
    const firstPageOnly: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (!url.pathname.endsWith('/notes') || (init?.method ?? 'GET') !== 'GET') return fetch(input, init);
      if (++noteReads > 10) throw new Error('read the notes more than 10 times');
      url.searchParams.delete('page[number]');
      const response = await fetch(url, init);
      const page = (await response.json()) as Json;
      return Response.json({ ...page, links: { ...page.links, next: `${url.href}&page[number]=2` } });
    };
    const looping = adapterConnector({
      hostConfig: streetOperatorConfig(base.slice(0, -STREET_API_BASE_PATH.length)),
      fetchImplementation: firstPageOnly,
    })({
      provider: 'street',
      credentials: { apiToken: STREET_DEMO_API_TOKEN.apiToken },
      settings: { pageSize: '20' },
      webhookSecret: null,
    });
    await expect(looping.pushActivity(hotLead('hot-2'))).rejects.toMatchObject({
      code: 'ADAPTER.BAD_RESPONSE',
      message: expect.stringContaining("Street's notes list answered page 2"),
    });
    expect(noteReads).toBe(2);
  });

  it('finds its marker beyond the first page of a person’s notes', async () => {
    const { simulator, adapter, base } = await start();
    const id = simulator.contactIds()[6]!;
    const email = {
      kind: 'email_sent' as const,
      idempotencyKey: 'email-deep',
      contactExternalId: id,
      occurredAt: '2025-03-01T10:00:00.000Z',
      summary: 'Nurture email sent',
      details: {},
    };
    await adapter().pushActivity(email);
    for (let i = 0; i < 120; i++) {
      await fetch(`${base}/notes`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${STREET_DEMO_API_TOKEN.apiToken}`,
          'content-type': 'application/vnd.api+json',
        },
        body: JSON.stringify({
          data: {
            type: 'note',
            attributes: { body: `agent note ${i}` },
            relationships: { person: { data: { type: 'person', id } } },
          },
        }),
      });
    }
    await adapter().pushActivity(email);
    expect(
      simulator
        .notes(id)
        .filter((note) => String((note as Json).attributes.body).includes('[propsync:email-deep]')),
    ).toHaveLength(1);
  });

  it('pushes only the fields given, and classifies refusals', async () => {
    const { simulator, adapter } = await start();
    const id = simulator.contactIds()[1]!;
    const before = simulator.getPerson(id)!.attributes as Json;
    await adapter().pushContact({
      externalId: id,
      etag: null,
      fields: { phones: ['+447700900777'], marketingConsent: 'granted' },
    });
    const after = simulator.getPerson(id)!.attributes as Json;
    expect(after).toMatchObject({
      first_name: before.first_name,
      email_addresses: before.email_addresses,
      marketing_consent: true,
      telephone_numbers: [{ value: '+447700900777', primary: true }],
    });
    await expect(
      adapter().pushContact({ externalId: id, etag: null, fields: { phones: ['07700 900777' as string] } }),
    ).rejects.toMatchObject({ code: 'ADAPTER.VALIDATION' });
    await expect(
      adapter().pushContact({
        externalId: '00000000-0000-4000-8000-000000000000',
        etag: null,
        fields: { title: 'Dr' },
      }),
    ).rejects.toMatchObject({ code: 'ADAPTER.NOT_FOUND' });
  });
});

describe('Street adapter: webhooks', () => {
  it('turns delivered activity events into engagement signals for the person behind them', async () => {
    const { simulator, adapter } = await start();
    const receiver = await receiveWebhooks('/hook');
    cleanups.push(() => receiver.close());
    const registration = await adapter().registerWebhooks({ url: receiver.url });
    expect(simulator.webhookSubscriptions()).toHaveLength(1);
    // Progress comes as `<kind>.updated`: every activity's update topic is subscribed.
    expect((simulator.webhookSubscriptions()[0]!.attributes as Json).events).toEqual(
      expect.arrayContaining([
        'viewing.updated',
        'valuation.updated',
        'sales-offer.updated',
        'lettings-offer.updated',
      ]),
    );

    const buyer = simulator
      .people()
      .find((person) => person.roles.includes('buyerApplicant') && person.duplicateOf === null)!;
    const personId = simulator.contactIds()[buyer.index]!;
    const viewingId = simulator.controls.createViewing({ personId, kind: 'sales', status: 'confirmed' });
    simulator.controls.setViewingStatus(viewingId, 'completed');
    await simulator.webhooksIdle();
    expect(receiver.received).toHaveLength(2);

    const client = adapter(registration.secret);
    const ingested = await Promise.all(receiver.received.map((delivery) => client.ingestWebhook(delivery)));
    expect(ingested.map((item) => item.eventType)).toEqual(['viewing.created', 'viewing.updated']);
    expect(new Set(ingested.map((item) => item.deliveryKey)).size).toBe(2);
    const signals = ingested.flatMap((item) => item.activities);
    // One viewing, one id: the update upgrades the booking rather than adding a second signal.
    expect(signals.map((signal) => [signal.type, signal.contactExternalId, signal.externalId])).toEqual([
      ['viewing_booked', personId, `viewing:${viewingId}`],
      ['viewing_completed', personId, `viewing:${viewingId}`],
    ]);

    await adapter().unregisterWebhooks(registration);
    expect(simulator.webhookSubscriptions()).toHaveLength(0);
  });

  it('fetches the person behind an activity when the payload does not side-load it, and reports deletions', async () => {
    const { simulator, adapter } = await start();
    const secret = `whsec_${Buffer.from('street-adapter-test-secret-0123').toString('base64')}`;
    const vendor = simulator
      .people()
      .find((person) => person.roles.includes('vendor') && person.duplicateOf === null)!;
    const personId = simulator.contactIds()[vendor.index]!;
    const valuationId = simulator.controls.createValuation({ personId });
    const valuation = {
      type: 'valuation',
      id: valuationId,
      attributes: { status: 'booked', created_at: new Date().toISOString() },
    };
    const deliver = (type: string, data: unknown) => {
      const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data: { data } });
      return {
        headers: standardWebhookHeaders(secret, `msg_${randomUUID()}`, body, Math.floor(Date.now() / 1000)),
        rawBody: Buffer.from(body),
        receivedAt: new Date(),
      };
    };
    simulator.requestLog.clear();
    const ingested = await adapter(secret).ingestWebhook(deliver('valuation.created', valuation));
    expect(
      ingested.activities.map((signal) => [signal.type, signal.contactExternalId, signal.externalId]),
    ).toEqual([['valuation_booked', personId, `valuation:${valuationId}`]]);
    expect(
      simulator.requestLog
        .entries()
        .map((entry) => `${entry.method} ${entry.path} ${String(entry.query.include)}`),
    ).toEqual([`GET ${STREET_API_BASE_PATH}/valuations/${valuationId} owner`]);

    const deleted = await adapter(secret).ingestWebhook(
      deliver('person.deleted', {
        type: 'person',
        id: personId,
        meta: { deleted_at: new Date().toISOString() },
      }),
    );
    expect(deleted).toMatchObject({ removedContactIds: [personId], contacts: [], contactIdsToFetch: [] });

    // What it cannot use is recorded with its reason (the sync log), as polling records it, never
    // only in the server log: an activity it cannot read, and one Street says concerns no one.
    const garbled = await adapter(secret).ingestWebhook(
      deliver('valuation.updated', { type: 'valuation', id: 'val-9', attributes: 'not an object' }),
    );
    expect(garbled).toMatchObject({
      activities: [],
      rejected: [{ externalId: 'valuation:val-9', reason: expect.stringContaining('could not read') }],
    });
    // One Street deleted since the event: nothing to signal, and no failure Street would retry for ever.
    const gone = await adapter(secret).ingestWebhook(
      deliver('valuation.created', { ...valuation, id: randomUUID() }),
    );
    expect(gone).toMatchObject({ activities: [] });
    expect(gone.rejected ?? []).toEqual([]);
  });

  it('rejects deliveries without a stored secret or with a signature from another secret', async () => {
    const { simulator, adapter } = await start();
    const id = simulator.contactIds()[0]!;
    const secret = `whsec_${Buffer.from('one-secret-for-this-subscription').toString('base64')}`;
    const delivery = simulator.signedPersonWebhook({ personId: id, secret });
    await expect(adapter(null).ingestWebhook({ ...delivery, receivedAt: new Date() })).rejects.toMatchObject({
      code: 'WEBHOOK.BAD_SIGNATURE',
    });
    const other = `whsec_${Buffer.from('another-secret-entirely-00000000').toString('base64')}`;
    await expect(adapter(other).ingestWebhook({ ...delivery, receivedAt: new Date() })).rejects.toMatchObject(
      { code: 'WEBHOOK.BAD_SIGNATURE' },
    );
    const ingested = await adapter(secret).ingestWebhook({ ...delivery, receivedAt: new Date() });
    expect(ingested.contacts.map((contact) => contact.provenance.externalId)).toEqual([id]);
  });
});

describe('Street adapter: sync', () => {
  it('puts a person it cannot map into rejected, with its id, and keeps the rest of the page', async () => {
    const good = (id: string, updatedAt: string) => ({
      type: 'person',
      id,
      attributes: {
        first_name: 'Ann',
        last_name: 'Lee',
        email_addresses: [{ value: 'ann@example.com', primary: true }],
        updated_at: updatedAt,
      },
    });
    const page = {
      data: [
        good('p-1', '2025-01-01T00:00:00.000000Z'),
        { type: 'person', id: 'p-2', attributes: { first_name: 'Bad', updated_at: 'not a date' } },
        good('p-3', '2025-01-02T00:00:00.000000Z'),
      ],
      links: { self: 'x' },
      meta: { pagination: { total: 3, count: 3, per_page: 20, current_page: 1, total_pages: 1 } },
    };
    const client = answeringWith(() => page);
    const pages = [];
    for await (const item of client.syncContacts({
      modifiedFrom: null,
      modifiedTo: '2025-02-01T00:00:00Z',
      resumeAfter: null,
    }))
      pages.push(item);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.contacts.map((contact) => contact.provenance.externalId)).toEqual(['p-1', 'p-3']);
    expect(pages[0]!.rejected).toEqual([
      { externalId: 'p-2', reason: expect.stringContaining('updated_at') },
    ]);
    expect(pages[0]!.checkpoint).toEqual({
      modifiedAt: '2025-01-02T00:00:00.000Z',
      idsAtModifiedAt: ['p-3'],
    });
  });
});

async function pollActivities(client: CrmAdapter, window: SyncWindow) {
  const pages: ActivityPage[] = [];
  for await (const page of client.syncActivities(window)) pages.push(page);
  return { pages, activities: pages.flatMap((page) => page.activities) };
}

describe('Street adapter: activities', () => {
  const buyerIds = (simulator: StreetSimulator) =>
    simulator
      .people()
      .filter((person) => person.roles.includes('buyerApplicant') && person.duplicateOf === null)
      .map((person) => simulator.contactIds()[person.index]!);

  it('maps an activity from a webhook and from a poll to the same id and type, so it is stored once', async () => {
    const { simulator, adapter } = await start();
    const receiver = await receiveWebhooks('/hook');
    cleanups.push(() => receiver.close());
    const registration = await adapter().registerWebhooks({ url: receiver.url });
    const since = new Date(Date.now() - 1).toISOString();
    const [personId] = buyerIds(simulator);
    const viewingId = simulator.controls.createViewing({
      personId: personId!,
      kind: 'sales',
      status: 'confirmed',
    });
    const offerId = simulator.controls.createOffer({ personId: personId!, kind: 'sales' });
    simulator.controls.setViewingStatus(viewingId, 'completed');
    simulator.controls.setOfferStatus(offerId, 'accepted');
    await simulator.webhooksIdle();
    const client = adapter(registration.secret);
    const delivered = new Map<string, CanonicalActivity>();
    for (const delivery of receiver.received)
      for (const activity of (await client.ingestWebhook(delivery)).activities)
        delivered.set(activity.externalId, activity);
    const { activities: polled } = await pollActivities(client, {
      modifiedFrom: since,
      modifiedTo: new Date(Date.now() + 60_000).toISOString(),
      resumeAfter: null,
    });
    const shape = (activity: CanonicalActivity) => [
      activity.externalId,
      activity.type,
      activity.occurredAt,
      activity.contactExternalId,
    ];
    expect(polled.map(shape)).toEqual([...delivered.values()].map(shape));
    expect(polled.map((activity) => [activity.externalId, activity.type])).toEqual([
      [`viewing:${viewingId}`, 'viewing_completed'],
      [`sales_offer:${offerId}`, 'offer_progressed'],
    ]);
  });

  it('reads a crowd sharing one instant as its own group, and resumes in the list its checkpoint names', async () => {
    const instant = Date.parse('2025-03-03T09:00:00Z');
    let now = instant;
    const { simulator, adapter } = await start({ now: () => now });
    const buyers = buyerIds(simulator);
    const viewings = Array.from({ length: 30 }, (_, index) =>
      simulator.controls.createViewing({ personId: buyers[index % buyers.length]!, kind: 'sales' }),
    );
    now += 1_000;
    const vendor = simulator.people().find((person) => person.roles.includes('vendor'))!;
    const valuation = simulator.controls.createValuation({ personId: simulator.contactIds()[vendor.index]! });
    now += 1_000;
    const offer = simulator.controls.createOffer({ personId: buyers[0]!, kind: 'sales' });
    const window = {
      modifiedFrom: new Date(instant).toISOString(),
      modifiedTo: new Date(now).toISOString(),
      resumeAfter: null,
    };
    simulator.requestLog.clear();
    const all = await pollActivities(adapter(), window);
    const polledIds = all.activities.map((activity) => activity.externalId);
    expect(polledIds).toHaveLength(32);
    expect(new Set(polledIds)).toEqual(
      new Set([...viewings.map((id) => `viewing:${id}`), `valuation:${valuation}`, `sales_offer:${offer}`]),
    );
    const isolated = simulator.requestLog
      .entries()
      .filter((entry) => entry.query['filter[updated_from]'] === entry.query['filter[updated_to]']);
    expect(isolated.map((entry) => entry.path)).toContain(`${STREET_API_BASE_PATH}/viewings`);

    const inValuations = all.pages.find((page) =>
      page.activities.some((activity) => activity.externalId.startsWith('valuation:')),
    )!;
    expect(inValuations.checkpoint?.idsAtModifiedAt).toEqual([`valuation:${valuation}`]);
    simulator.requestLog.clear();
    const resumed = await pollActivities(adapter(), { ...window, resumeAfter: inValuations.checkpoint });
    expect(resumed.activities.map((activity) => activity.externalId)).toEqual([`sales_offer:${offer}`]);
    expect(simulator.requestLog.entries().map((entry) => entry.path)).not.toContain(
      `${STREET_API_BASE_PATH}/viewings`,
    );
    // A checkpoint naming no list of ours is read again from the first list: nothing is skipped.
    const foreign = { modifiedAt: window.modifiedFrom, idsAtModifiedAt: ['R1'] };
    expect((await pollActivities(adapter(), { ...window, resumeAfter: foreign })).activities).toHaveLength(
      32,
    );
  });

  it('puts an activity naming no person into rejected, and gives nothing for a cancelled one naming nobody', async () => {
    const listed = (data: unknown[]) => ({
      data,
      links: { self: 'x' },
      meta: {
        pagination: { total: data.length, count: data.length, per_page: 20, current_page: 1, total_pages: 1 },
      },
    });
    const viewing = (id: string, status: string) => ({
      type: 'viewing',
      id,
      attributes: {
        status,
        created_at: '2025-01-01T00:00:00.000000Z',
        updated_at: '2025-01-02T00:00:00.000000Z',
      },
      relationships: { applicant: { data: { type: 'applicant', id: 'a-1' } } },
    });
    const client = answeringWith((url) =>
      url.includes('/viewings')
        ? listed([viewing('v-1', 'confirmed'), viewing('v-2', 'cancelled')])
        : listed([]),
    );
    const { pages, activities } = await pollActivities(client, {
      modifiedFrom: null,
      modifiedTo: '2025-02-01T00:00:00Z',
      resumeAfter: null,
    });
    expect(activities).toEqual([]);
    expect(pages.flatMap((page) => page.rejected)).toEqual([
      { externalId: 'viewing:v-1', reason: expect.stringContaining('names no person') },
    ]);
  });
});

/** A Street adapter whose every request is answered with `document(url)` as JSON:API, no simulator behind it. */
function answeringWith(document: (url: string) => unknown) {
  const fakeFetch: typeof fetch = async (input) =>
    new Response(JSON.stringify(document(String(input))), {
      status: 200,
      headers: { 'content-type': 'application/vnd.api+json' },
    });
  return adapterConnector({ fetchImplementation: fakeFetch })({
    provider: 'street',
    credentials: { apiToken: 'token' },
    settings: {},
  });
}
