import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closeAfterEach, startWebhookReceiver } from '../toolkit/simulator-testing.ts';
import { ALTO_DEMO_CLIENT, ALTO_RATE_LIMITS, type AltoIntegration } from './alto-constants.ts';
import { createAltoSimulator, type AltoSimulator, type AltoSimulatorOptions } from './alto-simulator.ts';

type Json = Record<string, any>;

const closeLater = closeAfterEach();

async function start(options: AltoSimulatorOptions = {}): Promise<{ simulator: AltoSimulator; url: string }> {
  const simulator = createAltoSimulator({ contactCount: 300, webhookRetryScale: 0.00001, ...options });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  return { simulator, url: running.url };
}

function requestToken(
  url: string,
  client: Pick<AltoIntegration, 'clientId' | 'clientSecret'> = ALTO_DEMO_CLIENT,
): Promise<Response> {
  return fetch(`${url}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

async function tokenFor(url: string): Promise<string> {
  const response = await requestToken(url);
  expect(response.status).toBe(200);
  return ((await response.json()) as Json).access_token as string;
}

/** A small Alto client: bearer token and AgencyRef on every call. */
function apiClient(url: string, token: string, agencyRef = ALTO_DEMO_CLIENT.agencyRefs[0]!) {
  return (
    path: string,
    init: RequestInit & { json?: unknown; contentType?: string } = {},
  ): Promise<Response> => {
    const { json, contentType, ...rest } = init;
    return fetch(`${url}${path}`, {
      ...rest,
      headers: {
        authorization: `Bearer ${token}`,
        agencyref: agencyRef,
        ...(json === undefined ? {} : { 'content-type': contentType ?? 'application/json' }),
        ...(init.headers as Record<string, string> | undefined),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
}

async function connect(options: AltoSimulatorOptions = {}) {
  const { simulator, url } = await start(options);
  return { simulator, url, api: apiClient(url, await tokenFor(url)) };
}

/** Pages a list (`/contacts/all` unless told) to the end with `next-token`, returning every item. */
async function listAll(
  api: ReturnType<typeof apiClient>,
  query: string,
  path = '/contacts/all',
): Promise<{ items: Json[]; pages: number }> {
  const items: Json[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const response = await api(`${path}?${query}${token ? `&next-token=${encodeURIComponent(token)}` : ''}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    items.push(...(body.items as Json[]));
    token = body.meta.nextToken as string | null;
    pages++;
  } while (token);
  return { items, pages };
}

describe('Alto simulator: authentication', () => {
  it('issues expiring bearer tokens for Basic client credentials and refuses bad clients', async () => {
    const { simulator, url } = await start({ tokenLifetimeSeconds: 60 });
    const good = await requestToken(url);
    expect(good.status).toBe(200);
    const body = (await good.json()) as Json;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
    expect(String(body.access_token).split('.')).toHaveLength(3);

    const bad = await requestToken(url, { clientId: ALTO_DEMO_CLIENT.clientId, clientSecret: 'wrong' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });

    const api = apiClient(url, body.access_token as string);
    expect((await api('/contacts/all?max-results=1')).status).toBe(200);
    simulator.controls.advanceClock(61_000);
    const expired = await api('/contacts/all?max-results=1');
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as Json).detail).toMatch(/expired/);
  });

  it('requires the AgencyRef header of an agency the integration is activated for', async () => {
    const { url } = await start();
    const token = await tokenFor(url);
    const missing = await fetch(`${url}/contacts/all`, { headers: { authorization: `Bearer ${token}` } });
    expect(missing.status).toBe(403);
    expect(
      (await apiClient(url, token, '00000000-0000-0000-0000-000000000000')('/contacts/all')).status,
    ).toBe(403);
    expect(
      (await fetch(`${url}/contacts/all`, { headers: { agencyref: ALTO_DEMO_CLIENT.agencyRefs[0]! } }))
        .status,
    ).toBe(401);
  });

  it('rejects a revoked client, its existing tokens included, until restored', async () => {
    const { simulator, url, api } = await connect();
    simulator.controls.revokeClient(ALTO_DEMO_CLIENT.clientId);
    expect((await api('/contacts/all')).status).toBe(401);
    expect((await requestToken(url)).status).toBe(401);
    simulator.controls.restoreClient(ALTO_DEMO_CLIENT.clientId);
    expect((await api('/contacts/all')).status).toBe(200);
  });
});

