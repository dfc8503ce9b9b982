import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LOOP_INFO } from '../../server/adapters/loop/loop.adapter.ts';
import {
  closeAfterEach,
  jsonClient,
  startWebhookReceiver,
  type ReceivedDelivery,
} from '../toolkit/simulator-testing.ts';
import { canonicalEmailOf, generatePeople, mobileE164Of } from '../toolkit/uk-people.ts';
import { toE164 } from '../toolkit/uk-contact-format.ts';
import { LOOP_DEMO_API_KEY, LOOP_DEMO_TEAM, LOOP_RATE_LIMITS, type LoopTeam } from './loop-constants.ts';
import { createLoopSimulator, type LoopSimulator, type LoopSimulatorOptions } from './loop-simulator.ts';

type Json = Record<string, any>;

const OTHER_TEAM: LoopTeam = {
  teamId: '5b0c8e3a-7f14-4d29-b6a1-0e9d3c72f851',
  name: 'Other Lettings',
  apiKeys: ['c3a9e1f0-62b4-4d7e-8f15-9a0b2c4d6e81'],
};

const closeLater = closeAfterEach();

async function start(
  options: LoopSimulatorOptions = {},
): Promise<{ simulator: LoopSimulator; url: string; api: ReturnType<typeof apiClient> }> {
  const simulator = createLoopSimulator({ contactCount: 200, webhookRetryScale: 0.00001, ...options });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  return { simulator, url: running.url, api: apiClient(running.url) };
}

/** A small Loop client: keyed JSON calls. */
function apiClient(url: string, apiKey: string | null = LOOP_DEMO_API_KEY) {
  return jsonClient<Json>(url, apiKey === null ? {} : { 'x-api-key': apiKey });
}

type Delivery = ReceivedDelivery<Json>;

async function startReceiver(respond?: (index: number) => number) {
  const receiver = await startWebhookReceiver<Json>(respond);
  closeLater(receiver.close);
  return receiver;
}

/** Verifies a Standard Webhooks signature the way any receiver would, independently of the simulator. */
function verifyStandardWebhook(secret: string, delivery: Pick<Delivery, 'headers' | 'rawBody'>): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${delivery.headers['webhook-id']}.${delivery.headers['webhook-timestamp']}.${delivery.rawBody}`;
  const expected = createHmac('sha256', key).update(signed).digest('base64');
  return (delivery.headers['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`);
}

async function listAll(api: ReturnType<typeof apiClient>, query: string): Promise<Json[]> {
  const results: Json[] = [];
  for (let page = 1; ; page++) {
    const response = await api(`/v1/contacts?${query}&page=${page}`);
    expect(response.status).toBe(200);
    results.push(...response.body.results);
    if (page >= response.body.totalPages) return results;
  }
}

describe('Loop simulator: API keys', () => {
  it('accepts the team key in x-api-key and refuses missing, malformed, unknown and revoked keys with 401', async () => {
    const { simulator, url, api } = await start();
    const team = await api('/v1/team');
    expect(team.status).toBe(200);
    expect(team.body).toMatchObject({ id: LOOP_DEMO_TEAM.teamId, name: LOOP_DEMO_TEAM.name });
    // GUIDs compare case-insensitively.
    expect((await apiClient(url, LOOP_DEMO_API_KEY.toUpperCase())('/v1/team')).status).toBe(200);

    for (const key of [null, 'not-a-guid', '00000000-0000-4000-8000-000000000000']) {
      const refused = await apiClient(url, key)('/v1/contacts');
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.any(String),
      });
    }

    simulator.controls.revokeApiKey(LOOP_DEMO_API_KEY);
    expect((await api('/v1/team')).body.message).toMatch(/revoked/);
    simulator.controls.restoreApiKey(LOOP_DEMO_API_KEY);
    expect((await api('/v1/team')).status).toBe(200);
  });

  it("shows each key only its own team's contacts", async () => {
    const { simulator, url, api } = await start({ contactCount: 30, teams: [LOOP_DEMO_TEAM, OTHER_TEAM] });
    const otherApi = apiClient(url, OTHER_TEAM.apiKeys[0]!);
    const [mine] = simulator.contactIds();
    expect((await api(`/v1/contacts/${mine}`)).status).toBe(200);
    expect((await otherApi(`/v1/contacts/${mine}`)).status).toBe(404);
    const theirs = simulator.contactIds(OTHER_TEAM.teamId);
    expect(new Set(theirs).size).toBe(30);
    expect(theirs.some((id) => simulator.contactIds().includes(id))).toBe(false);
  });
});

