import { describe, expect, it } from 'vitest';
import { closeAfterEach, startWebhookReceiver } from '../toolkit/simulator-testing.ts';
import { STREET_API_BASE_PATH, STREET_DEMO_API_TOKEN, STREET_MEDIA_TYPE } from './street-constants.ts';
import { createStreetSimulator, type StreetSimulatorOptions } from './street-simulator.ts';

type Json = Record<string, any>;

const closeLater = closeAfterEach();

async function connect(options: StreetSimulatorOptions = {}) {
  const simulator = createStreetSimulator({ contactCount: 120, webhookRetryScale: 0.00001, ...options });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  const base = `${running.url}${STREET_API_BASE_PATH}`;
  const headers = { authorization: `Bearer ${STREET_DEMO_API_TOKEN.apiToken}`, accept: STREET_MEDIA_TYPE };
  const api = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json: body, ...rest } = init;
    return fetch(`${base}${path}`, {
      ...rest,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': STREET_MEDIA_TYPE }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  };
  return { simulator, api };
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

async function startReceiver() {
  const receiver = await startWebhookReceiver(() => 204);
  closeLater(receiver.close);
  return receiver;
}

describe('Street simulator: activities', () => {
  it('serves viewings, valuations and offers with status filters, paging and the people behind them', async () => {
    const { api } = await connect({ contactCount: 400 });
    const viewings = await json(
      await api('/viewings?filter[status]=completed&include=applicant.people&page[size]=10'),
    );
    expect(viewings.data.length).toBeGreaterThan(0);
    for (const viewing of viewings.data) expect(viewing.attributes.status).toBe('completed');
    expect(viewings.included.some((resource: Json) => resource.type === 'person')).toBe(true);
    expect((await api('/viewings?filter[status]=exploded')).status).toBe(400);
    // Cancelled appointments are left out unless asked for.
    const statusesOf = async (query: string) =>
      new Set(
        ((await json(await api(`/viewings?page[size]=100${query}`))).data as Json[]).map(
          (viewing) => viewing.attributes.status,
        ),
      );
    expect(await statusesOf('')).not.toContain('cancelled');
    expect(await statusesOf('&filter[cancelled]=only')).toEqual(new Set(['cancelled']));
    expect(await statusesOf('&filter[cancelled]=with')).toContain('cancelled');
    expect((await api('/viewings?filter[cancelled]=maybe')).status).toBe(400);
    const valuations = await json(await api('/valuations?include=owner.people'));
    expect(valuations.data[0]).toMatchObject({
      type: 'valuation',
      relationships: { owner: { data: { type: 'owner' } } },
    });
    for (const path of ['/sales-offers', '/lettings-offers']) {
      const offers = await json(await api(path));
      expect(offers.meta.pagination.total).toBeGreaterThan(0);
    }
  });
});

describe('Street simulator: activity deltas', () => {
  it('lists activities changed in an updated range, oldest first; a status change moves updated_at and sends <kind>.updated', async () => {
    const { simulator, api } = await connect({ now: () => Date.parse('2025-03-03T09:00:00Z') });
    const receiver = await startReceiver();
    await api('/webhooks', {
      method: 'POST',
      json: { data: { type: 'webhook', attributes: { url: receiver.url, events: ['viewing.updated'] } } },
    });
    const personId =
      simulator.contactIds()[
        simulator.people().findIndex((person) => person.roles.includes('buyerApplicant'))
      ]!;
    const viewingId = simulator.controls.createViewing({ personId, kind: 'sales' });
    const offerId = simulator.controls.createOffer({ personId, kind: 'sales' });
    simulator.controls.advanceClock(60_000);
    const since = new Date(simulator.clock.now()).toISOString();
    const range = `filter[updated_from]=${encodeURIComponent(since)}&sort=updated_at`;
    expect((await json(await api(`/viewings?${range}`))).data).toEqual([]);
    simulator.controls.setViewingStatus(viewingId, 'completed');
    simulator.controls.advanceClock(1_000);
    simulator.controls.setOfferStatus(offerId, 'accepted');
    const viewings = await json(await api(`/viewings?${range}&include=applicant`));
    expect(viewings.data.map((viewing: Json) => [viewing.id, viewing.attributes.status])).toEqual([
      [viewingId, 'completed'],
    ]);
    expect(viewings.data[0].attributes.updated_at).toBe(since.replace(/Z$/, '000Z'));
    expect(viewings.included[0].relationships.people.data[0].id).toBe(personId);
    const offers = await json(await api(`/sales-offers?${range}`));
    expect(offers.data.map((offer: Json) => offer.attributes.status)).toEqual(['accepted']);
    // Inclusive upper bound: a range ending before the offer's change leaves it out.
    const beforeOffer = await json(
      await api(`/sales-offers?${range}&filter[updated_to]=${encodeURIComponent(since)}`),
    );
    expect(beforeOffer.meta.pagination.total).toBe(0);
    await simulator.webhooksIdle();
    expect(receiver.deliveries.map((delivery) => JSON.parse(delivery.rawBody).type)).toEqual([
      'viewing.updated',
    ]);
  });

  it('seeds, from the seed alone, a hot lead: a completed viewing and an offer within the last days', async () => {
    const { simulator, api } = await connect();
    const personId = simulator.plantedHotLead();
    expect(personId).not.toBeNull();
    expect(createStreetSimulator({ contactCount: 120 }).plantedHotLead()).toBe(personId);
    const recent = (resource: Json) =>
      Date.now() - Date.parse(resource.attributes.updated_at as string) < 4 * 86_400_000;
    const mine = async (path: string) => {
      const page = await json(await api(`${path}?include=applicant.people&sort=-updated_at&page[size]=100`));
      const applicants = new Set(
        (page.included as Json[])
          .filter(
            (resource) =>
              resource.type === 'applicant' && resource.relationships.people.data[0].id === personId,
          )
          .map((resource) => resource.id as string),
      );
      return (page.data as Json[]).filter(
        (resource) => recent(resource) && applicants.has(resource.relationships.applicant.data.id as string),
      );
    };
    expect((await mine('/viewings')).map((viewing) => viewing.attributes.status)).toContain('completed');
    expect((await mine('/sales-offers')).map((offer) => offer.attributes.status)).toContain('pending');
  });
});