function revoke(
  url: string,
  form: Record<string, string>,
  client: Pick<AltoIntegration, 'clientId' | 'clientSecret'> = ALTO_DEMO_CLIENT,
): Promise<Response> {
  return fetch(`${url}/revoke`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
}

describe('Alto simulator: token revocation (RFC 7009)', () => {
  const otherClient: AltoIntegration = {
    ...ALTO_DEMO_CLIENT,
    clientId: 'other-partner',
    clientSecret: 'other-secret',
    integrationId: 'other-integration',
  };

  async function tokenStats(url: string): Promise<Json> {
    const response = await fetch(`${url}/_sim/tokens`);
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  }

  it('revokes one access token: it then gets 401, the client’s other tokens keep working', async () => {
    const { simulator, url } = await start({ rateLimits: false });
    const [first, second] = [await tokenFor(url), await tokenFor(url)];
    expect(await tokenStats(url)).toEqual({ activeAccessTokens: 2, revokedTokens: 0 });

    const revoked = await revoke(url, { token: first, token_type_hint: 'access_token' });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toBe('');

    const refused = await apiClient(url, first)('/contacts/all?max-results=1');
    expect(refused.status).toBe(401);
    const unknown = await apiClient(url, 'not.a.token')('/contacts/all?max-results=1');
    expect(unknown.status).toBe(401);
    expect(await refused.json()).toEqual(await unknown.json());
    expect((await apiClient(url, second)('/contacts/20000001')).status).toBe(200);

    expect(await tokenStats(url)).toEqual({ activeAccessTokens: 1, revokedTokens: 1 });
    expect(simulator.tokenStats()).toEqual({ activeAccessTokens: 1, revokedTokens: 1 });

    // Again, or an unknown token: 200 and nothing changes.
    const again = await revoke(url, { token: first });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('');
    expect((await revoke(url, { token: 'whatever' })).status).toBe(200);
    expect(simulator.tokenStats()).toEqual({ activeAccessTokens: 1, revokedTokens: 1 });

    expect(simulator.requestLog.entries({ method: 'POST', path: '/revoke' }).map((e) => e.status)).toEqual([
      200, 200, 200,
    ]);
  });

  it('refuses a request without token (400) or with a bad client (401, as /token does)', async () => {
    const { simulator, url } = await start();
    const token = await tokenFor(url);

    const missing = await revoke(url, { token_type_hint: 'access_token' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: 'invalid_request',
      error_description: expect.any(String),
    });

    const badClient = { clientId: ALTO_DEMO_CLIENT.clientId, clientSecret: 'wrong' };
    const badRevoke = await revoke(url, { token }, badClient);
    const badToken = await requestToken(url, badClient);
    expect(badRevoke.status).toBe(401);
    expect(badToken.status).toBe(401);
    expect(await badRevoke.json()).toEqual(await badToken.json());
    const noAuth = await fetch(`${url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: 'invalid_client' });

    expect((await apiClient(url, token)('/contacts/all?max-results=1')).status).toBe(200);
    expect(simulator.tokenStats()).toEqual({ activeAccessTokens: 1, revokedTokens: 0 });
  });

  it('answers 200 and revokes nothing for a token issued to another client', async () => {
    const { simulator, url } = await start({ integrations: [ALTO_DEMO_CLIENT, otherClient] });
    const token = await tokenFor(url);
    const response = await revoke(url, { token }, otherClient);
    expect(response.status).toBe(200);
    expect((await apiClient(url, token)('/contacts/all?max-results=1')).status).toBe(200);
    expect(simulator.tokenStats()).toEqual({ activeAccessTokens: 1, revokedTokens: 0 });
  });

  it('counts only unexpired tokens as active, and reset clears the counts', async () => {
    const { simulator, url } = await start({ tokenLifetimeSeconds: 60 });
    const token = await tokenFor(url);
    await tokenFor(url);
    expect((await revoke(url, { token })).status).toBe(200);
    simulator.controls.advanceClock(61_000);
    expect(await tokenStats(url)).toEqual({ activeAccessTokens: 0, revokedTokens: 1 });
    simulator.controls.reset();
    expect(await tokenStats(url)).toEqual({ activeAccessTokens: 0, revokedTokens: 0 });
  });
});

describe('Alto simulator: contacts', () => {
  it('pages every contact by next-token, oldest modification first, without repeats', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const { items, pages } = await listAll(api, 'max-results=40');
    expect(pages).toBe(Math.ceil(300 / 40));
    expect(items.map((item) => item.id).sort()).toEqual([...simulator.contactIds()].sort());
    const times = items.map((item) => Date.parse(String(item.modifiedAt).replace(/(\.\d{3})\d+/, '$1')));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(items[0]).toMatchObject({
      modifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/),
      createdAt: expect.any(String),
      isActive: expect.any(Boolean),
      contactInformation: [
        expect.objectContaining({ foreName: expect.any(String), surname: expect.any(String) }),
      ],
    });

    const first = (await (await api('/contacts/all')).json()) as Json;
    expect(first.items).toHaveLength(50);
    expect((await api('/contacts/all?max-results=251')).status).toBe(400);
  });

  it('filters by modified-from/-to inclusively, and ties next-token to its filters', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const since = new Date(simulator.clock.now()).toISOString();
    const changed = simulator.controls.modifyContacts({ count: 7, randomChange: true });
    const { items } = await listAll(api, `max-results=3&modified-from=${encodeURIComponent(since)}`);
    expect(items.map((item) => item.id).sort()).toEqual([...changed].sort());

    const page = (await (
      await api(`/contacts/all?max-results=3&modified-from=${encodeURIComponent(since)}`)
    ).json()) as Json;
    const reused = await api(
      `/contacts/all?max-results=3&next-token=${encodeURIComponent(page.meta.nextToken as string)}`,
    );
    expect(reused.status).toBe(400);
    expect((await api('/contacts/all?modified-from=yesterday')).status).toBe(400);
  });

  it('reads full contacts singly and in batches, and patches people with JSON Patch only', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const [a, b] = simulator.contactIds();
    const batch = (await (await api(`/contacts?id=${a}&id=${b}`)).json()) as Json[];
    expect(batch.map((contact) => contact.id)).toEqual([a, b]);
    expect(batch[0]).toMatchObject({
      address: expect.objectContaining({ postcode: expect.any(String) }),
      people: expect.any(Array),
    });

    const patch = [{ op: 'replace', path: '/Title', value: 'Dr' }];
    expect((await api(`/contacts/${a}/persons/1`, { method: 'PATCH', json: patch })).status).toBe(415);
    const before = simulator.getContact(a!)!.modifiedDate as string;
    const patched = await api(`/contacts/${a}/persons/1`, {
      method: 'PATCH',
      json: patch,
      contentType: 'application/json-patch+json',
    });
    expect(patched.status).toBe(200);
    const after = simulator.getContact(a!)!;
    expect((after.people as Json[])[0]!.title).toBe('Dr');
    expect(String(after.modifiedDate) > before).toBe(true);
  });

  it('answers a duplicate POST /contacts with 409 and the existing contact in Location', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const existing = simulator.getContact(simulator.contactIds()[0]!)!;
    const person = (existing.people as Json[])[0]!;
    const response = await api('/contacts', {
      method: 'POST',
      json: {
        branchId: '2681',
        people: [
          {
            surname: person.surname,
            emailAddresses: [{ address: String(person.emailAddresses[0].address).toUpperCase() }],
          },
        ],
      },
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('location')).toContain(`/contacts/${existing.id}`);
  });
});

describe('Alto simulator: rate limits', () => {
  it(`answers 429 with Retry-After past ${ALTO_RATE_LIMITS.requestsPerSecond} requests a second`, async () => {
    const { api } = await connect();
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < ALTO_RATE_LIMITS.requestsPerSecond + 1; i++) {
      const response = await api('/contacts/all?max-results=1');
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.slice(0, ALTO_RATE_LIMITS.requestsPerSecond).every((status) => status === 200)).toBe(
      true,
    );
    expect(statuses.at(-1)).toBe(429);
    expect(limited!.headers.get('retry-after')).toBe('1');
    expect(((await limited!.json()) as Json).detail).toMatch(/requests per second/);
  });

  it(`answers 429 past ${ALTO_RATE_LIMITS.maxConcurrent} requests in flight`, async () => {
    const { simulator, api } = await connect();
    simulator.controls.setFaults({ latencyMs: 150 });
    const statuses = await Promise.all(
      Array.from({ length: ALTO_RATE_LIMITS.maxConcurrent + 1 }, () =>
        api('/contacts/all?max-results=1').then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(ALTO_RATE_LIMITS.maxConcurrent);
    expect(statuses.filter((status) => status === 429)).toHaveLength(1);
  });

  it('can be switched off for benchmarks', async () => {
    const { api } = await connect({ rateLimits: false });
    for (let i = 0; i < 25; i++) expect((await api('/contacts/all?max-results=1')).status).toBe(200);
  });
});

describe('Alto simulator: faults and request log', () => {
  it('injects specific statuses, a reproducible error rate and latency', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    simulator.faults.failNext(2, 503);
    expect((await api('/contacts/all')).status).toBe(503);
    expect((await api('/contacts/all')).status).toBe(503);
    expect((await api('/contacts/all')).status).toBe(200);

    const run = async () => {
      simulator.controls.clearFaults();
      simulator.controls.setFaults({ errorRate: 0.5, errorStatuses: [500, 502] });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await api('/contacts/all?max-results=1')).status);
      return statuses;
    };
    const first = await run();
    expect(first.some((status) => status >= 500)).toBe(true);
    expect(first.some((status) => status === 200)).toBe(true);
    expect(await run()).toEqual(first);

    simulator.controls.clearFaults();
    simulator.controls.setFaults({ latencyMs: 120 });
    const startedAt = performance.now();
    await api('/contacts/all?max-results=1');
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(110);
  });

  it('logs method, path, query and status of API calls, never credentials', async () => {
    const { simulator, api, url } = await connect({ rateLimits: false });
    simulator.requestLog.clear();
    await api('/contacts/all?max-results=5&modified-from=2024-01-01T00:00:00Z');
    await fetch(`${url}/contacts/all?access_token=leak`, {
      headers: { agencyref: simulator.defaultAgencyRef },
    });
    const [list, leaked] = simulator.requestLog.entries();
    expect(list).toMatchObject({
      method: 'GET',
      path: '/contacts/all',
      status: 200,
      query: { 'max-results': '5', 'modified-from': '2024-01-01T00:00:00Z' },
    });
    expect(leaked).toMatchObject({ status: 401, query: { access_token: '[redacted]' } });
  });
});

describe('Alto simulator: file notes (write-back) and activities', () => {
  it('creates file notes against contacts and finds them by contact', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const contactId = simulator.contactIds()[4]!;
    const created = await api('/file-notes', {
      method: 'POST',
      json: {
        contactIds: [contactId],
        title: 'Nurture email',
        notes: 'Sent "Spring sellers" [propsync:k1]',
        fileNoteType: 'EMail',
      },
    });
    expect(created.status).toBe(201);
    const id = (await created.json()) as number;
    const found = (await (await api(`/file-notes/search?contact-id=${contactId}`)).json()) as Json[];
    expect(found).toEqual([
      expect.objectContaining({
        id,
        title: 'Nurture email',
        fileNoteType: 'EMail',
        contactIds: [Number(contactId)],
      }),
    ]);
    expect(simulator.fileNotes({ contactId })).toHaveLength(1);

    expect((await api('/file-notes', { method: 'POST', json: { contactIds: [contactId] } })).status).toBe(
      400,
    );
    expect(
      (await api('/file-notes', { method: 'POST', json: { contactIds: ['29999999'], notes: 'x' } })).status,
    ).toBe(400);
  });

  it('serves viewings, valuations and offers with Alto statuses', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const contactId = simulator.contactIds()[0]!;
    const viewing = simulator.controls.createAppointment({ contactId, type: 'Viewing' });
    const appointment = (await (await api(`/appointments/${viewing}/0`)).json()) as Json;
    expect(appointment).toMatchObject({ type: 'Viewing', status: 'Active', contacts: [{ id: contactId }] });
    const offer = simulator.controls.createOffer({ contactId, amount: 325_000 });
    simulator.controls.setOfferStatus(offer, 'Accepted');
    expect((await (await api(`/offers/sales-offer/${offer}`)).json()) as Json).toMatchObject({
      status: 'Accepted',
      offerAmount: 325_000,
    });
    const from = encodeURIComponent(new Date(0).toISOString());
    const to = encodeURIComponent(new Date(simulator.clock.now() + 1000).toISOString());
    const valuations = (await (
      await api(`/appointments/valuations?created-from=${from}&created-to=${to}&max-results=250`)
    ).json()) as Json;
    expect(valuations.items.length).toBeGreaterThan(0);
    expect(valuations.items.every((item: Json) => item.type === 'Valuation')).toBe(true);
  });
});

describe('Alto simulator: the documented activity lists (docs/crms/alto.md)', () => {
  const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  const timeOf = (value: unknown) => Date.parse(String(value).replace(/(\.\d{3})\d+/, '$1'));

  it('pages valuations by next-token, oldest creation first, without repeats', async () => {
    const { api } = await connect({ rateLimits: false });
    const range = `created-from=${at(0)}&created-to=${at(Date.now() + 60_000)}&max-results=5`;
    const { items, pages } = await listAll(api, range, '/appointments/valuations');
    expect(pages).toBeGreaterThan(1);
    expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
    const times = items.map((item) => timeOf(item.createdDate));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('filters valuations by creation, inclusively: an edit does not list one again', async () => {
    // A still clock: the valuation is created at exactly `since`, however slow the machine.
    const stillNow = Date.now();
    const { simulator, api } = await connect({ rateLimits: false, now: () => stillNow });
    const contactId = simulator.contactIds()[0]!;
    const since = simulator.clock.now();
    const valuation = simulator.controls.createAppointment({ contactId, type: 'Valuation' });
    simulator.controls.createAppointment({ contactId, type: 'Viewing' });
    const window = `created-from=${at(since)}&created-to=${at(simulator.clock.now())}`;
    const ids = async (query: string) =>
      (await listAll(api, query, '/appointments/valuations')).items.map((item) => String(item.id));
    expect(await ids(window)).toEqual([valuation]);

    simulator.controls.advanceClock(1_000);
    simulator.controls.updateAppointment(valuation, 'CancelledByOwner');
    expect(await ids(`created-from=${at(since + 1)}&created-to=${at(simulator.clock.now())}`)).toEqual([]);
    expect((await api('/appointments/valuations?max-results=5')).status).toBe(400);
  });

  it('deletes an appointment or offer: reading it then answers 404, and a valuation leaves the list', async () => {
    const { simulator, api, url } = await connect({ rateLimits: false });
    const contactId = simulator.contactIds()[0]!;
    const since = Date.now() - 1_000;
    const valuation = simulator.controls.createAppointment({ contactId, type: 'Valuation' });
    const offer = simulator.controls.createOffer({ contactId });
    expect((await api(`/appointments/${valuation}/0`)).status).toBe(200);

    simulator.controls.deleteAppointment(valuation);
    // Over the control surface too.
    expect((await fetch(`${url}/_sim/offers/${offer}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${url}/_sim/offers/${offer}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(`/appointments/${valuation}/0`)).status).toBe(404);
    expect((await api(`/offers/sales-offer/${offer}`)).status).toBe(404);
    const window = `created-from=${at(since)}&created-to=${at(Date.now() + 60_000)}`;
    expect((await listAll(api, window, '/appointments/valuations')).items).toEqual([]);
    expect(simulator.appointments({ contactId }).map((item) => String(item.id))).not.toContain(valuation);
    expect(simulator.offers({ contactId })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ id: offer })]),
    );
    expect(() => simulator.controls.deleteAppointment(valuation)).toThrow(/not found/);
  });

  it('has no list of appointments or offers by modification time (Alto publishes none)', async () => {
    const { api } = await connect({ rateLimits: false });
    for (const path of ['/appointments/all', '/offers/all'])
      expect((await api(`${path}?modified-from=${at(0)}`)).status, path).toBe(404);
  });

  it('seeds a hot lead: the first buyer viewed three days ago and made an offer yesterday', async () => {
    const { simulator } = await start();
    const index = simulator.people().findIndex((person) => person.roles.includes('buyerApplicant'));
    const contactId = simulator.contactIds()[index]!;
    const now = simulator.clock.now();
    const viewings = simulator.appointments({ contactId }).filter((item) => item.viewingDetails);
    expect(viewings).toContainEqual(
      expect.objectContaining({
        status: 'Active',
        viewingDetails: expect.objectContaining({ applicantFeedback: expect.any(String) }),
      }),
    );
    const offers = simulator.offers({ contactId });
    expect(offers).toContainEqual(expect.objectContaining({ status: 'Received' }));
    const recent = (item: Json, field: string) => now - timeOf(item[field]) < 4 * 86_400_000;
    expect(offers.some((item) => recent(item, 'insertDate'))).toBe(true);
    expect(viewings.some((item) => recent(item, 'modifiedDate'))).toBe(true);
  });
});

