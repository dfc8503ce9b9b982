import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import type { ActivityPage, CrmAdapter, OutboundActivity, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { LOOP_DEMO_API_KEY } from '../../../simulators/loop/loop-constants.ts';
import { createLoopSimulator, type LoopSimulator } from '../../../simulators/loop/loop-simulator.ts';
import { signWebhook } from '../../../simulators/loop/loop-webhooks.ts';
import { startWebhookReceiver } from '../../../simulators/toolkit/simulator-testing.ts';
import { toE164 } from '../../../simulators/toolkit/uk-contact-format.ts';
import { adapterConnector } from '../../test-support/adapter-connections.ts';
import { loopOperatorConfig } from '../../../simulators/loop/loop.harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function connect(options: { contactCount?: number; pageSize?: number; now?: () => number } = {}) {
  const simulator = createLoopSimulator({
    contactCount: options.contactCount ?? 80,
    rateLimits: false,
    webhookRetryScale: 0.0001,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const { url } = await simulator.listen(0);
  cleanups.push(() => simulator.close());
  const connectTo = adapterConnector({ hostConfig: loopOperatorConfig(url) });
  const adapter = (webhookSecret: string | null = null): CrmAdapter =>
    connectTo({
      provider: 'loop',
      credentials: { apiKey: LOOP_DEMO_API_KEY },
      settings: { pageSize: String(options.pageSize ?? 25) },
      webhookSecret,
    });
  return { simulator, adapter };
}

/** Every page of a read, none rejecting a record; `between` runs after each page, with its number. */
async function allPages<Page extends { rejected: unknown[] }>(
  pages: AsyncIterable<Page>,
  between?: (page: number) => void,
): Promise<Page[]> {
  const read: Page[] = [];
  for await (const page of pages) {
    expect(page.rejected).toEqual([]);
    read.push(page);
    between?.(read.length);
  }
  return read;
}

async function syncIds(adapter: CrmAdapter, window: SyncWindow, between?: (page: number) => void) {
  const pages = await allPages(adapter.syncContacts(window), between);
  return pages.flatMap((page) => page.contacts.map((contact) => contact.provenance.externalId));
}

function deltaSince(simulator: LoopSimulator, fromMs: number): SyncWindow {
  return {
    modifiedFrom: new Date(fromMs).toISOString(),
    modifiedTo: new Date(simulator.clock.now() + 60_000).toISOString(),
    resumeAfter: null,
  };
}

describe('Loop adapter: keyset paging', () => {
  it('reads more than a page of contacts sharing one updatedAt exactly once each', async () => {
    const { simulator, adapter } = await connect({ contactCount: 120, pageSize: 10 });
    const since = simulator.clock.now() + 1;
    simulator.controls.advanceClock(5_000);
    // One bulk edit: 47 contacts with the very same updatedAt.
    const changed = simulator.controls.modifyContacts({ count: 47 });
    const ids = await syncIds(adapter(), deltaSince(simulator, since));
    expect(ids).toHaveLength(47);
    expect(new Set(ids)).toEqual(new Set(changed));
  });

  it.each([1, 2, 3, 4, 5])(
    'misses nobody when a crowded timestamp loses contacts while page %i is being read',
    async (editAfterPage) => {
      const { simulator, adapter } = await connect({ contactCount: 120, pageSize: 10 });
      const since = simulator.clock.now() + 1;
      simulator.controls.advanceClock(5_000);
      const changed = simulator.controls.modifyContacts({ count: 40 });
      const ids = await syncIds(adapter(), deltaSince(simulator, since), (page) => {
        if (page !== editAfterPage) return;
        // Agents edit some of the group (read already or not) mid-sync: they leave the group.
        simulator.controls.advanceClock(1_000);
        simulator.controls.modifyContacts({ ids: [changed[3]!, changed[12]!, changed[25]!, changed[33]!] });
      });
      expect(new Set(ids)).toEqual(new Set(changed));
      // Edited records may be seen twice (before and after their edit), nobody else.
      expect(ids.length).toBeLessThanOrEqual(changed.length + 4);
    },
  );

  it('sends the delta filter on every request of a delta sync, and includes archived contacts as inactive', async () => {
    const { simulator, adapter } = await connect({ contactCount: 60 });
    const [archived] = simulator.contactIds();
    const since = simulator.clock.now() + 1;
    simulator.controls.advanceClock(5_000);
    simulator.controls.archiveContact(archived!);
    simulator.requestLog.clear();
    const contacts = [];
    for await (const page of adapter().syncContacts(deltaSince(simulator, since)))
      contacts.push(...page.contacts);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ active: false, provenance: { externalId: archived } });
    const lists = simulator.requestLog.entries().filter((entry) => entry.path === '/v1/contacts');
    expect(lists.length).toBeGreaterThan(0);
    for (const entry of lists)
      expect(entry.query).toMatchObject({ updatedSince: expect.any(String), includeArchived: 'true' });
  });
});