describe('Loop simulator: contacts and paging', () => {
  it('pages with page and pageSize inside a {results} envelope, archived contacts only on request', async () => {
    const { simulator, api } = await start({ contactCount: 120, archivedRate: 0.1 });
    const first = await api('/v1/contacts?pageSize=50');
    const archived = simulator.contactIds().filter((id) => simulator.getContact(id)?.archived === true);
    expect(archived.length).toBeGreaterThan(0);
    expect(first.body).toMatchObject({
      page: 1,
      pageSize: 50,
      totalCount: 120 - archived.length,
      totalPages: 3,
    });
    expect(first.body.results).toHaveLength(50);

    const everyone = await listAll(api, 'pageSize=50&includeArchived=true');
    expect(everyone.map((contact) => contact.id)).toEqual(simulator.contactIds());
    expect(everyone.filter((contact) => contact.archived).map((contact) => contact.id)).toEqual(archived);

    expect((await api('/v1/contacts?page=9&pageSize=50')).body.results).toEqual([]);
    expect((await api('/v1/contacts?pageSize=101')).status).toBe(400);
    expect((await api('/v1/contacts?page=0')).status).toBe(400);
    expect((await api('/v1/contacts?sort=name')).status).toBe(400);
  });

  it('formats the shared people its own way, and the same seed gives the same data', async () => {
    const { simulator } = await start({ contactCount: 60 });
    const people = generatePeople({ seed: 1, count: 60, formatSalt: 'loop' }).people;
    const [firstId] = simulator.contactIds();
    const first = simulator.getContact(firstId!)!;
    expect(first).toMatchObject({ firstName: people[0]!.forename, lastName: people[0]!.surname });
    expect(first.emailAddresses).toEqual([{ address: people[0]!.email, isPrimary: true }]);
    expect((first.phoneNumbers as Json[])[0]).toMatchObject({
      number: people[0]!.mobile,
      type: 'mobile',
      isPrimary: true,
    });
    // Stored as typed: the canonical forms are recoverable, but not what the API returns.
    expect(toE164((first.phoneNumbers as Json[])[0]!.number)).toBe(mobileE164Of(people[0]!));
    expect(canonicalEmailOf(people[0]!)).toBe(people[0]!.email.trim().toLowerCase());

    const again = createLoopSimulator({ contactCount: 60 });
    expect(again.contactIds()).toEqual(simulator.contactIds());
    expect(again.getContact(firstId!)).toEqual(first);
    expect(simulator.plantedDuplicates().length).toBeGreaterThan(0);
  });

  it('filters on updatedSince and updatedUntil (inclusive) and sorts by updatedAt', async () => {
    const { simulator, api } = await start();
    const since = simulator.clock.now() + 1;
    simulator.controls.advanceClock(60_000);
    const changed = simulator.controls.modifyContacts({ count: 7, randomChange: true });
    const delta = await api(
      `/v1/contacts?updatedSince=${new Date(since).toISOString()}&sort=updatedAt&includeArchived=true`,
    );
    expect(delta.status).toBe(200);
    expect(new Set(delta.body.results.map((contact: Json) => contact.id))).toEqual(new Set(changed));

    const at = simulator.getContact(changed[0]!)!.updatedAt as string;
    const exact = await api(`/v1/contacts?updatedSince=${at}&updatedUntil=${at}&includeArchived=true`);
    expect(exact.body.totalCount).toBe(7);

    const sorted = await api('/v1/contacts?sort=-updatedAt&pageSize=100');
    const times = sorted.body.results.map((contact: Json) => Date.parse(contact.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    expect((await api('/v1/contacts?updatedSince=2025-01-01T10:00:00')).status).toBe(400);
    expect((await api('/v1/contacts?updatedSince=yesterday')).body.message).toMatch(/ISO-8601/);
  });

  it('finds contacts by email whatever the case and spaces, and by type', async () => {
    const { simulator, api } = await start();
    const [id] = simulator.contactIds();
    const email = (simulator.getContact(id!)!.emailAddresses as Json[])[0]!.address as string;
    const found = await api(`/v1/contacts?email=${encodeURIComponent(`  ${email.trim().toUpperCase()} `)}`);
    expect(found.body.results.map((contact: Json) => contact.id)).toContain(id);
    const landlords = await api('/v1/contacts?type=landlord&pageSize=100');
    expect(landlords.body.results.length).toBeGreaterThan(0);
    for (const contact of landlords.body.results) expect(contact.contactTypes).toContain('landlord');
  });

  it('creates and patches contacts: validation first, merges, no concurrency token, updatedAt always moves', async () => {
    const { simulator, api } = await start();
    const invalid = await api('/v1/contacts', { method: 'POST', json: { firstName: 'Ada' } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([{ field: 'emailAddresses', message: expect.any(String) }]);

    const created = await api('/v1/contacts', {
      method: 'POST',
      json: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        phoneNumbers: [{ number: '07700 900001', type: 'mobile' }],
        id: 'ignored',
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/contacts/${created.body.id}`);
    expect(created.body.phoneNumbers).toEqual([{ number: '07700 900001', type: 'mobile', isPrimary: true }]);
    expect(created.headers.get('etag')).toBeNull();

    const id = simulator.contactIds()[5]!;
    const before = simulator.getContact(id)!;
    simulator.controls.advanceClock(1_000);
    expect(
      (await api(`/v1/contacts/${id}`, { method: 'PATCH', json: { title: 'x'.repeat(21) } })).status,
    ).toBe(422);
    expect(
      (
        await api('/v1/contacts/00000000-0000-4000-8000-000000000000', {
          method: 'PATCH',
          json: { title: 'Dr' },
        })
      ).status,
    ).toBe(404);
    const patched = await api(`/v1/contacts/${id}`, {
      method: 'PATCH',
      json: { title: 'Dr', address: { postcode: 'SW1A 1AA' }, customFields: { vip: true } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: 'Dr', customFields: { vip: true } });
    expect(patched.body.address).toEqual({ ...(before.address as Json), postcode: 'SW1A 1AA' });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt as string));
    const removed = await api(`/v1/contacts/${id}`, {
      method: 'PATCH',
      json: { customFields: { vip: null } },
    });
    expect(removed.body.customFields).toEqual({});
  });
});

describe('Loop simulator: write-back', () => {
  it('keeps notes per contact, refusing a repeated externalReference with 409, without moving updatedAt', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds()[2]!;
    const updatedAt = simulator.getContact(id)!.updatedAt;
    const note = {
      type: 'email',
      subject: 'Spring sellers',
      body: 'Nurture email sent',
      externalReference: 'propsync:abc',
    };
    const first = await api(`/v1/contacts/${id}/notes`, { method: 'POST', json: note });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ contactId: id, type: 'email', externalReference: 'propsync:abc' });
    const repeat = await api(`/v1/contacts/${id}/notes`, { method: 'POST', json: note });
    expect(repeat.status).toBe(409);
    expect(repeat.body.existingNoteId).toBe(first.body.id);
    expect(repeat.headers.get('location')).toBe(`/v1/contacts/${id}/notes/${first.body.id}`);

    expect(simulator.notes({ contactId: id })).toEqual([first.body]);
    expect((await api(`/v1/contacts/${id}/notes?externalReference=propsync:abc`)).body.results).toEqual([
      first.body,
    ]);
    expect((await api(`/v1/contacts/${id}/notes/${first.body.id}`)).body).toEqual(first.body);
    expect(simulator.getContact(id)!.updatedAt).toBe(updatedAt);
    expect((await api(`/v1/contacts/${id}/notes`, { method: 'POST', json: { body: '' } })).status).toBe(422);
  });
});

describe('Loop simulator: rate limits', () => {
  it('enforces the catalogue limits: 10 requests per rolling second per key, with Retry-After', async () => {
    expect(LOOP_RATE_LIMITS).toEqual({ requestsPerSecond: 10, maxConcurrent: 4 });
    expect(LOOP_INFO.rateLimits).toMatchObject({
      requests: 10,
      windowSeconds: 1,
      maxConcurrent: 4,
    });
    const { simulator, api } = await start({ now: () => 1_700_000_000_000 });
    for (let i = 0; i < 10; i++) expect((await api('/v1/team')).status).toBe(200);
    const limited = await api('/v1/team');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body.message).toMatch(/10 requests per second/);
    // The window follows the simulated clock.
    simulator.controls.advanceClock(1_000);
    expect((await api('/v1/team')).status).toBe(200);
  });

  it('allows 4 requests in flight per key', async () => {
    const { simulator, api } = await start();
    simulator.controls.setFaults({ latencyMs: 150 });
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => api('/v1/team')))).map(
      (response) => response.status,
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
  });

  it('can be switched off for benchmarks', async () => {
    const { api } = await start({ rateLimits: false });
    const statuses = await Promise.all(Array.from({ length: 25 }, () => api('/v1/team')));
    expect(statuses.every((response) => response.status === 200)).toBe(true);
  });
});

describe('Loop simulator: faults and the request log', () => {
  it('fails the next requests with a chosen status, injects latency and logs API calls only', async () => {
    const { simulator, url, api } = await start({ rateLimits: false });
    simulator.faults.failNext(2, 503, { pathPrefix: '/v1/contacts' });
    expect((await api('/v1/team')).status).toBe(200);
    expect((await api('/v1/contacts')).status).toBe(503);
    expect((await api('/v1/contacts')).body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect((await api('/v1/contacts')).status).toBe(200);

    simulator.controls.setFaults({ errorRate: 1, errorStatuses: [502] });
    expect((await api('/v1/team')).status).toBe(502);
    simulator.controls.setFaults({ errorRate: 0, latencyMs: 120 });
    const startedAt = performance.now();
    await api('/v1/team');
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(110);
    simulator.controls.clearFaults();

    await fetch(`${url}/_sim`);
    const logged = simulator.requestLog.entries();
    expect(logged.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'GET /v1/team 200',
      'GET /v1/contacts 503',
      'GET /v1/contacts 503',
      'GET /v1/contacts 200',
      'GET /v1/team 502',
      'GET /v1/team 200',
    ]);
  });

  it('exposes the controls over HTTP without an API key, never echoing keys', async () => {
    const { simulator, url, api } = await start();
    const overview = (await (await fetch(`${url}/_sim`)).json()) as Json;
    expect(overview).toMatchObject({ simulator: 'loop', contactCount: 200, rateLimits: LOOP_RATE_LIMITS });
    expect(JSON.stringify(overview)).not.toContain(LOOP_DEMO_API_KEY);
    const revoke = await fetch(`${url}/_sim/api-keys/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: LOOP_DEMO_API_KEY }),
    });
    expect(revoke.status).toBe(204);
    expect((await api('/v1/team')).status).toBe(401);
    await fetch(`${url}/_sim/reset`, { method: 'POST' });
    expect((await api('/v1/team')).status).toBe(200);
    expect(simulator.requestLog.size).toBe(1);
  });
});

describe('Loop simulator: webhooks', () => {
  it('registers through the API and delivers Standard Webhooks signed with the subscription secret', async () => {
    const { simulator, api } = await start();
    const receiver = await startReceiver();
    const created = await api('/v1/webhooks', {
      method: 'POST',
      json: { url: receiver.url, events: ['contact.updated', 'contact.archived'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    // The secret is shown once.
    expect((await api(`/v1/webhooks/${created.body.id}`)).body.secret).toBeUndefined();
    expect(
      (await api('/v1/webhooks', { method: 'POST', json: { url: receiver.url, events: ['contact.sold'] } }))
        .status,
    ).toBe(422);

    const [changed] = simulator.controls.modifyContacts({ count: 1, fields: { title: 'Prof' } });
    simulator.controls.archiveContact(simulator.contactIds()[9]!);
    await simulator.webhooksIdle();
    expect(receiver.deliveries.map((delivery) => delivery.body.type)).toEqual([
      'contact.updated',
      'contact.archived',
    ]);
    const [update] = receiver.deliveries;
    expect(update!.body).toMatchObject({ data: { id: changed, title: 'Prof' }, changedFields: ['title'] });
    expect(update!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(update!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    for (const delivery of receiver.deliveries)
      expect(verifyStandardWebhook(created.body.secret, delivery)).toBe(true);
    expect(
      verifyStandardWebhook(created.body.secret, {
        ...update!,
        rawBody: update!.rawBody.replace('Prof', 'Dr'),
      }),
    ).toBe(false);

    expect((await api(`/v1/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(2);
  });

  it('retries failed deliveries with the same webhook-id and a fresh signature', async () => {
    const { simulator, api } = await start();
    const receiver = await startReceiver((index) => (index === 0 ? 500 : 204));
    const { body } = await api('/v1/webhooks', {
      method: 'POST',
      json: { url: receiver.url, events: ['contact.updated'] },
    });
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(2);
    const [first, retry] = receiver.deliveries;
    expect(retry!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(retry!.rawBody).toBe(first!.rawBody);
    expect(verifyStandardWebhook(body.secret, retry!)).toBe(true);
    expect(simulator.webhookAttempts().map((attempt) => attempt.outcome)).toEqual([
      'retry-scheduled',
      'delivered',
    ]);
  });

  it('duplicates and reorders deliveries on demand', async () => {
    const { simulator, api } = await start();
    const receiver = await startReceiver();
    await api('/v1/webhooks', { method: 'POST', json: { url: receiver.url, events: ['contact.updated'] } });
    simulator.controls.setWebhookFaults({ duplicateRate: 1 });
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.deliveries[1]!.headers['webhook-id']).toBe(receiver.deliveries[0]!.headers['webhook-id']);

    receiver.deliveries.length = 0;
    simulator.controls.setWebhookFaults({ duplicateRate: 0, outOfOrderRate: 1, outOfOrderDelayMs: 80 });
    const [held] = simulator.controls.modifyContacts({ count: 1 });
    simulator.controls.setWebhookFaults({ outOfOrderRate: 0 });
    const [overtaking] = simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries.map((delivery) => delivery.body.data.id)).toEqual([overtaking, held]);
  });

  it('signs test deliveries for receivers, back-dated on request', async () => {
    const { simulator } = await start();
    const secret = 'whsec_dGVzdC1zZWNyZXQtZm9yLWxvb3Atd2ViaG9va3M=';
    const [id] = simulator.contactIds();
    const fresh = simulator.signedContactWebhook({ contactId: id!, secret });
    expect(verifyStandardWebhook(secret, fresh)).toBe(true);
    expect(JSON.parse(fresh.rawBody)).toMatchObject({ type: 'contact.updated', data: { id } });
    const stale = simulator.signedContactWebhook({ contactId: id!, secret, timestampOffsetSeconds: -600 });
    expect(Number(stale.headers['webhook-timestamp'])).toBeLessThan(Date.now() / 1000 - 590);
  });
});