describe('Alto simulator: webhooks', () => {
  async function receiver() {
    let status = 200;
    const hook = await startWebhookReceiver(() => status);
    closeLater(hook.close);
    return { ...hook, answer: (next: number) => (status = next) };
  }

  function verify(secret: string, delivery: { headers: Record<string, string>; rawBody: string }): number {
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.headers['x-signature'] ?? '');
    expect(match).not.toBeNull();
    const expected = createHmac('sha256', secret).update(`${match![1]}.${delivery.rawBody}`).digest('hex');
    expect(match![2]).toBe(expected);
    return Number(match![1]);
  }

  it("delivers the subscription's shared value as is in x-signature by default, as Alto's record says", async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const hook = await receiver();
    const created = await api('/webhooks/subscriptions', {
      method: 'POST',
      json: { url: hook.url, eventTypes: ['Contact.Modified'] },
    });
    const subscription = (await created.json()) as Json;
    expect(subscription.authentication).toBe('x-signature');
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(hook.deliveries.map((delivery) => delivery.headers['x-signature'])).toEqual([subscription.secret]);
  });

  it('registers through the API and, when asked, delivers HMAC-signed, timestamped CloudEvents without a snapshot', async () => {
    const { simulator, api } = await connect({ rateLimits: false, webhookSigning: 'hmac-sha256' });
    const hook = await receiver();
    const created = await api('/webhooks/subscriptions', {
      method: 'POST',
      json: { url: hook.url, eventTypes: ['Contact.Modified'] },
    });
    expect(created.status).toBe(201);
    const subscription = (await created.json()) as Json;
    expect(subscription.secret).toEqual(expect.any(String));
    expect(JSON.stringify((await (await api('/webhooks/subscriptions')).json()) as Json)).not.toContain(
      subscription.secret,
    );

    const [changed] = simulator.controls.modifyContacts({ count: 1, randomChange: true });
    await simulator.webhooksIdle();
    expect(hook.deliveries).toHaveLength(1);
    const delivery = hook.deliveries[0]!;
    const signedAt = verify(subscription.secret as string, delivery);
    expect(Math.abs(signedAt - Date.now() / 1000)).toBeLessThan(30);
    const event = JSON.parse(delivery.rawBody) as Json;
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'Contact.Modified',
      source: 'alto',
      subject: `/contacts/${changed}`,
      data: { agencyRef: simulator.defaultAgencyRef, subjectId: changed },
    });
    expect(event.data).not.toHaveProperty('people');

    expect((await api(`/webhooks/subscriptions/${subscription.id}`, { method: 'DELETE' })).status).toBe(204);
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(hook.deliveries).toHaveLength(1);
  });

  it('retries failed deliveries (re-signed), and duplicates or reorders them on demand', async () => {
    const { simulator, api } = await connect({ rateLimits: false, webhookSigning: 'hmac-sha256' });
    const hook = await receiver();
    const subscription = (await (
      await api('/webhooks/subscriptions', {
        method: 'POST',
        json: { url: hook.url, eventTypes: ['Contact.Modified', 'Offer.Created'] },
      })
    ).json()) as Json;

    hook.answer(500);
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(hook.deliveries).toHaveLength(11);
    expect(new Set(hook.deliveries.map((delivery) => JSON.parse(delivery.rawBody).id)).size).toBe(1);
    for (const delivery of hook.deliveries) verify(subscription.secret as string, delivery);

    hook.answer(200);
    hook.deliveries.length = 0;
    simulator.controls.setWebhookFaults({ duplicateRate: 1 });
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(hook.deliveries).toHaveLength(2);
    expect(hook.deliveries[0]!.rawBody).toBe(hook.deliveries[1]!.rawBody);

    hook.deliveries.length = 0;
    simulator.controls.setWebhookFaults({ duplicateRate: 0, outOfOrderRate: 1, outOfOrderDelayMs: 60 });
    const [first] = simulator.controls.modifyContacts({ ids: [simulator.contactIds()[0]!] });
    simulator.controls.setWebhookFaults({ outOfOrderRate: 0 });
    simulator.controls.createOffer({ contactId: simulator.contactIds()[1]! });
    await simulator.webhooksIdle();
    expect(hook.deliveries.map((delivery) => JSON.parse(delivery.rawBody).type)).toEqual([
      'Offer.Created',
      'Contact.Modified',
    ]);
    expect(JSON.parse(hook.deliveries[1]!.rawBody).data.subjectId).toBe(first);
  });

  it('announces a deleted appointment or offer as Modified (Alto has no deletion event), naming its contacts', async () => {
    const { simulator, api } = await connect({ rateLimits: false });
    const hook = await receiver();
    await api('/webhooks/subscriptions', {
      method: 'POST',
      json: { url: hook.url, eventTypes: ['Appointment.Modified', 'Offer.Modified'] },
    });
    const contactId = simulator.contactIds()[3]!;
    const viewing = simulator.controls.createAppointment({ contactId, type: 'Viewing' });
    const offer = simulator.controls.createOffer({ contactId });
    simulator.controls.deleteAppointment(viewing);
    simulator.controls.deleteOffer(offer);
    await simulator.webhooksIdle();
    const events = hook.deliveries.map((delivery) => JSON.parse(delivery.rawBody) as Json);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'Appointment.Modified',
        subject: `/appointments/${viewing}`,
        data: expect.objectContaining({
          subjectId: viewing,
          relatedSubjects: expect.arrayContaining([
            { subjectUri: `/contacts/${contactId}`, subjectId: contactId },
          ]),
        }),
      }),
      expect.objectContaining({
        type: 'Offer.Modified',
        subject: `/offers/sales-offer/${offer}`,
        data: expect.objectContaining({ subjectId: offer }),
      }),
    ]);
  });

  it('builds signed test deliveries with a shifted timestamp for receivers', async () => {
    const { simulator } = await start({ webhookSigning: 'hmac-sha256' });
    const contactId = simulator.contactIds()[2]!;
    const fresh = simulator.contactWebhook({ contactId, secret: 'a-shared-secret-of-some-length' });
    expect(Math.abs(verify('a-shared-secret-of-some-length', fresh) - Date.now() / 1000)).toBeLessThan(5);
    const stale = simulator.contactWebhook({
      contactId,
      secret: 'a-shared-secret-of-some-length',
      timestampOffsetSeconds: -600,
    });
    expect(Date.now() / 1000 - verify('a-shared-secret-of-some-length', stale)).toBeGreaterThan(590);
    expect(simulator.contactWebhook({ contactId, secret: null }).headers).not.toHaveProperty('x-signature');
  });
});

describe('Alto simulator: seeded data', () => {
  it('is deterministic in the seed and formats the shared people the Alto way', async () => {
    const a = createAltoSimulator({ seed: 7, contactCount: 50 });
    const b = createAltoSimulator({ seed: 7, contactCount: 50 });
    closeLater(
      () => a.close(),
      () => b.close(),
    );
    const id = a.contactIds()[10]!;
    expect(a.getContact(id)).toEqual(b.getContact(id));
    const person = a.people()[10]!;
    const lead = (a.getContact(id)!.people as Json[])[0]!;
    expect(lead).toMatchObject({ forename: person.forename, surname: person.surname });
    expect(a.getListItem(id)).toMatchObject({
      contactType: { category: 'Client', persona: expect.any(Array) },
    });
  });
});