const activityPages = (adapter: CrmAdapter, window: SyncWindow, between?: (page: number) => void) =>
  allPages(adapter.syncActivities(window), between);

const idsOf = (pages: ActivityPage[]) => pages.flatMap((page) => page.activities.map((a) => a.externalId));

describe('Loop adapter: activities by polling', () => {
  it.each([1, 2, 3])(
    'reads appointments then offers changed in the window, each at the stage it reached, when a crowded instant shrinks after page %i',
    async (editAfterPage) => {
      let now = Date.parse('2026-11-20T10:00:00.000Z');
      const { simulator, adapter } = await connect({ pageSize: 10, now: () => now });
      const since = now + 1;
      now += 5_000;
      const contactIds = simulator.contactIds();
      // A bulk entry: 23 viewings and 4 offers with the very same updatedAt.
      const viewings = contactIds
        .slice(0, 23)
        .map((contactId) => simulator.controls.createAppointment({ contactId, type: 'viewing' }));
      const offers = contactIds
        .slice(0, 4)
        .map((contactId) => simulator.controls.createOffer({ contactId, type: 'sale' }));
      const cancelled = simulator.controls.createAppointment({ contactId: contactIds[30]!, type: 'viewing' });
      simulator.controls.updateAppointment(cancelled, 'cancelled');
      const completed = [viewings[2]!, viewings[15]!, viewings[21]!];
      const pages = await activityPages(adapter(), deltaSince(simulator, since), (page) => {
        if (page !== editAfterPage) return;
        // Agents complete some of the group mid-sync: they leave it for a later instant.
        now += 1_000;
        for (const id of completed) simulator.controls.updateAppointment(id, 'completed');
      });
      const activities = pages.flatMap((page) => page.activities);
      const expected = [
        ...viewings.map((id) => `appointment:${id}`),
        `appointment:${cancelled}`,
        ...offers.map((id) => `offer:${id}`),
      ];
      expect(new Set(activities.map((activity) => activity.externalId))).toEqual(new Set(expected));
      // The cancelled viewing comes as its withdrawal, and only it does.
      expect(
        activities.filter((activity) => activity.withdrawn).map((activity) => activity.externalId),
      ).toEqual([`appointment:${cancelled}`]);
      // Completed ones may come twice (booked, then completed), the last time at their new stage.
      expect(activities.length).toBeLessThanOrEqual(expected.length + completed.length);
      for (const id of completed)
        expect(
          activities.filter((activity) => activity.externalId === `appointment:${id}`).at(-1)?.type,
        ).toBe('viewing_completed');
      // Appointments first, then offers.
      const firstOffer = activities.findIndex((activity) => activity.externalId.startsWith('offer:'));
      expect(activities.slice(firstOffer).every((activity) => activity.externalId.startsWith('offer:'))).toBe(
        true,
      );
    },
  );

  it('resumes from any page checkpoint without repeating or skipping, across the switch to offers', async () => {
    const { simulator, adapter } = await connect({ pageSize: 10 });
    const window: SyncWindow = {
      modifiedFrom: null,
      modifiedTo: new Date(simulator.clock.now() + 60_000).toISOString(),
      resumeAfter: null,
    };
    const pages = await activityPages(adapter(), window);
    const lists = pages.map((page) => page.checkpoint?.idsAtModifiedAt[0]);
    expect(lists).toContain('list:appointment');
    expect(lists).toContain('list:offer');
    for (const [index, page] of pages.entries()) {
      const resumed = await activityPages(adapter(), { ...window, resumeAfter: page.checkpoint });
      expect(idsOf(resumed)).toEqual(idsOf(pages.slice(index + 1)));
    }
    // A checkpoint naming no list (not one of ours) restarts the window rather than skip anything.
    const foreign = { modifiedAt: new Date(simulator.clock.now()).toISOString(), idsAtModifiedAt: [] };
    expect(idsOf(await activityPages(adapter(), { ...window, resumeAfter: foreign }))).toEqual(idsOf(pages));
  });

  it('maps an activity delivered by webhook to the same id and stage as polling reads it', async () => {
    const { simulator, adapter } = await connect();
    const receiver = await startWebhookReceiver();
    cleanups.push(receiver.close);
    const registration = await adapter().registerWebhooks({ url: receiver.url });
    const since = simulator.clock.now() - 1;
    const contactId = simulator.contactIds()[7]!;
    const viewing = simulator.controls.createAppointment({ contactId, type: 'viewing' });
    const offer = simulator.controls.createOffer({ contactId, type: 'sale' });
    const booked = await activityPages(adapter(), deltaSince(simulator, since));
    simulator.controls.updateAppointment(viewing, 'completed');
    simulator.controls.updateOffer(offer, { status: 'negotiating' });
    const progressed = await activityPages(adapter(), deltaSince(simulator, since));
    await simulator.webhooksIdle();
    const pushed: CanonicalActivity[] = [];
    for (const delivery of receiver.deliveries) {
      const ingested = await adapter(registration.secret).ingestWebhook({
        headers: delivery.headers,
        rawBody: Buffer.from(delivery.rawBody),
        receivedAt: new Date(),
      });
      pushed.push(...ingested.activities);
    }
    const polled = [...booked, ...progressed].flatMap((page) => page.activities);
    expect(pushed.map((activity) => [activity.externalId, activity.type])).toEqual([
      [`appointment:${viewing}`, 'viewing_booked'],
      [`offer:${offer}`, 'offer_submitted'],
      [`appointment:${viewing}`, 'viewing_completed'],
      [`offer:${offer}`, 'offer_progressed'],
    ]);
    // The same record read either way is the same activity, details and time included.
    expect(new Set(pushed.map((activity) => JSON.stringify(activity)))).toEqual(
      new Set(polled.map((activity) => JSON.stringify(activity))),
    );
  });
});

