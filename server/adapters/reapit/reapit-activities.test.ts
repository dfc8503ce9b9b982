import { afterEach, describe, expect, it } from 'vitest';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import type { ActivityPage, CrmAdapter, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { adapterConnector } from '../../test-support/adapter-connections.ts';
import { receiveWebhooks } from '../../test-support/webhook-receiver.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type ReapitSimulatorOptions,
} from '../../../simulators/reapit/reapit-simulator.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import { toReapitActivity } from './reapit.mapper.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function connect(options: ReapitSimulatorOptions = {}, pageSize = 25) {
  const simulator = createReapitSimulator({
    seed: 7,
    contactCount: 60,
    rateLimits: false,
    webhookRetryScale: 0.00001,
    ...options,
  });
  const running = await simulator.listen(0);
  closers.push(() => simulator.close());
  const adapter = adapterConnector({ hostConfig: reapitOperatorConfig(running) })({
    provider: 'reapit',
    credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
    settings: { customerId: REAPIT_DEMO_CLIENT.customerId, pageSize: String(pageSize) },
  });
  return { simulator, adapter };
}

async function poll(adapter: CrmAdapter, window: SyncWindow) {
  const pages: ActivityPage[] = [];
  for await (const page of adapter.syncActivities(window)) pages.push(page);
  return { pages, activities: pages.flatMap((page) => page.activities) };
}

const sinceNow = (simulator: ReapitSimulator, resumeAfter: SyncWindow['resumeAfter'] = null): SyncWindow => ({
  modifiedFrom: new Date(simulator.clock.now() - 1).toISOString(),
  modifiedTo: new Date(simulator.clock.now() + 60_000).toISOString(),
  resumeAfter,
});

const buyerOf = (simulator: ReapitSimulator) =>
  simulator.contactIds()[simulator.people().findIndex((person) => person.roles.includes('buyerApplicant'))]!;

