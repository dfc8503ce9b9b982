import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { closeAfterEach, startWebhookReceiver } from '../toolkit/simulator-testing.ts';
import {
  STREET_API_BASE_PATH,
  STREET_DEMO_API_TOKEN,
  STREET_MEDIA_TYPE,
  STREET_RATE_LIMITS,
} from './street-constants.ts';
import {
  createStreetSimulator,
  type StreetSimulator,
  type StreetSimulatorOptions,
} from './street-simulator.ts';

type Json = Record<string, any>;

const closeLater = closeAfterEach();

/** A small Street client: bearer token, JSON:API media type both ways. */
function apiClient(base: string, token: string = STREET_DEMO_API_TOKEN.apiToken) {
  return (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const { json, ...rest } = init;
    return fetch(`${base}${path}`, {
      ...rest,
      headers: {
        authorization: `Bearer ${token}`,
        accept: STREET_MEDIA_TYPE,
        ...(json === undefined ? {} : { 'content-type': STREET_MEDIA_TYPE }),
        ...(init.headers as Record<string, string> | undefined),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
}

async function connect(options: StreetSimulatorOptions = {}) {
  const simulator = createStreetSimulator({ contactCount: 120, webhookRetryScale: 0.00001, ...options });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  const base = `${running.url}${STREET_API_BASE_PATH}`;
  return { simulator, url: running.url, base, api: apiClient(base) };
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

function expectJsonApiError(body: Json, status: number): void {
  expect(body.errors[0]).toMatchObject({ status: String(status), title: expect.any(String) });
}

async function startReceiver(status = 204) {
  const receiver = await startWebhookReceiver(() => status);
  closeLater(receiver.close);
  return receiver;
}

describe('Street simulator: authentication', () => {
  it('accepts the long-lived bearer token and refuses missing, unknown and revoked ones with 401', async () => {
    const { simulator, base, api } = await connect();
    expect((await api('/people?page[size]=1')).status).toBe(200);

    const missing = await fetch(`${base}/people`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain(STREET_MEDIA_TYPE);
    expectJsonApiError(await json(missing), 401);
    expect((await apiClient(base, `${STREET_DEMO_API_TOKEN.apiToken}x`)('/people')).status).toBe(401);

    simulator.controls.revokeToken(STREET_DEMO_API_TOKEN.tokenId);
    const revoked = await api('/people');
    expect(revoked.status).toBe(401);
    expect((await json(revoked)).errors[0].detail).toMatch(/revoked/);
    simulator.controls.restoreToken(STREET_DEMO_API_TOKEN.tokenId);
    expect((await api('/people')).status).toBe(200);
  });

  it('speaks JSON:API only: wrong Accept is 406, wrong Content-Type on a write is 415', async () => {
    const { simulator, api } = await connect();
    expect((await api('/people', { headers: { accept: 'text/html' } })).status).toBe(406);
    const id = simulator.contactIds()[0]!;
    const wrongType = await api(`/people/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { type: 'person', id, attributes: { title: 'Dr' } } }),
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('Street simulator: people', () => {
  it('pages with page[number] and page[size], meta.pagination and links, next absent on the last page', async () => {
    const { simulator, api } = await connect();
    const seen: string[] = [];
    let path: string | null = '/people?page[size]=25';
    let pages = 0;
    let last: Json = {};
    while (path !== null) {
      const response: Response = await api(path);
      expect(response.status).toBe(200);
      last = await json(response);
      pages++;
      seen.push(...last.data.map((person: Json) => person.id as string));
      expect(last.meta.pagination).toMatchObject({
        total: 120,
        per_page: 25,
        current_page: pages,
        total_pages: 5,
        count: last.data.length,
      });
      path = last.links.next
        ? (last.links.next as string).slice((last.links.next as string).indexOf('/people'))
        : null;
    }
    expect(pages).toBe(5);
    expect(last.links.next).toBeUndefined();
    expect(last.links.prev).toContain('page%5Bnumber%5D=4');
    expect(seen).toEqual(simulator.contactIds());
    // page[size] above the maximum is capped at 100, not refused.
    expect((await json(await api('/people?page[size]=500'))).meta.pagination.per_page).toBe(100);
    expect((await api('/people?page[number]=0')).status).toBe(400);
  });

  it('returns the documented person attributes, applicants on include, and 404 for unknown ids', async () => {
    const { simulator, api } = await connect();
    const person = simulator.people().find((candidate) => candidate.roles.includes('buyerApplicant'))!;
    const id = simulator.contactIds()[person.index]!;
    const document = await json(await api(`/people/${id}?include=applicants`));
    expect(Object.keys(document.data.attributes)).toEqual(
      expect.arrayContaining([
        'title',
        'first_name',
        'last_name',
        'full_name',
        'address',
        'telephone_numbers',
        'email_addresses',
        'marketing_consent',
        'contact_preferences',
        'statuses',
        'created_at',
        'updated_at',
      ]),
    );
    expect(document.data.attributes.address).toMatchObject({ postcode: person.postcode });
    expect(String(document.data.attributes.address.udprn)).toMatch(/^(\d{8}|null)$/);
    expect(document.data.attributes.telephone_numbers[0]).toMatchObject({
      value: expect.stringMatching(/^\+44/),
      primary: true,
    });
    expect(document.data.attributes.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(document.included.map((resource: Json) => resource.attributes.applicant_type)).toContain('sales');
    expect((await api('/people/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('filters by updated_from / updated_to inclusively, sorted by updated_at, and refuses bad dates and unknown filters', async () => {
    const { simulator, api } = await connect({ now: () => Date.parse('2025-03-03T09:00:00Z') });
    simulator.controls.advanceClock(60_000);
    const since = new Date(simulator.clock.now()).toISOString();
    const changed = simulator.controls.modifyPeople({ count: 4, randomChange: true });
    const delta = await json(
      await api(`/people?sort=updated_at&filter[updated_from]=${encodeURIComponent(since)}`),
    );
    expect(new Set(delta.data.map((person: Json) => person.id))).toEqual(new Set(changed));
    const updated = delta.data.map((person: Json) => Date.parse(person.attributes.updated_at as string));
    expect(updated).toEqual([...updated].sort((a, b) => a - b));
    // Inclusive upper bound: a window ending exactly at the change still holds it.
    const until = await json(
      await api(
        `/people?filter[updated_from]=${encodeURIComponent(since)}&filter[updated_to]=${encodeURIComponent(since)}`,
      ),
    );
    expect(until.meta.pagination.total).toBe(4);
    expect((await api('/people?filter[updated_from]=yesterday')).status).toBe(400);
    expect((await api('/people?filter[updated_from]=2024-01-01T10:00:00 01:00')).status).toBe(400);
    expect((await api('/people?filter[shoe_size]=9')).status).toBe(400);
  });

  it('finds people by email (any case) and by full international number', async () => {
    const { simulator, api } = await connect();
    const person = simulator.getPerson(simulator.contactIds()[7]!)!;
    const attributes = person.attributes as Json;
    const email = (attributes.email_addresses[0].value as string).toUpperCase();
    const byEmail = await json(
      await api(`/people?filter[email_address]=${encodeURIComponent(` ${email} `)}`),
    );
    expect(byEmail.data.map((found: Json) => found.id)).toContain(person.id);
    const phone = attributes.telephone_numbers[0].value as string;
    const byPhone = await json(await api(`/people?filter[telephone_number]=${encodeURIComponent(phone)}`));
    expect(byPhone.data.map((found: Json) => found.id)).toContain(person.id);
    expect((await api('/people?filter[telephone_number]=07700900123')).status).toBe(400);
  });

  it('PATCH changes only the attributes sent, bumps updated_at, and answers 422 and 409 as JSON:API', async () => {
    const { simulator, api } = await connect();
    const id = simulator.contactIds()[3]!;
    const before = simulator.getPerson(id)!.attributes as Json;
    simulator.controls.advanceClock(5_000);
    const patched = await api(`/people/${id}`, {
      method: 'PATCH',
      json: {
        data: {
          type: 'person',
          id,
          attributes: { title: 'Dr', telephone_numbers: [{ value: '+447700900555' }] },
        },
      },
    });
    expect(patched.status).toBe(200);
    const after = (await json(patched)).data.attributes as Json;
    expect(after).toMatchObject({
      title: 'Dr',
      first_name: before.first_name,
      last_name: before.last_name,
      email_addresses: before.email_addresses,
    });
    expect(after.telephone_numbers).toEqual([{ value: '+447700900555', notes: null, primary: true }]);
    expect(Date.parse(after.updated_at as string)).toBeGreaterThan(Date.parse(before.updated_at as string));

    const invalid = await api(`/people/${id}`, {
      method: 'PATCH',
      json: {
        data: {
          type: 'person',
          id,
          attributes: { telephone_numbers: [{ value: '07700 900555' }], first_name: '' },
        },
      },
    });
    expect(invalid.status).toBe(422);
    const pointers = (await json(invalid)).errors.map((error: Json) => error.source.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining(['/data/attributes/telephone_numbers/0/value', '/data/attributes/first_name']),
    );
    const mismatch = await api(`/people/${id}`, {
      method: 'PATCH',
      json: { data: { type: 'people', id, attributes: {} } },
    });
    expect(mismatch.status).toBe(409);
    const stale = await api(`/people/${id}`, {
      method: 'PATCH',
      json: {
        data: { type: 'person', id, attributes: { title: 'Prof' }, meta: { updated_at: before.updated_at } },
      },
    });
    expect(stale.status).toBe(409);
    expect((await json(stale)).errors[0].code).toBe('stale_record');
  });

  it('soft-deletes people: gone from lists and GET, back with filter[trashed]', async () => {
    const { simulator, api } = await connect();
    const id = simulator.contactIds()[10]!;
    simulator.controls.trashPerson(id);
    expect((await api(`/people/${id}`)).status).toBe(404);
    expect((await json(await api('/people'))).meta.pagination.total).toBe(119);
    const trashed = await json(await api('/people?filter[trashed]=only'));
    expect(trashed.data.map((person: Json) => person.id)).toEqual([id]);
    expect(trashed.data[0].meta.deleted_at).toEqual(expect.any(String));
  });
});

describe('Street simulator: rate limits', () => {
  it('allows 600 GETs a minute per token, then 429 with Retry-After; the window rolls on', async () => {
    const { simulator, api } = await connect({ now: () => Date.parse('2025-03-03T09:00:00Z') });
    expect(STREET_RATE_LIMITS).toEqual({ readsPerMinute: 600, writesPerMinute: 100 });
    for (let batch = 0; batch < 12; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () => api('/people?page[size]=1').then((response) => response.status)),
      );
      expect(statuses.every((status) => status === 200)).toBe(true);
    }
    const limited = await api('/people?page[size]=1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(60);
    expectJsonApiError(await json(limited), 429);
    // Writes have their own budget: still allowed while reads are exhausted.
    const id = simulator.contactIds()[0]!;
    expect(
      (
        await api(`/people/${id}`, {
          method: 'PATCH',
          json: { data: { type: 'person', id, attributes: { title: 'Ms' } } },
        })
      ).status,
    ).toBe(200);
    simulator.controls.advanceClock(60_001);
    expect((await api('/people?page[size]=1')).status).toBe(200);
  });

  it('allows 100 writes a minute per token, then 429 with Retry-After, while GETs continue', async () => {
    const { simulator, api } = await connect({ now: () => Date.parse('2025-03-03T09:00:00Z') });
    const id = simulator.contactIds()[0]!;
    const note = (i: number) => ({
      data: {
        type: 'note',
        attributes: { body: `note ${i}` },
        relationships: { person: { data: { type: 'person', id } } },
      },
    });
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api('/notes', { method: 'POST', json: note(i) }).then((response) => response.status),
      ),
    );
    expect(statuses.every((status) => status === 201)).toBe(true);
    simulator.controls.advanceClock(20_000);
    const limited = await api('/notes', { method: 'POST', json: note(100) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(40);
    expect((await api('/people?page[size]=1')).status).toBe(200);
    expect(simulator.notes(id)).toHaveLength(100);
  });

  it('can be switched off for benchmarks', async () => {
    const { api } = await connect({ rateLimits: false, now: () => 0 });
    const statuses = await Promise.all(
      Array.from({ length: 700 }, () => api('/people?page[size]=1').then((response) => response.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('Street simulator: faults and request log', () => {
  it('fails the next N requests with a chosen status, then recovers', async () => {
    const { simulator, api } = await connect();
    simulator.faults.failNext(2, 503);
    expect((await api('/people')).status).toBe(503);
    expect((await api('/people')).status).toBe(503);
    expect((await api('/people')).status).toBe(200);
  });

  it('adds latency, drops connections, and injects a seeded error rate reproducibly', async () => {
    const { simulator, api } = await connect();
    simulator.controls.setFaults({ latencyMs: 150 });
    const started = performance.now();
    await api('/people?page[size]=1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    simulator.controls.clearFaults();
    simulator.faults.dropNext(1);
    await expect(api('/people')).rejects.toThrow();

    const draw = async () => {
      const { simulator: fresh, api: freshApi } = await connect({ seed: 7 });
      fresh.controls.setFaults({ errorRate: 0.5, errorStatuses: [500, 503] });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await freshApi('/people?page[size]=1')).status);
      return statuses;
    };
    const first = await draw();
    expect(first.some((status) => status !== 200)).toBe(true);
    expect(first.some((status) => status === 200)).toBe(true);
    expect(await draw()).toEqual(first);
  });

  it('logs method, path, query and status of each API call, never the token', async () => {
    const { simulator, api } = await connect();
    simulator.requestLog.clear();
    await api('/people?page[size]=2&filter[updated_from]=2024-01-01T00:00:00Z');
    const [entry] = simulator.requestLog.entries();
    expect(entry).toMatchObject({
      method: 'GET',
      path: `${STREET_API_BASE_PATH}/people`,
      query: { 'page[size]': '2', 'filter[updated_from]': '2024-01-01T00:00:00Z' },
      status: 200,
    });
    expect(JSON.stringify(simulator.requestLog.entries())).not.toContain(
      STREET_DEMO_API_TOKEN.apiToken.split('|')[1],
    );
  });
});

describe('Street simulator: notes (write-back)', () => {
  it('creates notes related to a person, lists them on the person, edits and pins them', async () => {
    const { simulator, api } = await connect();
    const id = simulator.contactIds()[5]!;
    const created = await api('/notes', {
      method: 'POST',
      json: {
        data: {
          type: 'note',
          attributes: { body: 'HOT LEAD since 2025-03-01', pinned: true },
          relationships: { person: { data: { type: 'person', id } } },
        },
      },
    });
    expect(created.status).toBe(201);
    const note = (await json(created)).data as Json;
    expect(created.headers.get('location')).toBe(note.links.self);
    expect(note).toMatchObject({
      type: 'note',
      attributes: { body: 'HOT LEAD since 2025-03-01', pinned_at: expect.any(String) },
      relationships: { person: { data: { type: 'person', id } } },
    });

    const person = await json(await api(`/people/${id}?include=notes`));
    expect(person.data.relationships.notes.data).toEqual([{ type: 'note', id: note.id }]);
    expect(person.included).toEqual([
      expect.objectContaining({
        id: note.id,
        attributes: expect.objectContaining({ body: 'HOT LEAD since 2025-03-01' }),
      }),
    ]);
    expect((await json(await api(`/people/${id}/notes`))).data.map((item: Json) => item.id)).toEqual([
      note.id,
    ]);

    const edited = await api(`/notes/${note.id}`, {
      method: 'PATCH',
      json: { data: { type: 'note', id: note.id, attributes: { body: 'Score 80', pinned: false } } },
    });
    expect(edited.status).toBe(200);
    expect((await json(edited)).data.attributes).toMatchObject({ body: 'Score 80', pinned_at: null });
    expect(simulator.notes(id)).toHaveLength(1);
  });

  it('refuses notes without a body or a valid person (422)', async () => {
    const { api } = await connect();
    const noBody = await api('/notes', {
      method: 'POST',
      json: {
        data: {
          type: 'note',
          attributes: {},
          relationships: { person: { data: { type: 'person', id: 'nobody' } } },
        },
      },
    });
    expect(noBody.status).toBe(422);
    const noPerson = await api('/notes', {
      method: 'POST',
      json: {
        data: {
          type: 'note',
          attributes: { body: 'x' },
          relationships: { person: { data: { type: 'person', id: '00000000-0000-4000-8000-000000000000' } } },
        },
      },
    });
    expect(noPerson.status).toBe(422);
  });
});

describe('Street simulator: webhooks', () => {
  it('registers through POST /webhooks, returns the secret once, and delivers Standard Webhooks signed with it', async () => {
    const { simulator, api } = await connect();
    const receiver = await startReceiver();
    const created = await api('/webhooks', {
      method: 'POST',
      json: { data: { type: 'webhook', attributes: { url: receiver.url, events: ['person.updated'] } } },
    });
    expect(created.status).toBe(201);
    const webhook = (await json(created)).data as Json;
    const secret = webhook.attributes.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(
      (await json(await api(`/webhooks/${webhook.id as string}`))).data.attributes.secret,
    ).toBeUndefined();

    const [id] = simulator.controls.modifyPeople({ count: 1, fields: { title: 'Sir' } });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(1);
    const [delivery] = receiver.deliveries;
    expect(delivery!.headers).toMatchObject({
      'webhook-id': expect.stringMatching(/^msg_/),
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,/),
    });
    expect(Math.abs(Number(delivery!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    // The reference library verifies it; a tampered body fails.
    expect(new Webhook(secret).verify(delivery!.rawBody, delivery!.headers)).toMatchObject({
      type: 'person.updated',
      data: { data: { id, attributes: { title: 'Sir' } } },
    });
    expect(() =>
      new Webhook(secret).verify(delivery!.rawBody.replace('Sir', 'Sid'), delivery!.headers),
    ).toThrow();

    expect((await api(`/webhooks/${webhook.id as string}`, { method: 'DELETE' })).status).toBe(204);
    simulator.controls.modifyPeople({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('retries failed deliveries on the scaled schedule (7 retries), keeping the webhook-id', async () => {
    const { simulator, api } = await connect();
    const failing = await startReceiver(500);
    await api('/webhooks', {
      method: 'POST',
      json: { data: { type: 'webhook', attributes: { url: failing.url, events: ['person.updated'] } } },
    });
    simulator.controls.modifyPeople({ count: 1 });
    await simulator.webhooksIdle();
    expect(failing.deliveries.length).toBe(8);
    expect(new Set(failing.deliveries.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
  });

  it('sends duplicated and out-of-order deliveries when the webhook faults ask for them', async () => {
    const { simulator, api } = await connect();
    const receiver = await startReceiver();
    await api('/webhooks', {
      method: 'POST',
      json: { data: { type: 'webhook', attributes: { url: receiver.url, events: ['person.updated'] } } },
    });
    simulator.controls.setWebhookFaults({ duplicateRate: 1 });
    simulator.controls.modifyPeople({ count: 2 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(4);
    const ids = receiver.deliveries.map((delivery) => delivery.headers['webhook-id']);
    expect(new Set(ids).size).toBe(2);

    receiver.deliveries.length = 0;
    simulator.controls.setWebhookFaults({ duplicateRate: 0, outOfOrderRate: 0.5, outOfOrderDelayMs: 100 });
    const changed = simulator.controls.modifyPeople({ count: 6 });
    await simulator.webhooksIdle();
    expect(new Set(receiver.deliveries.map((delivery) => delivery.body.data.data.id))).toEqual(
      new Set(changed),
    );
    expect(receiver.deliveries.map((delivery) => delivery.body.data.data.id)).not.toEqual(changed);
  });

  it('signs test deliveries for receivers, stale ones included', () => {
    const simulator: StreetSimulator = createStreetSimulator({ contactCount: 5 });
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const id = simulator.contactIds()[0]!;
    const fresh = simulator.signedPersonWebhook({ personId: id, secret });
    expect(new Webhook(secret).verify(fresh.rawBody.toString(), fresh.headers)).toMatchObject({
      type: 'person.updated',
    });
    const stale = simulator.signedPersonWebhook({ personId: id, secret, timestampOffsetSeconds: -600 });
    expect(() => new Webhook(secret).verify(stale.rawBody.toString(), stale.headers)).toThrow();
  });
});