describe('Loop adapter: write-back', () => {
  it('writes the engagement score and the hot-lead flag with its timestamp onto the contact', async () => {
    const { simulator, adapter } = await connect();
    const [id] = simulator.contactIds();
    const client = adapter();
    const push = (kind: OutboundActivity['kind'], idempotencyKey: string, occurredAt: string, details = {}) =>
      client.pushActivity({
        contactExternalId: id!,
        summary: 'Hot lead',
        kind,
        idempotencyKey,
        occurredAt,
        details,
      });
    await push('engagement_score', 'score-1', '2025-06-01T09:00:00.000Z', { score: 87 });
    await push('hot_lead', 'hot-1', '2025-06-01T09:05:00.000Z');
    await push('hot_lead', 'hot-1', '2025-06-01T09:05:00.000Z');
    expect(simulator.getContact(id!)!.customFields).toEqual({
      propsyncEngagementScore: 87,
      propsyncEngagementScoredAt: '2025-06-01T09:00:00.000Z',
      propsyncHotLead: true,
      propsyncHotLeadAt: '2025-06-01T09:05:00.000Z',
    });
    // Scores and flags are fields, not notes.
    expect(simulator.notes({ contactId: id! })).toEqual([]);
  });

  it('logs each sent email once as an email note, keyed on a bounded externalReference', async () => {
    const { simulator, adapter } = await connect();
    const [id] = simulator.contactIds();
    const activity = {
      kind: 'email_sent' as const,
      idempotencyKey: `cycle-${'x'.repeat(120)}`,
      contactExternalId: id!,
      occurredAt: '2025-06-01T09:00:00.000Z',
      summary: 'Nurture email sent: "Thinking of selling?"',
      details: { campaign: 'spring-sellers', step: 2 },
    };
    const first = await adapter().pushActivity(activity);
    const again = await adapter().pushActivity(activity);
    const notes = simulator.notes({ contactId: id! });
    expect(notes).toHaveLength(1);
    expect(first.externalRef).toBe(notes[0]!.id);
    expect(again.externalRef).toBe(notes[0]!.id);
    expect(notes[0]).toMatchObject({ type: 'email', occurredAt: '2025-06-01T09:00:00.000Z' });
    expect(String(notes[0]!.externalReference).length).toBeLessThanOrEqual(100);
    expect(notes[0]!.body).toContain('campaign: spring-sellers');
  });

  it('pushes contact changes, keeping the stored type of kept numbers, and metadata as custom fields', async () => {
    const { simulator, adapter } = await connect();
    const id = simulator
      .contactIds()
      .find((candidate) => (simulator.getContact(candidate)!.phoneNumbers as unknown[]).length >= 2)!;
    const [, home] = simulator.getContact(id)!.phoneNumbers as Array<{ number: string; type: string }>;
    const client = adapter();
    const result = await client.pushContact({
      externalId: id,
      etag: null,
      fields: { phones: ['+447700900777', toE164(home!.number)!] },
      metadata: { propsyncSegment: 'spring' },
    });
    expect(result).toEqual({ externalRef: id, etag: null });
    const after = simulator.getContact(id)!;
    expect(after.phoneNumbers).toEqual([
      { number: '+447700900777', type: 'mobile', isPrimary: true },
      { number: home!.number, type: home!.type, isPrimary: false },
    ]);
    expect(after.customFields).toMatchObject({ propsyncSegment: 'spring' });
  });
});