describe('Reapit activities: webhooks and polling agree', () => {
  it('subscribes to the update topics, and maps a delivery and a poll of one record to the same id and stage', async () => {
    const { simulator, adapter } = await connect();
    const receiver = await receiveWebhooks('/hooks/reapit');
    closers.push(() => receiver.close());
    await adapter.registerWebhooks({ url: receiver.url });
    expect(simulator.resthooks()[0]!.topicIds).toEqual(
      expect.arrayContaining([
        'appointments.created',
        'appointments.modified',
        'offers.created',
        'offers.modified',
      ]),
    );
    const window = sinceNow(simulator);
    const contactId = buyerOf(simulator);
    const viewing = simulator.controls.createAppointment({ contactId, typeId: 'VW' });
    const offer = simulator.controls.createOffer({ contactId });
    simulator.controls.updateAppointment({ id: viewing, attended: 'attended' });
    simulator.controls.updateOffer({ id: offer, status: 'accepted' });
    await simulator.webhooksIdle();

    const delivered: Array<{ eventType: string; activity: CanonicalActivity }> = [];
    for (const delivery of receiver.received) {
      const ingested = await adapter.ingestWebhook(delivery);
      for (const activity of ingested.activities) delivered.push({ eventType: ingested.eventType, activity });
    }
    const { activities: polled } = await poll(adapter, window);
    const stage = ({ externalId, type, contactExternalId }: CanonicalActivity) => ({
      externalId,
      type,
      contactExternalId,
    });
    const byTopic = (topic: string) =>
      delivered.filter((entry) => entry.eventType === topic).map((entry) => stage(entry.activity));

    expect(byTopic('appointments.created')).toEqual([
      { externalId: `appointment:${viewing}`, type: 'viewing_booked', contactExternalId: contactId },
    ]);
    expect(byTopic('offers.created')).toEqual([
      { externalId: `offer:${offer}`, type: 'offer_submitted', contactExternalId: contactId },
    ]);
    // The update notifications and the poll after them: one record, one id, the stage reached.
    expect(byTopic('appointments.modified')).toEqual(
      polled.filter((activity) => activity.externalId === `appointment:${viewing}`).map(stage),
    );
    expect(byTopic('offers.modified')).toEqual(
      polled.filter((activity) => activity.externalId === `offer:${offer}`).map(stage),
    );
    expect(byTopic('offers.modified')).toEqual([
      { externalId: `offer:${offer}`, type: 'offer_progressed', contactExternalId: contactId },
    ]);
    expect(byTopic('appointments.modified')[0]?.type).toBe('viewing_completed');
  });

  it('brings a viewing cancelled after booking as its withdrawal, by webhook and by poll alike', async () => {
    const { simulator, adapter } = await connect();
    const receiver = await receiveWebhooks('/hooks/reapit');
    closers.push(() => receiver.close());
    await adapter.registerWebhooks({ url: receiver.url });
    const window = sinceNow(simulator);
    const viewing = simulator.controls.createAppointment({ contactId: buyerOf(simulator), typeId: 'VW' });
    simulator.controls.updateAppointment({ id: viewing, cancelled: true });
    await simulator.webhooksIdle();
    const withdrawal = expect.objectContaining({
      externalId: `appointment:${viewing}`,
      type: 'viewing_booked',
      withdrawn: true,
    });
    const modified = [];
    for (const delivery of receiver.received) {
      const ingested = await adapter.ingestWebhook(delivery);
      if (ingested.eventType === 'appointments.modified') modified.push(...ingested.activities);
    }
    expect(modified).toEqual([withdrawal]);
    expect((await poll(adapter, window)).activities).toEqual([withdrawal]);
  });

  it('withdraws the signal of an appointment or offer Reapit deleted or archived (its `new` is null)', async () => {
    const { simulator, adapter } = await connect();
    const deletion = (topicId: string, entityId: string, snapshot: unknown) => {
      const rawBody = JSON.stringify({
        eventId: crypto.randomUUID(),
        entityId,
        customerId: simulator.defaultCustomerId,
        eventTime: new Date().toISOString(),
        topicId,
        new: null,
        old: snapshot,
        diff: {},
      });
      return {
        headers: simulator.signWebhookBody(rawBody),
        rawBody: Buffer.from(rawBody),
        receivedAt: new Date(),
      };
    };
    const contactId = buyerOf(simulator);
    const viewing = simulator.controls.createAppointment({ contactId, typeId: 'VW' });
    const ingested = await adapter.ingestWebhook(deletion('appointments.modified', viewing, { id: viewing }));
    expect(ingested).toMatchObject({ activities: [], removedActivityIds: [`appointment:${viewing}`] });
    const offerDeleted = await adapter.ingestWebhook(deletion('offers.modified', 'OFR001', { id: 'OFR001' }));
    expect(offerDeleted.removedActivityIds).toEqual(['offer:OFR001']);
    // A contact deleted is a contact removal, not an activity's.
    const contactDeleted = await adapter.ingestWebhook(
      deletion('contacts.modified', contactId, { id: contactId }),
    );
    expect(contactDeleted).toMatchObject({ removedContactIds: [contactId], removedActivityIds: [] });
  });

  it('brings a note of interest withdrawn (a status the Offers filter lists) as its withdrawal', async () => {
    const { simulator, adapter } = await connect();
    const window = sinceNow(simulator);
    const offer = simulator.controls.createOffer({ contactId: buyerOf(simulator), status: 'noteOfInterest' });
    simulator.controls.updateOffer({ id: offer, status: 'noteOfInterestWithdrawn' });
    expect((await poll(adapter, window)).activities).toEqual([
      expect.objectContaining({ externalId: `offer:${offer}`, type: 'offer_submitted', withdrawn: true }),
    ]);
  });
});

