import { describe, expect, it } from 'vitest';
import { closeAfterEach, jsonClient, startWebhookReceiver } from '../toolkit/simulator-testing.ts';
import { REAPIT_API_VERSION, REAPIT_DEMO_CLIENT } from './reapit-constants.ts';
import { createReapitSimulator, type ReapitSimulatorOptions } from './reapit-simulator.ts';
import { reapitHarness } from './reapit.harness.ts';

type Json = Record<string, any>;
type Page = { _embedded: Json[]; totalCount: number };

const closeLater = closeAfterEach();
const DAY_MS = 86_400_000;

async function connect(options: ReapitSimulatorOptions = {}) {
  const simulator = createReapitSimulator({ contactCount: 300, webhookRetryScale: 0.00001, ...options });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  const { clientId, clientSecret, customerId } = REAPIT_DEMO_CLIENT;
  const token = await fetch(`${running.connectUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  const { access_token } = (await token.json()) as { access_token: string };
  const api = jsonClient<any>(running.url, {
    authorization: `Bearer ${access_token}`,
    'api-version': REAPIT_API_VERSION,
    'reapit-customer': customerId,
  });
  const subscribe = async (topicIds: string[]) => {
    const receiver = await startWebhookReceiver();
    closeLater(receiver.close);
    const hook = await api('/resthooks', {
      method: 'POST',
      json: { url: receiver.url, topicIds, active: true, ignoreEtagOnlyChanges: false },
    });
    expect(hook.status).toBe(201);
    return receiver;
  };
  return { simulator, api, subscribe, controlUrl: `${running.url}/_sim` };
}

describe('Reapit simulator: activity changes', () => {
  it('records attendance on an appointment: modified moves, appointments.modified goes out with the diff', async () => {
    const { simulator, api, subscribe } = await connect();
    const receiver = await subscribe(['appointments.modified']);
    const contactId = simulator.contactIds()[1]!;
    const id = simulator.controls.createAppointment({ contactId, typeId: 'VW' });
    const before = (await api(`/appointments/${id}`)).body as Json;
    expect(before.attended).toBe('notSet');
    simulator.controls.advanceClock(1_000);
    const since = new Date(simulator.clock.now()).toISOString();

    // A field given as undefined is left as it was.
    simulator.controls.updateAppointment({ id, attended: 'attended', cancelled: undefined });
    await simulator.webhooksIdle();

    const after = (await api(`/appointments/${id}`)).body as Json;
    expect(after).toMatchObject({ id, attended: 'attended', cancelled: false });
    expect(after._eTag).not.toBe(before._eTag);
    const changed = (await api(`/appointments?modifiedFrom=${since}&includeUnconfirmed=true`)).body as Page;
    expect(changed._embedded.map((appointment) => appointment.id)).toEqual([id]);
    expect(receiver.deliveries.map((delivery) => delivery.body)).toEqual([
      expect.objectContaining({
        topicId: 'appointments.modified',
        entityId: id,
        new: expect.objectContaining({ attended: 'attended' }),
        diff: expect.objectContaining({ attended: ['notSet', 'attended'] }),
      }),
    ]);
  });

  it('accepts an offer: offers.modified and offers.accepted share one event, the list shows the new status', async () => {
    const { simulator, api, subscribe } = await connect();
    const receiver = await subscribe(['offers.modified', 'offers.accepted']);
    const buyer = simulator.people().findIndex((person) => person.roles.includes('buyerApplicant'));
    const id = simulator.controls.createOffer({ contactId: simulator.contactIds()[buyer]! });
    simulator.controls.advanceClock(1_000);
    const since = new Date(simulator.clock.now()).toISOString();

    simulator.controls.updateOffer({ id, status: 'accepted' });
    await simulator.webhooksIdle();

    const changed = (await api(`/offers?modifiedFrom=${since}`)).body as Page;
    expect(changed._embedded).toEqual([expect.objectContaining({ id, status: 'accepted' })]);
    const bodies = receiver.deliveries.map((delivery) => delivery.body);
    expect(bodies.map((body) => body.topicId).sort()).toEqual(['offers.accepted', 'offers.modified']);
    expect(new Set(bodies.map((body) => body.eventId)).size).toBe(1);
    expect(bodies[0]!.diff.status).toEqual(['pending', 'accepted']);
  });

  it('registers a contact without an applicant role as a buyer before recording its offer', async () => {
    const { simulator, api } = await connect();
    const index = simulator.people().findIndex((person) => person.roles.length === 0);
    const contactId = simulator.contactIds()[index]!;
    const id = simulator.controls.createOffer({ contactId });
    const offer = (await api(`/offers/${id}`)).body as Json;
    expect(offer.related).toEqual([expect.objectContaining({ id: contactId })]);
    const applicant = await api(`/applicants/${offer.applicantId as string}`);
    expect(applicant.status).toBe(200);
    expect(applicant.body).toMatchObject({ marketingMode: 'buying' });
  });

  it('edits activities through /_sim and refuses unknown ids', async () => {
    const { simulator, api, controlUrl } = await connect();
    const control = jsonClient<any>(controlUrl);
    const id = simulator.controls.createAppointment({ contactId: simulator.contactIds()[2]! });
    expect(
      (await control(`/appointments/${id}`, { method: 'PATCH', json: { cancelled: true } })).status,
    ).toBe(204);
    const cancelled = (await api(`/appointments?id=${id}&includeCancelled=true`)).body as Page;
    expect(cancelled._embedded).toEqual([expect.objectContaining({ id, cancelled: true })]);
    expect(
      (await control('/offers/RPT89999999', { method: 'PATCH', json: { status: 'accepted' } })).status,
    ).toBe(404);
  });

  it('seeds recent showcase hot leads: a viewing attended and an offer within the last few days', async () => {
    const { simulator, api } = await connect();
    const recent = new Date(simulator.clock.now() - 4 * DAY_MS).toISOString();
    const viewings = (
      await api(`/appointments?typeId=VW&modifiedFrom=${recent}&includeUnconfirmed=true&pageSize=100`)
    ).body as Page;
    const offers = (await api(`/offers?modifiedFrom=${recent}&pageSize=100`)).body as Page;
    const attendedBy = new Set(
      viewings._embedded
        .filter(
          (viewing) => viewing.attended === 'attended' && Date.parse(viewing.end) < simulator.clock.now(),
        )
        .flatMap((viewing) => viewing.attendee.contacts.map((contact: Json) => contact.id)),
    );
    const offeredBy = offers._embedded
      .filter((offer) => offer.status === 'pending' || offer.status === 'accepted')
      .flatMap((offer) => offer.related.map((contact: Json) => contact.id as string));
    expect(offeredBy.filter((contactId) => attendedBy.has(contactId)).length).toBeGreaterThanOrEqual(2);
    // Deterministic in the seed: a second simulator seeds the same records.
    const again = await connect();
    const offersAgain = (await again.api(`/offers?modifiedFrom=${recent}&pageSize=100`)).body as Page;
    expect(offersAgain._embedded.map((offer) => offer.id)).toEqual(offers._embedded.map((offer) => offer.id));
  });
});

describe('Reapit harness: activities', () => {
  it('creates each activity type and progresses it, answering the id as the adapter reports it', async () => {
    const running = await reapitHarness.start({ contactCount: 40, rateLimits: false });
    closeLater(() => running.close());
    const contactId = running.listableContactIds()[3]!;
    const offer = running.createActivity!({ contactExternalId: contactId, type: 'offer_submitted' });
    const completed = running.createActivity!({ contactExternalId: contactId, type: 'viewing_completed' });
    const valuation = running.createActivity!({ contactExternalId: contactId, type: 'valuation_booked' });
    expect(offer).toMatch(/^offer:RPT8\d{7}$/);
    expect(completed).toMatch(/^appointment:RPT9\d{7}$/);
    expect(valuation).toMatch(/^appointment:RPT9\d{7}$/);
    expect(() => running.progressActivity!('note:1')).toThrow(RangeError);
  });
});
