import { describe, expect, it } from 'vitest';
import { closeAfterEach, jsonClient, startWebhookReceiver } from '../toolkit/simulator-testing.ts';
import { LOOP_DEMO_API_KEY } from './loop-constants.ts';
import { createLoopSimulator, type LoopSimulatorOptions } from './loop-simulator.ts';

type Json = Record<string, any>;

const closeLater = closeAfterEach();

async function start(options: LoopSimulatorOptions = {}) {
  const simulator = createLoopSimulator({ contactCount: 200, webhookRetryScale: 0.00001, ...options });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  return { simulator, api: jsonClient<Json>(running.url, { 'x-api-key': LOOP_DEMO_API_KEY }) };
}

async function startReceiver() {
  const receiver = await startWebhookReceiver<Json>();
  closeLater(receiver.close);
  return receiver;
}

describe('Loop simulator: appointments and offers', () => {
  it('creates viewings and offers through /_sim (201 with the id), refusing a body without a contact (400)', async () => {
    const { simulator, api } = await start();
    const contactId = simulator.contactIds()[0]!;
    const viewing = await api('/_sim/appointments', { method: 'POST', json: { contactId, type: 'viewing' } });
    expect(viewing.status).toBe(201);
    expect(typeof viewing.body.id).toBe('string');
    const offer = await api('/_sim/offers', {
      method: 'POST',
      json: { contactId, type: 'sale', amount: 350_000 },
    });
    expect(offer.status).toBe(201);
    expect(typeof offer.body.id).toBe('string');
    expect((await api('/_sim/appointments', { method: 'POST', json: {} })).status).toBe(400);
  });

  it('updates appointments and offers through /_sim (204), naming an unknown one in a 404 and refusing a bad status (400)', async () => {
    const { simulator, api } = await start();
    const contactId = simulator.contactIds()[0]!;
    const viewing = simulator.controls.createAppointment({ contactId, type: 'viewing' });
    const offer = simulator.controls.createOffer({ contactId, type: 'sale' });
    const patch = (path: string, json: Json) => api(`/_sim/${path}`, { method: 'PATCH', json });
    expect((await patch(`appointments/${viewing}`, { status: 'completed' })).status).toBe(204);
    expect((await patch(`offers/${offer}`, { status: 'accepted', amount: 360_000 })).status).toBe(204);
    expect((await api(`/v1/appointments/${viewing}`)).body.status).toBe('completed');
    expect((await api(`/v1/offers/${offer}`)).body).toMatchObject({ status: 'accepted', amount: 360_000 });
    const missing = await patch('offers/nope', { status: 'accepted' });
    expect(missing).toMatchObject({ status: 404, body: { error: 'offer nope not found' } });
    expect((await patch('appointments/nope', { status: 'completed' })).body).toEqual({
      error: 'appointment nope not found',
    });
    expect((await patch(`appointments/${viewing}`, { status: 'lost' })).status).toBe(400);
  });

  it('lists seeded viewings, valuations and offers, and those created through the control surface', async () => {
    const { simulator, api } = await start({ contactCount: 300 });
    const viewings = await api('/v1/appointments?type=viewing&pageSize=100');
    const valuations = await api('/v1/appointments?type=valuation&pageSize=100');
    const offers = await api('/v1/offers?pageSize=100');
    expect(viewings.body.totalCount).toBeGreaterThan(0);
    expect(valuations.body.totalCount).toBeGreaterThan(0);
    expect(offers.body.totalCount).toBeGreaterThan(0);
    expect(viewings.body.results[0]).toMatchObject({
      type: 'viewing',
      contactRole: 'applicant',
      property: { id: expect.any(String) },
    });

    const applicant = simulator
      .contactIds()
      .find((id) => (simulator.getContact(id)!.applicantProfiles as Json[]).length > 0)!;
    const appointmentId = simulator.controls.createAppointment({ contactId: applicant });
    const offerId = simulator.controls.createOffer({ contactId: applicant, amount: 410_000, type: 'sale' });
    const mine = await api(`/v1/appointments?contactId=${applicant}`);
    expect(mine.body.results.map((appointment: Json) => appointment.id)).toContain(appointmentId);
    expect((await api(`/v1/offers/${offerId}`)).body).toMatchObject({
      amount: 410_000,
      status: 'submitted',
      contactId: applicant,
    });
    expect((await api('/v1/appointments?status=lost')).status).toBe(400);
  });

  it('lists appointments and offers changed since a time, oldest change first, and announces each change', async () => {
    const { simulator, api } = await start();
    const receiver = await startReceiver();
    await api('/v1/webhooks', {
      method: 'POST',
      json: { url: receiver.url, events: ['appointment.updated', 'offer.updated'] },
    });
    const contactId = simulator.contactIds()[5]!;
    const [first, second] = [1, 2].map(() =>
      simulator.controls.createAppointment({ contactId, type: 'viewing' }),
    );
    const offer = simulator.controls.createOffer({ contactId, type: 'sale' });
    simulator.controls.advanceClock(5_000);
    const since = new Date(simulator.clock.now()).toISOString();
    simulator.controls.advanceClock(1_000);
    simulator.controls.updateOffer(offer, { status: 'accepted' });
    simulator.controls.updateAppointment(second!, 'completed');
    simulator.controls.advanceClock(1_000);
    simulator.controls.updateAppointment(first!, 'cancelled');
    const delta = `updatedSince=${since}&sort=updatedAt`;
    const appointments = await api(`/v1/appointments?${delta}`);
    expect(appointments.body).toMatchObject({
      totalCount: 2,
      results: [
        { id: second, status: 'completed' },
        { id: first, status: 'cancelled' },
      ],
    });
    const offers = await api(`/v1/offers?${delta}&updatedUntil=${since}`);
    expect(offers.body).toMatchObject({ totalCount: 0, results: [] });
    const changed = await api(`/v1/offers?${delta}`);
    expect(changed.body.results).toEqual([expect.objectContaining({ id: offer, status: 'accepted' })]);
    await simulator.webhooksIdle();
    expect(receiver.deliveries.map((delivery) => [delivery.body.type, delivery.body.data.id])).toEqual([
      ['offer.updated', offer],
      ['appointment.updated', second],
      ['appointment.updated', first],
    ]);
  });

  it('seeds one hot lead: a buying applicant with a viewing completed and an offer made in the last few days', async () => {
    const seeded = async () => {
      const { simulator, api } = await start();
      const recent = new Date(simulator.clock.now() - 5 * 86_400_000).toISOString();
      const viewings = await api(
        `/v1/appointments?type=viewing&status=completed&updatedSince=${recent}&pageSize=100`,
      );
      const offers = await api(`/v1/offers?status=submitted&updatedSince=${recent}&pageSize=100`);
      const offered = new Set(offers.body.results.map((offer: Json) => offer.contactId));
      const hot = viewings.body.results.filter((viewing: Json) => offered.has(viewing.contactId));
      return { simulator, hot };
    };
    const { simulator, hot } = await seeded();
    expect(hot).toHaveLength(1);
    const contact = simulator.getContact(hot[0].contactId)!;
    expect(contact).toMatchObject({
      archived: false,
      applicantProfiles: expect.arrayContaining([expect.objectContaining({ intent: 'buy' })]),
    });
    expect((await seeded()).hot).toEqual(hot);
  });
});