describe('Reapit activities: paging and checkpoints', () => {
  it('reads a crowd of records sharing one instant on its own, missing none, with the window filter on every request', async () => {
    const frozen = Date.now();
    const { simulator, adapter } = await connect({ now: () => frozen }, 5);
    const contactIds = simulator.contactIds();
    const created = Array.from({ length: 12 }, (_, index) =>
      simulator.controls.createAppointment({ contactId: contactIds[index]!, typeId: 'VW' }),
    );
    simulator.requestLog.clear();
    const { activities } = await poll(adapter, sinceNow(simulator));
    const ids = activities.map((activity) => activity.externalId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(created.map((id) => `appointment:${id}`).sort());
    const lists = simulator.requestLog
      .entries()
      .filter((entry) => /^\/(appointments|offers)$/.test(entry.path));
    expect(
      lists.every((entry) => entry.query.modifiedFrom !== undefined && entry.query.sortBy === 'modified'),
    ).toBe(true);
    // The crowded instant was asked for alone, to the last tick of its millisecond.
    const instant = new Date(frozen).toISOString();
    expect(lists.some((entry) => entry.query.modifiedTo === instant.replace('Z', '9999Z'))).toBe(true);
  });

  it('resumes in the list its checkpoint names: an offers checkpoint does not read appointments again', async () => {
    const { simulator, adapter } = await connect({}, 5);
    const window = sinceNow(simulator);
    const contactId = buyerOf(simulator);
    simulator.controls.createAppointment({ contactId, typeId: 'VW' });
    const offers = [1, 2, 3].map(() => simulator.controls.createOffer({ contactId }));
    const { pages } = await poll(adapter, window);
    const offerPage = pages.find((page) =>
      page.activities.some((activity) => activity.externalId.startsWith('offer:')),
    );
    expect(offerPage?.checkpoint?.idsAtModifiedAt[0]).toBe('offer:');

    simulator.requestLog.clear();
    const resumed = await poll(adapter, { ...window, resumeAfter: offerPage!.checkpoint });
    expect(simulator.requestLog.entries().some((entry) => entry.path === '/appointments')).toBe(false);
    const seen = new Set(
      [...offerPage!.activities, ...resumed.activities].map((activity) => activity.externalId),
    );
    expect([...seen].filter((id) => id.startsWith('offer:')).sort()).toEqual(
      offers.map((id) => `offer:${id}`).sort(),
    );
    expect(
      resumed.activities.filter((activity) =>
        offerPage!.activities.some((seenBefore) => seenBefore.externalId === activity.externalId),
      ),
    ).toEqual([]);
  });

  it('reads the whole window again from a checkpoint that names no list', async () => {
    const { simulator, adapter } = await connect();
    const window = sinceNow(simulator);
    const viewing = simulator.controls.createAppointment({ contactId: buyerOf(simulator), typeId: 'VW' });
    const foreign = {
      modifiedAt: new Date(simulator.clock.now() + 30_000).toISOString(),
      idsAtModifiedAt: ['RPT1'],
    };
    const { activities } = await poll(adapter, { ...window, resumeAfter: foreign });
    expect(activities.map((activity) => activity.externalId)).toContain(`appointment:${viewing}`);
  });
});

describe('Reapit activity mapping', () => {
  const asOf = '2026-12-03T12:00:00Z';
  const viewing = {
    id: 'RPT90000001',
    created: '2026-11-28T09:00:00.0000000Z',
    modified: '2026-11-28T09:00:00.0000000Z',
    typeId: 'VW',
    end: '2026-12-04T10:30:00.0000000Z',
    cancelled: false,
    attended: 'notSet',
    attendee: { type: 'applicant', contacts: [{ id: 'RPT20000001' }, { id: 'RPT20000002' }] },
  };
  const offer = {
    id: 'RPT80000001',
    created: '2026-11-30T09:00:00.0000000Z',
    modified: '2026-12-01T15:00:00.0000000Z',
    status: 'pending',
    amount: 400_000,
    related: [{ id: 'RPT20000001' }],
  };
  const typeOf = (mapping: ReturnType<typeof toReapitActivity>) =>
    'activity' in mapping ? (mapping.activity?.type ?? null) : mapping.error;

  it('types a viewing by the stage reached, and gives it to its first contact under one id', () => {
    const booked = toReapitActivity('appointment', viewing, asOf);
    expect(booked).toEqual({
      activity: expect.objectContaining({
        type: 'viewing_booked',
        externalId: 'appointment:RPT90000001',
        contactExternalId: 'RPT20000001',
        occurredAt: '2026-11-28T09:00:00.000Z',
        details: expect.objectContaining({ contactIds: ['RPT20000001', 'RPT20000002'] }),
      }),
    });
    expect(typeOf(toReapitActivity('appointment', { ...viewing, attended: 'attended' }, asOf))).toBe(
      'viewing_completed',
    );
    // Attendance not recorded and the viewing over: completed, dated by its end.
    const over = toReapitActivity('appointment', { ...viewing, end: '2026-12-02T10:30:00Z' }, asOf);
    expect(over).toEqual({
      activity: expect.objectContaining({
        type: 'viewing_completed',
        occurredAt: '2026-12-02T10:30:00.000Z',
      }),
    });
    expect(
      typeOf(toReapitActivity('appointment', { ...viewing, typeId: 'VL', attended: 'attended' }, asOf)),
    ).toBe('valuation_booked');
  });

  it('withdraws cancelled, no-show, rejected and withdrawn records under their id; other types are nothing', () => {
    const withdrawal = (externalId: string, type: string) => ({
      activity: expect.objectContaining({ externalId, type, withdrawn: true }),
    });
    expect(toReapitActivity('appointment', viewing, asOf)).toEqual({
      activity: expect.not.objectContaining({ withdrawn: expect.anything() }),
    });
    expect(toReapitActivity('appointment', { ...viewing, cancelled: true }, asOf)).toEqual(
      withdrawal('appointment:RPT90000001', 'viewing_booked'),
    );
    expect(
      toReapitActivity('appointment', { ...viewing, attended: 'noShow', end: '2026-12-01T00:00:00Z' }, asOf),
    ).toEqual(withdrawal('appointment:RPT90000001', 'viewing_booked'));
    expect(toReapitActivity('appointment', { ...viewing, typeId: 'VL', cancelled: true }, asOf)).toEqual(
      withdrawal('appointment:RPT90000001', 'valuation_booked'),
    );
    expect(typeOf(toReapitActivity('appointment', { ...viewing, typeId: 'MI' }, asOf))).toBeNull();
    expect(
      typeOf(toReapitActivity('appointment', { ...viewing, typeId: 'MI', cancelled: true }, asOf)),
    ).toBeNull();
    expect(toReapitActivity('offer', { ...offer, status: 'rejected' }, asOf)).toEqual(
      withdrawal('offer:RPT80000001', 'offer_submitted'),
    );
    expect(toReapitActivity('offer', { ...offer, status: 'withdrawn' }, asOf)).toEqual(
      withdrawal('offer:RPT80000001', 'offer_submitted'),
    );
    // Cancelled before anyone was attached: never a signal, so nothing to withdraw and no error.
    expect(toReapitActivity('offer', { ...offer, related: [], status: 'rejected' }, asOf)).toEqual({
      activity: null,
    });
  });

  it('types an offer submitted, or progressed once accepted (dated by its last change)', () => {
    expect(toReapitActivity('offer', offer, asOf)).toEqual({
      activity: expect.objectContaining({
        type: 'offer_submitted',
        externalId: 'offer:RPT80000001',
        occurredAt: '2026-11-30T09:00:00.000Z',
      }),
    });
    expect(toReapitActivity('offer', { ...offer, status: 'accepted' }, asOf)).toEqual({
      activity: expect.objectContaining({
        type: 'offer_progressed',
        externalId: 'offer:RPT80000001',
        occurredAt: '2026-12-01T15:00:00.000Z',
      }),
    });
  });

  it('explains a record it cannot read instead of dropping it', () => {
    expect(typeOf(toReapitActivity('offer', { ...offer, related: [] }, asOf))).toBe(
      'Reapit offer RPT80000001 names no contact',
    );
    expect(
      typeOf(toReapitActivity('appointment', { id: 'RPT90000009', typeId: 'VW', end: 'soon' }, asOf)),
    ).toMatch(/^Reapit appointment did not match/);
    // Undated, judged as of an unreadable time: explained, never a thrown RangeError.
    const undated = { id: offer.id, status: 'pending', related: offer.related };
    expect(typeOf(toReapitActivity('offer', undated, 'not a time'))).toBe(
      'Reapit offer RPT80000001 has no readable date and time',
    );
  });
});

describe('Reapit activity webhooks with an unreadable event time', () => {
  it('date an undated offer by the receipt, instead of failing the delivery as an internal error', async () => {
    const { simulator, adapter } = await connect();
    const contactId = buyerOf(simulator);
    const rawBody = JSON.stringify({
      eventId: 'evt-undated',
      entityId: 'RPT80000077',
      customerId: REAPIT_DEMO_CLIENT.customerId,
      eventTime: 'not a time',
      topicId: 'offers.created',
      new: { id: 'RPT80000077', status: 'pending', related: [{ id: contactId }] },
      old: null,
    });
    const receivedAt = new Date();
    const ingested = await adapter.ingestWebhook({
      headers: simulator.signWebhookBody(rawBody),
      rawBody: Buffer.from(rawBody),
      receivedAt,
    });
    expect(ingested.occurredAt).toBe(receivedAt.toISOString());
    expect(ingested.activities).toEqual([
      expect.objectContaining({
        externalId: 'offer:RPT80000077',
        type: 'offer_submitted',
        contactExternalId: contactId,
        occurredAt: receivedAt.toISOString(),
      }),
    ]);
  });
});
