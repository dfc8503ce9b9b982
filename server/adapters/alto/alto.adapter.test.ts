import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import { DEFAULT_SCORING_POLICY, intentScore } from '../../core/domain/intent-scoring.ts';
import type { ActivityPage, ContactPage, CrmAdapter, PageCheckpoint } from '../../core/ports/crm-adapter.ts';
import { ALTO_DEMO_CLIENT } from '../../../simulators/alto/alto-constants.ts';
import { createAltoSimulator, type AltoSimulator } from '../../../simulators/alto/alto-simulator.ts';
import { signatureHeader } from '../../../simulators/alto/alto-webhooks.ts';
import { adapterConnector, type ConnectAdapter } from '../../test-support/adapter-connections.ts';
import { altoOperatorConfig } from '../../../simulators/alto/alto.harness.ts';

/** Alto-specific behaviour beyond the shared contract: file-note write-back, consent, activity webhooks. */
describe('Alto adapter', () => {
  let simulator: AltoSimulator;
  let url: string;
  let connectTo: ConnectAdapter;

  beforeAll(async () => {
    simulator = createAltoSimulator({
      seed: 3,
      contactCount: 40,
      rateLimits: false,
      webhookRetryScale: 0.0001,
    });
    url = (await simulator.listen(0)).url;
    connectTo = adapterConnector({ hostConfig: altoOperatorConfig(url) });
  });
  afterAll(async () => simulator?.close());

  const adapter = (settings: Record<string, unknown> = {}, webhookSecret: string | null = null): CrmAdapter =>
    connectTo({
      provider: 'alto',
      credentials: { clientId: ALTO_DEMO_CLIENT.clientId, clientSecret: ALTO_DEMO_CLIENT.clientSecret },
      settings: { agencyRef: simulator.defaultAgencyRef, ...settings },
      webhookSecret,
    });

  it('sends the AgencyRef on every call: a wrong one is refused as a permission problem', async () => {
    await expect(adapter({ agencyRef: randomUUID() }).verifyConnection()).rejects.toMatchObject({
      code: 'ADAPTER.PERMISSION_DENIED',
    });
  });

  /** Delivers, signed as Alto signs it, a notification naming `subjectId` (its template names `contactId`). */
  const deliverer =
    (client: CrmAdapter, secret: string, contactId: string) => (type: string, subjectId: string) => {
      const template = JSON.parse(simulator.contactWebhook({ contactId, secret: null }).rawBody) as {
        data: Record<string, unknown>;
      };
      const rawBody = JSON.stringify({ ...template, type, data: { ...template.data, subjectId } });
      const signature = signatureHeader(secret, rawBody, Math.floor(Date.now() / 1000));
      return client.ingestWebhook({
        headers: { 'x-signature': signature },
        rawBody: Buffer.from(rawBody),
        receivedAt: new Date(),
      });
    };

  it('reaches a hot lead from the seeded viewing and offer as their webhooks deliver them', async () => {
    const registration = await adapter().registerWebhooks({ url: 'http://127.0.0.1:9/alto-hook' });
    try {
      const index = simulator.people().findIndex((person) => person.roles.includes('buyerApplicant'));
      const contactId = simulator.contactIds()[index]!;
      const deliver = deliverer(adapter({}, registration.secret), registration.secret!, contactId);
      const deliveries = [
        ...simulator
          .appointments({ contactId })
          .map((item) => deliver('Appointment.Modified', String(item.id))),
        ...simulator.offers({ contactId }).map((item) => deliver('Offer.Created', String(item.id))),
      ];
      const signals = (await Promise.all(deliveries)).flatMap((delivery) => delivery.activities);
      expect(signals.map((signal) => signal.type)).toEqual(
        expect.arrayContaining(['viewing_completed', 'offer_submitted']),
      );
      expect(intentScore(signals, new Date())).toBeGreaterThanOrEqual(
        DEFAULT_SCORING_POLICY.hotLeadThreshold,
      );
    } finally {
      await adapter().unregisterWebhooks(registration);
    }
  });

  it("accepts Alto's documented x-signature (the shared secret as is) and refuses any other value", async () => {
    const registration = await adapter().registerWebhooks({ url: 'http://127.0.0.1:9/alto-hook' });
    try {
      const client = adapter({}, registration.secret);
      const contactId = simulator.contactIds()[1]!;
      const delivery = simulator.contactWebhook({ contactId, secret: registration.secret });
      // What a real Alto sends (the simulator's default): the value itself, no timestamp.
      expect(delivery.headers['x-signature']).toBe(registration.secret);
      const ingest = (headers: Record<string, string>) =>
        client.ingestWebhook({ headers, rawBody: Buffer.from(delivery.rawBody), receivedAt: new Date() });
      await expect(ingest(delivery.headers)).resolves.toMatchObject({ contactIdsToFetch: [contactId] });
      const forged = `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
      for (const wrong of [`${registration.secret}x`, registration.secret!.slice(1), forged])
        await expect(ingest({ ...delivery.headers, 'x-signature': wrong })).rejects.toMatchObject({
          code: 'WEBHOOK.BAD_SIGNATURE',
        });
      const { 'x-signature': _, ...unsigned } = delivery.headers;
      await expect(ingest(unsigned)).rejects.toMatchObject({ code: 'WEBHOOK.BAD_SIGNATURE' });
      // The AgencyRef is a GUID: the same agency in capitals.
      const shouted = delivery.rawBody.replace(
        simulator.defaultAgencyRef,
        simulator.defaultAgencyRef.toUpperCase(),
      );
      expect(shouted).not.toBe(delivery.rawBody);
      await expect(
        client.ingestWebhook({
          headers: delivery.headers,
          rawBody: Buffer.from(shouted),
          receivedAt: new Date(),
        }),
      ).resolves.toMatchObject({ contactIdsToFetch: [contactId] });
    } finally {
      await adapter().unregisterWebhooks(registration);
    }
  });

  it('registers nothing when the admin entered the webhook secret Alto Connect support set up by hand', async () => {
    const secret = `from-alto-connect-support-${randomUUID()}`;
    const client = connectTo({
      provider: 'alto',
      credentials: {
        clientId: ALTO_DEMO_CLIENT.clientId,
        clientSecret: ALTO_DEMO_CLIENT.clientSecret,
        webhookSecret: `  ${secret} `,
      },
      settings: { agencyRef: simulator.defaultAgencyRef },
      webhookSecret: null,
    });
    const before = simulator.subscriptions().length;
    const registration = await client.registerWebhooks({ url: 'http://127.0.0.1:9/alto-hook' });
    expect(registration).toEqual({ ids: [], secret, url: 'http://127.0.0.1:9/alto-hook' });
    expect(simulator.subscriptions()).toHaveLength(before);
    await client.unregisterWebhooks(registration);
    const delivery = simulator.contactWebhook({ contactId: simulator.contactIds()[2]!, secret });
    await expect(
      adapter({}, registration.secret).ingestWebhook({
        headers: delivery.headers,
        rawBody: Buffer.from(delivery.rawBody),
        receivedAt: new Date(),
      }),
    ).resolves.toMatchObject({ contactIdsToFetch: [simulator.contactIds()[2]] });
  });

  it('goes on without valuations when Alto refuses their list (403), saying why in the sync log', async () => {
    simulator.faults.failNext(1, 403, { pathPrefix: '/appointments/valuations' });
    const window = {
      modifiedFrom: new Date(Date.now() - 60_000).toISOString(),
      modifiedTo: new Date().toISOString(),
      resumeAfter: null,
    };
    const pages: ActivityPage[] = [];
    for await (const page of adapter().syncActivities(window)) pages.push(page);
    expect(pages).toEqual([
      {
        activities: [],
        rejected: [
          { externalId: null, reason: expect.stringContaining('refused the valuations list (403)') },
        ],
        checkpoint: { modifiedAt: window.modifiedFrom, idsAtModifiedAt: [] },
      },
    ]);
  });

  it('refuses a contact-list next-token Alto handed out before, keeping the pages read until then', async () => {
    // Alto answering every page with the same next-token: the read would never end.
    let listRequests = 0;
    const looping: typeof fetch = async (input, init) => {
      if (!String(input).includes('/contacts/all')) return fetch(input, init);
      if (++listRequests > 10) throw new Error('read the contact list more than 10 times');
      const url = new URL(String(input));
      url.searchParams.delete('next-token');
      const response = await fetch(url, init);
      const page = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...page, meta: { nextToken: 'same-token' } }, { status: response.status });
    };
    const client = adapterConnector({ hostConfig: altoOperatorConfig(url), fetchImplementation: looping })({
      provider: 'alto',
      credentials: { clientId: ALTO_DEMO_CLIENT.clientId, clientSecret: ALTO_DEMO_CLIENT.clientSecret },
      settings: { agencyRef: simulator.defaultAgencyRef, pageSize: 5 },
      webhookSecret: null,
    });
    const pages: ContactPage[] = [];
    const window = {
      modifiedFrom: null,
      modifiedTo: new Date(Date.now() + 60_000).toISOString(),
      resumeAfter: null,
    };
    await expect(
      (async () => {
        for await (const page of client.syncContacts(window)) pages.push(page);
      })(),
    ).rejects.toMatchObject({
      code: 'ADAPTER.BAD_RESPONSE',
      message: expect.stringContaining('contact list'),
    });
    expect(listRequests).toBe(2);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.contacts).toHaveLength(5);
  });

  it('pages valuations through a crowded creation instant, and resumes from any page checkpoint', async () => {
    // A frozen clock: every valuation below shares one creation instant.
    const instant = Math.floor(Date.now() / 1000) * 1000;
    const frozen = createAltoSimulator({ seed: 5, contactCount: 20, rateLimits: false, now: () => instant });
    const frozenUrl = (await frozen.listen(0)).url;
    try {
      const contactIds = frozen.contactIds();
      const created = contactIds
        .slice(0, 11)
        .map(
          (contactId) => `appointment:${frozen.controls.createAppointment({ contactId, type: 'Valuation' })}`,
        );
      // Viewings and offers are not listed by creation or change: polling never brings them.
      frozen.controls.createAppointment({ contactId: contactIds[0]!, type: 'Viewing' });
      frozen.controls.createOffer({ contactId: contactIds[0]! });
      const client = adapterConnector({ hostConfig: altoOperatorConfig(frozenUrl) })({
        provider: 'alto',
        credentials: { clientId: ALTO_DEMO_CLIENT.clientId, clientSecret: ALTO_DEMO_CLIENT.clientSecret },
        settings: { agencyRef: frozen.defaultAgencyRef, pageSize: 4 },
        webhookSecret: null,
      });
      const window = {
        modifiedFrom: new Date(instant).toISOString(),
        modifiedTo: new Date(instant + 1_000).toISOString(),
        resumeAfter: null,
      };
      const read = async (resumeAfter: PageCheckpoint | null) => {
        const pages: Array<{ ids: string[]; checkpoint: PageCheckpoint | null }> = [];
        for await (const page of client.syncActivities({ ...window, resumeAfter }))
          pages.push({
            ids: page.activities.map((activity) => activity.externalId),
            checkpoint: page.checkpoint,
          });
        return pages;
      };
      const pages = await read(null);
      const all = pages.flatMap((page) => page.ids);
      expect(all).toEqual(created);
      for (const [index, page] of pages.entries()) {
        const before = pages.slice(0, index + 1).flatMap((earlier) => earlier.ids);
        const after = (await read(page.checkpoint)).flatMap((later) => later.ids);
        expect([...before, ...after], `resumed after page ${index}`).toEqual(all);
      }
    } finally {
      await frozen.close();
    }
  });

  it('writes the hot-lead flag with its timestamp as a file note on the contact, once', async () => {
    const contactId = simulator.contactIds()[1]!;
    const hotLead = {
      kind: 'hot_lead' as const,
      idempotencyKey: 'hot-1',
      contactExternalId: contactId,
      occurredAt: '2025-06-01T08:00:00.000Z',
      summary: 'Crossed the hot-lead threshold (score 87)',
      details: {},
    };
    const first = await adapter().pushActivity(hotLead);
    await adapter().pushActivity(hotLead);
    const notes = simulator.fileNotes({ contactId });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      id: Number(first.externalRef),
      title: 'Propsync hot lead',
      contactIds: [Number(contactId)],
    });
    expect(notes[0]!.notes).toContain('2025-06-01T08:00:00.000Z');
  });

  it('keeps one engagement-score note per contact, replaced by newer scores and never by older ones', async () => {
    const contactId = simulator.contactIds()[2]!;
    const score = (key: string, value: number, occurredAt: string) => ({
      kind: 'engagement_score' as const,
      idempotencyKey: key,
      contactExternalId: contactId,
      occurredAt,
      summary: `Engagement score ${value}`,
      details: { score: value },
    });
    await adapter().pushActivity(score('s1', 40, '2025-06-01T00:00:00.000Z'));
    await adapter().pushActivity(score('s2', 65, '2025-06-02T00:00:00.000Z'));
    await adapter().pushActivity(score('s0', 10, '2025-05-01T00:00:00.000Z'));
    const notes = simulator.fileNotes({ contactId });
    expect(notes).toHaveLength(1);
    expect(notes[0]!.notes).toContain('score: 65');
  });

  it('writes name and consent changes back, and reads consent when asked to', async () => {
    const contactId = simulator.contactIds()[5]!;
    await adapter().pushContact({
      externalId: contactId,
      etag: null,
      fields: { firstName: 'Grace', marketingConsent: 'denied' },
    });
    expect((simulator.getContact(contactId)!.people as Array<{ forename: string }>)[0]!.forename).toBe(
      'Grace',
    );

    const window = {
      modifiedFrom: new Date(Date.now() - 60_000).toISOString(),
      modifiedTo: new Date(Date.now() + 60_000).toISOString(),
      resumeAfter: null,
    };
    const read = async (settings: Record<string, unknown>) => {
      const contacts = [];
      for await (const page of adapter(settings).syncContacts(window)) contacts.push(...page.contacts);
      return contacts.find((contact) => contact.provenance.externalId === contactId);
    };
    expect((await read({ readMarketingConsent: 'true' }))?.marketingConsent).toBe('denied');
    expect((await read({}))?.marketingConsent).toBe('not_asked');
  });

  it('turns appointment and offer notifications into signals (a valuation as the poll gives it), and contact ones into ids to fetch', async () => {
    const registration = await adapter().registerWebhooks({ url: 'http://127.0.0.1:9/alto-hook' });
    const client = adapter({}, registration.secret);
    const contactId = simulator.contactIds()[0]!;
    const viewingId = simulator.controls.createAppointment({ contactId, type: 'Viewing' });
    const offerId = simulator.controls.createOffer({ contactId, amount: 300_000 });

    const deliver = deliverer(client, registration.secret!, contactId);

    const viewing = await deliver('Appointment.Created', viewingId);
    expect(viewing.activities).toEqual([
      expect.objectContaining({
        type: 'viewing_booked',
        contactExternalId: contactId,
        externalId: `appointment:${viewingId}`,
      }),
    ]);
    const offer = await deliver('Offer.Created', offerId);
    expect(offer.activities).toEqual([
      expect.objectContaining({
        type: 'offer_submitted',
        externalId: `offer:${offerId}`,
        contactExternalId: contactId,
        details: expect.objectContaining({ amount: 300_000 }),
      }),
    ]);
    // The integration lacking the scope to read appointments: the delivery is accepted, the refusal recorded.
    simulator.faults.failNext(1, 403, { pathPrefix: '/appointments/' });
    expect(await deliver('Appointment.Modified', viewingId)).toMatchObject({
      activities: [],
      rejected: [{ externalId: `appointment:${viewingId}`, reason: expect.stringContaining('(403)') }],
    });
    const contact = await deliver('Contact.Modified', contactId);
    expect(contact).toMatchObject({
      contactIdsToFetch: [contactId],
      contacts: [],
      activities: [],
      removedContactIds: [],
    });
    expect(new Set([viewing.deliveryKey, offer.deliveryKey, contact.deliveryKey]).size).toBe(3);

    // A valuation: the poll (by creation) and its webhook report it once, under one id and type.
    const window = {
      modifiedFrom: new Date(Date.now() - 1_000).toISOString(),
      modifiedTo: new Date(Date.now() + 60_000).toISOString(),
      resumeAfter: null,
    };
    const valuationId = simulator.controls.createAppointment({ contactId, type: 'Valuation' });
    const valuation = (await deliver('Appointment.Created', valuationId)).activities;
    expect(valuation).toEqual([
      expect.objectContaining({ type: 'valuation_booked', externalId: `appointment:${valuationId}` }),
    ]);
    const polled: CanonicalActivity[] = [];
    for await (const page of client.syncActivities(window)) polled.push(...page.activities);
    expect(polled.filter((activity) => activity.contactExternalId === contactId)).toEqual(valuation);

    // Viewings and offers move on by webhook only, under the same ids at their new stage.
    simulator.controls.updateAppointment(viewingId, 'Active', { applicantFeedback: 'Loved the garden' });
    simulator.controls.setOfferStatus(offerId, 'Accepted');
    expect([
      ...(await deliver('Appointment.Modified', viewingId)).activities,
      ...(await deliver('Offer.Accepted', offerId)).activities,
    ]).toEqual([
      expect.objectContaining({ type: 'viewing_completed', externalId: `appointment:${viewingId}` }),
      expect.objectContaining({ type: 'offer_progressed', externalId: `offer:${offerId}` }),
    ]);
    // A withdrawn offer withdraws its signal, under the same id.
    simulator.controls.setOfferStatus(offerId, 'Withdrawn');
    expect((await deliver('Offer.Withdrawn', offerId)).activities).toEqual([
      expect.objectContaining({ externalId: `offer:${offerId}`, withdrawn: true }),
    ]);

    // Alto deleted them: reading them answers 404, so their ids are reported to withdraw, with no signal.
    simulator.controls.deleteAppointment(viewingId);
    simulator.controls.deleteOffer(offerId);
    expect(await deliver('Appointment.Modified', viewingId)).toMatchObject({
      activities: [],
      removedActivityIds: [`appointment:${viewingId}`],
    });
    expect(await deliver('Offer.Modified', offerId)).toMatchObject({
      activities: [],
      removedActivityIds: [`offer:${offerId}`],
    });
    expect((await deliver('Offer.Accepted', offerId)).removedActivityIds).toEqual([`offer:${offerId}`]);
    // A record that still stands reports no removal.
    expect((await deliver('Appointment.Modified', valuationId)).removedActivityIds).toEqual([]);

    await expect(
      adapter({}, null).ingestWebhook({ headers: {}, rawBody: Buffer.from('{}'), receivedAt: new Date() }),
    ).rejects.toMatchObject({
      code: 'WEBHOOK.BAD_SIGNATURE',
    });
    await adapter().unregisterWebhooks(registration);
    expect(simulator.subscriptions()).toEqual([]);
  });
});