describe('Loop adapter: webhooks', () => {
  it('ingests archive, delete, appointment and offer events, and keys duplicates alike', async () => {
    const { simulator, adapter } = await connect();
    const registration = await adapter().registerWebhooks({ url: 'http://127.0.0.1:9/hooks' });
    expect(simulator.webhooks()).toEqual([
      expect.objectContaining({ id: registration.ids[0], url: 'http://127.0.0.1:9/hooks', active: true }),
    ]);
    const client = adapter(registration.secret);
    const deliver = (body: unknown, messageId = `msg_${randomUUID().replaceAll('-', '')}`) => {
      const rawBody = JSON.stringify(body);
      const timestamp = Math.floor(Date.now() / 1000);
      return client.ingestWebhook({
        headers: {
          'webhook-id': messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': `v1,bm90LXRoZS1rZXk= ${signWebhook(registration.secret!, messageId, timestamp, rawBody)}`,
        },
        rawBody: Buffer.from(rawBody),
        receivedAt: new Date(),
      });
    };
    const [id] = simulator.contactIds();
    const archived = await deliver({
      type: 'contact.archived',
      timestamp: '2025-06-01T09:00:00.000Z',
      data: simulator.getContact(id!),
    });
    expect(archived).toMatchObject({ eventType: 'contact.archived', removedContactIds: [id], contacts: [] });
    const deleted = await deliver({
      type: 'contact.deleted',
      timestamp: '2025-06-01T09:00:00.000Z',
      data: { id: 'gone-1', deletedAt: '2025-06-01T09:00:00.000Z' },
    });
    expect(deleted.removedContactIds).toEqual(['gone-1']);

    const viewing = await deliver({
      type: 'appointment.created',
      timestamp: '2025-06-01T09:00:00.000Z',
      data: {
        id: 'ap1',
        type: 'viewing',
        status: 'booked',
        contactId: id,
        updatedAt: '2025-06-01T09:00:00.000Z',
      },
    });
    expect(viewing.activities).toEqual([
      expect.objectContaining({ type: 'viewing_booked', source: 'loop', contactExternalId: id }),
    ]);
    const offer = await deliver({
      type: 'offer.updated',
      timestamp: '2025-06-01T09:00:00.000Z',
      data: {
        id: 'of1',
        type: 'sale',
        status: 'accepted',
        amount: 300_000,
        contactId: id,
        updatedAt: '2025-06-01T09:00:00.000Z',
      },
      changedFields: ['status'],
    });
    expect(offer.activities).toEqual([
      expect.objectContaining({ type: 'offer_progressed', externalId: 'offer:of1' }),
    ]);

    // A garbled snapshot still names the contact to fetch, rather than being dropped.
    const partial = await deliver({
      type: 'contact.updated',
      timestamp: '2025-06-01T09:00:00.000Z',
      data: { id: 'c-9' },
    });
    expect(partial.contactIdsToFetch).toEqual(['c-9']);

    // An activity it cannot read is recorded with its reason (the sync log), never dropped unseen.
    const unreadable = await deliver({
      type: 'appointment.updated',
      timestamp: '2025-06-01T09:00:00.000Z',
      data: { id: 'ap2', type: 'viewing', status: 'booked', contactId: id, updatedAt: 'yesterday' },
    });
    expect(unreadable).toMatchObject({
      activities: [],
      rejected: [
        {
          externalId: 'appointment:ap2',
          reason: expect.stringMatching(/^Loop appointment could not be mapped/),
        },
      ],
    });

    const body = {
      type: 'contact.updated',
      timestamp: '2025-06-01T09:00:00.000Z',
      data: simulator.getContact(id!),
    };
    const once = await deliver(body, 'msg_same');
    const twice = await deliver(body, 'msg_same');
    expect(once.deliveryKey).toBe(twice.deliveryKey);
    expect(once.contacts.map((contact) => contact.provenance.externalId)).toEqual([id]);

    await expect(
      adapter(null).ingestWebhook({ headers: {}, rawBody: Buffer.from('{}'), receivedAt: new Date() }),
    ).rejects.toMatchObject({
      code: 'WEBHOOK.BAD_SIGNATURE',
    });
    await adapter().unregisterWebhooks(registration);
    expect(simulator.webhooks()).toEqual([]);
  });
});
