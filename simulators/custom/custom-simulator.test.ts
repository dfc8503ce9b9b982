import { readFileSync } from 'node:fs';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { listen } from '../toolkit/app-listener.ts';
import { closeAfterEach, jsonClient } from '../toolkit/simulator-testing.ts';
import { createCustomApiRouter } from './custom-api.routes.ts';
import {
  CUSTOM_API_BASE_PATH,
  CUSTOM_API_VERSION,
  CUSTOM_DEMO_API_KEY,
  CUSTOM_RATE_LIMITS,
} from './custom-constants.ts';
import {
  createCustomSimulator,
  type CustomSimulator,
  type CustomSimulatorOptions,
} from './custom-simulator.ts';

type Json = Record<string, any>;

const closeLater = closeAfterEach();

async function start(
  options: CustomSimulatorOptions = {},
): Promise<{ simulator: CustomSimulator; api: ReturnType<typeof apiClient>; baseUrl: string }> {
  const simulator = createCustomSimulator({
    contactCount: 300,
    webhookRetryScale: 0.00001,
    rateLimits: false,
    ...options,
  });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  const baseUrl = `${running.url}${CUSTOM_API_BASE_PATH}`;
  return { simulator, api: apiClient(baseUrl), baseUrl };
}

/** A minimal open-API client: bearer key, JSON in and out. */
function apiClient(baseUrl: string, key: string | null = CUSTOM_DEMO_API_KEY) {
  return jsonClient<Json>(baseUrl, key === null ? {} : { authorization: `Bearer ${key}` });
}

async function listAll(
  api: ReturnType<typeof apiClient>,
  query: string,
): Promise<{ ids: string[]; pages: number; total: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  let total: number;
  do {
    const separator = query ? '&' : '';
    const page = await api(
      `/contacts?${query}${separator}limit=40${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    pages++;
    total = page.body.total;
    ids.push(...page.body.data.map((contact: Json) => contact.id));
    cursor = page.body.has_more ? page.body.next_cursor : null;
    if (!page.body.has_more) expect(page.body.next_cursor).toBeNull();
  } while (cursor !== null);
  return { ids, pages, total };
}

describe('custom simulator: authentication and scopes', () => {
  it('accepts the bearer API key and answers 401 problems for a missing, unknown or revoked key', async () => {
    const { simulator, api, baseUrl: base } = await start();
    expect((await api('/account')).body).toMatchObject({
      name: 'Propsync Demo Estates',
      contact_count: 300,
      api_version: CUSTOM_API_VERSION,
    });

    const missing = await apiClient(base, null)('/contacts');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(missing.body).toMatchObject({ type: 'https://propsync.dev/problems/unauthorized', status: 401 });
    expect((await apiClient(base, 'psk_not_a_key')('/contacts')).status).toBe(401);

    simulator.controls.revokeApiKey();
    const revoked = await api('/contacts');
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toMatch(/revoked/);
    simulator.controls.restoreApiKey();
    expect((await api('/contacts')).status).toBe(200);
  });

  it('refuses operations outside the key scopes with 403', async () => {
    const readOnly = 'psk_read_only_key_for_tests';
    const { baseUrl } = await start({
      apiKeys: [{ key: readOnly, scopes: ['contacts:read'], label: 'reader' }],
    });
    const api = apiClient(baseUrl, readOnly);
    expect((await api('/contacts?limit=1')).status).toBe(200);
    const denied = await api('/webhooks', {
      method: 'POST',
      json: { url: 'http://127.0.0.1:9/hook', events: ['contact.updated'] },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.type).toBe('https://propsync.dev/problems/insufficient-scope');
  });
});

describe('custom simulator: access revocation (POST /auth/revoke)', () => {
  const OTHER_KEY = 'psk_other_key_for_tests';
  const twoKeys = { apiKeys: [{ key: CUSTOM_DEMO_API_KEY }, { key: OTHER_KEY, label: 'other' }] };

  it('revokes the calling key with 204: the key then gets 401, and so does a second revocation', async () => {
    const { simulator, api } = await start();
    expect(simulator.isApiKeyRevoked()).toBe(false);
    const revoked = await api('/auth/revoke', { method: 'POST' });
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBeNull();
    expect(simulator.isApiKeyRevoked()).toBe(true);
    expect(simulator.isApiKeyRevoked('demo')).toBe(true);

    const after = await api('/contacts');
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toContain('application/problem+json');
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(after.body).toMatchObject({
      type: 'https://propsync.dev/problems/unauthorized',
      status: 401,
      detail: 'The API key has been revoked',
    });

    const again = await api('/auth/revoke', { method: 'POST' });
    expect(again.status).toBe(401);
    expect(again.body.type).toBe('https://propsync.dev/problems/unauthorized');
    expect(simulator.requestLog.entries({ path: '/v1/auth/revoke' })).toMatchObject([
      { method: 'POST', path: '/v1/auth/revoke', status: 204 },
      { method: 'POST', path: '/v1/auth/revoke', status: 401 },
    ]);
  });

  it('answers 401 to an unknown or missing key and revokes nothing', async () => {
    const { simulator, baseUrl } = await start();
    expect((await apiClient(baseUrl, 'psk_not_a_key')('/auth/revoke', { method: 'POST' })).status).toBe(401);
    expect((await apiClient(baseUrl, null)('/auth/revoke', { method: 'POST' })).status).toBe(401);
    expect(simulator.isApiKeyRevoked()).toBe(false);
  });

  it('revokes only the calling key', async () => {
    const { simulator, api, baseUrl } = await start(twoKeys);
    const other = apiClient(baseUrl, OTHER_KEY);
    expect((await other('/auth/revoke', { method: 'POST' })).status).toBe(204);
    expect(simulator.isApiKeyRevoked('other')).toBe(true);
    expect(simulator.isApiKeyRevoked('demo')).toBe(false);
    expect((await other('/contacts?limit=1')).status).toBe(401);
    expect((await api('/contacts?limit=1')).status).toBe(200);
  });

  it('needs no scope beyond a valid key', async () => {
    const noScopes = 'psk_key_without_scopes';
    const { simulator, baseUrl } = await start({ apiKeys: [{ key: noScopes, scopes: [], label: 'bare' }] });
    const api = apiClient(baseUrl, noScopes);
    expect((await api('/contacts?limit=1')).status).toBe(403);
    expect((await api('/auth/revoke', { method: 'POST' })).status).toBe(204);
    expect(simulator.isApiKeyRevoked('bare')).toBe(true);
  });

  it('still revokes when the answer is lost, so the retry is a 401 (already revoked)', async () => {
    const { simulator, api } = await start();
    simulator.controls.loseNextResponse(1, { method: 'POST', pathPrefix: '/v1/auth/revoke' });
    await expect(api('/auth/revoke', { method: 'POST' })).rejects.toThrow();
    expect(simulator.isApiKeyRevoked()).toBe(true);
    expect((await api('/auth/revoke', { method: 'POST' })).status).toBe(401);
  });

  it('keeps the webhook subscriptions, which belong to the account, until they are deleted', async () => {
    const { simulator, api, baseUrl } = await start(twoKeys);
    const created = await api('/webhooks', {
      method: 'POST',
      json: { url: 'http://127.0.0.1:9/hook', events: ['contact.updated'] },
    });
    expect(created.status).toBe(201);
    expect((await api('/auth/revoke', { method: 'POST' })).status).toBe(204);
    expect(simulator.webhooks()).toMatchObject([{ id: created.body.id, status: 'active' }]);
    const other = apiClient(baseUrl, OTHER_KEY);
    expect((await other(`/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(simulator.webhooks()).toEqual([]);
  });

  it('is undone by restoreApiKey (the harness restoreCredentials) and reset, and shown under /_sim', async () => {
    const { simulator, api, baseUrl } = await start();
    const controlUrl = baseUrl.slice(0, -CUSTOM_API_BASE_PATH.length);
    expect((await api('/auth/revoke', { method: 'POST' })).status).toBe(204);
    const keys = await fetch(`${controlUrl}/_sim/api-keys`).then((response) => response.json());
    expect(keys).toMatchObject([{ label: 'demo', revoked: true }]);
    expect(JSON.stringify(keys)).not.toContain(CUSTOM_DEMO_API_KEY);
    simulator.controls.restoreApiKey();
    expect(simulator.isApiKeyRevoked()).toBe(false);
    expect((await api('/contacts?limit=1')).status).toBe(200);

    expect((await api('/auth/revoke', { method: 'POST' })).status).toBe(204);
    simulator.controls.reset();
    expect((await api('/contacts?limit=1')).status).toBe(200);
  });
});

describe('custom simulator: contacts', () => {
  it('pages every contact exactly once by cursor, ordered by (updated_at, id), with a total', async () => {
    const { simulator, api } = await start();
    const { ids, pages, total } = await listAll(api, '');
    expect(pages).toBe(Math.ceil(300 / 40));
    expect(total).toBe(300);
    expect(new Set(ids).size).toBe(300);
    expect(new Set(ids)).toEqual(new Set(simulator.contactIds()));

    const page = await api('/contacts?limit=200');
    const keys = page.body.data.map((contact: Json) => [Date.parse(contact.updated_at), contact.id]);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    expect(keys).toEqual(sorted);
  });

  it('binds cursors to their filters and rejects unknown parameters and naive times', async () => {
    const { api } = await start();
    const first = await api('/contacts?limit=10');
    const reused = await api(
      `/contacts?limit=10&updated_since=2020-01-01T00:00:00Z&cursor=${first.body.next_cursor}`,
    );
    expect(reused.status).toBe(400);
    expect(reused.body.detail).toMatch(/other filters/);
    expect((await api('/contacts?modifiedFrom=2020-01-01T00:00:00Z')).status).toBe(400);
    expect((await api('/contacts?updated_since=2024-01-01T10:00:00')).status).toBe(400);
    expect((await api('/contacts?limit=201')).status).toBe(400);
  });

  it('filters by updated_since/updated_until inclusively and returns only what changed', async () => {
    let now = Date.parse('2025-06-02T09:00:00.000Z');
    const { simulator, api } = await start({ now: () => now });
    now += 60_000;
    const changed = simulator.controls.modifyContacts({ count: 7, randomChange: true });
    const since = new Date(now).toISOString();
    const { ids } = await listAll(api, `updated_since=${encodeURIComponent(since)}`);
    expect(new Set(ids)).toEqual(new Set(changed));
    const until = await api(
      `/contacts?limit=200&updated_until=${encodeURIComponent(new Date(now - 1).toISOString())}`,
    );
    expect(until.body.total).toBe(300 - 7);
    const body = await api(`/contacts/${changed[0]}`);
    expect(body.body.updated_at).toBe(since);
  });

  it('filters by email case-insensitively and by archived', async () => {
    const { simulator, api } = await start();
    const target = simulator.getContact(simulator.contactIds()[4]!)!;
    const email = (target.emails as Json[])[0]!.address as string;
    const found = await api(`/contacts?email=${encodeURIComponent(`  ${email.toUpperCase()} `)}`);
    expect(found.body.data.map((contact: Json) => contact.id)).toContain(target.id);
    simulator.controls.archiveContact(target.id as string);
    const archived = await api('/contacts?archived=true');
    expect(archived.body.data.map((contact: Json) => contact.id)).toEqual([target.id]);
    expect(archived.body.data[0]).toMatchObject({ archived: true, archived_at: expect.any(String) });
  });

  it('PATCH needs If-Match: 428 without, 412 when stale, 200 with a new ETag when current', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds()[0]!;
    const read = await api(`/contacts/${id}`);
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(read.body.etag).toBe(etag);
    expect((await api(`/contacts/${id}`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const missing = await api(`/contacts/${id}`, { method: 'PATCH', json: { title: 'Dr' } });
    expect(missing.status).toBe(428);
    const patched = await api(`/contacts/${id}`, {
      method: 'PATCH',
      json: { title: 'Dr' },
      headers: { 'if-match': etag },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('Dr');
    expect(patched.headers.get('etag')).not.toBe(etag);
    expect(patched.body.etag).toBe(patched.headers.get('etag'));

    const stale = await api(`/contacts/${id}`, {
      method: 'PATCH',
      json: { title: 'Prof' },
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).toBe(patched.headers.get('etag'));
    expect(simulator.getContact(id)!.title).toBe('Dr');

    // A patch that changes nothing keeps updated_at and the ETag.
    const same = await api(`/contacts/${id}`, {
      method: 'PATCH',
      json: { title: 'Dr' },
      headers: { 'if-match': patched.headers.get('etag')! },
    });
    expect(same.body.etag).toBe(patched.body.etag);
    expect(same.body.updated_at).toBe(patched.body.updated_at);

    const readOnly = await api(`/contacts/${id}`, {
      method: 'PATCH',
      json: { hot_lead: true },
      headers: { 'if-match': '*' },
    });
    expect(readOnly.status).toBe(422);
    expect(readOnly.body.errors).toEqual([
      { pointer: '/hot_lead', detail: 'is not a field that can be written' },
    ]);
  });
});

describe('custom simulator: write-back', () => {
  it('creates one activity per Idempotency-Key, replays retries and refuses a reused key with another body', async () => {
    const { simulator, api } = await start();
    const contactId = simulator.contactIds()[2]!;
    const body = {
      type: 'email',
      contact_id: contactId,
      subject: 'Spring sellers',
      occurred_at: '2025-06-02T09:30:00.000Z',
    };
    const first = await api('/activities', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': 'key-1' },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      type: 'email',
      direction: 'outbound',
      source: 'api',
      contact_id: contactId,
    });
    const retry = await api('/activities', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': 'key-1' },
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(simulator.writeBackRecords(contactId)).toHaveLength(1);

    const reused = await api('/activities', {
      method: 'POST',
      json: { ...body, subject: 'Other' },
      headers: { 'idempotency-key': 'key-1' },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('https://propsync.dev/problems/idempotency-key-reused');
    expect((await api('/activities', { method: 'POST', json: body })).status).toBe(400);
    const crmOnly = await api('/activities', {
      method: 'POST',
      json: { ...body, type: 'viewing' },
      headers: { 'idempotency-key': 'key-2' },
    });
    expect(crmOnly.status).toBe(422);
    expect(simulator.writeBackRecords(contactId)).toHaveLength(1);
    expect(simulator.nurture(contactId)).toMatchObject({
      emails_sent: 1,
      last_email_sent_at: '2025-06-02T09:30:00.000Z',
    });
  });

  it('keeps one record when the answer to a keyed write is lost and the client retries', async () => {
    const { simulator, api } = await start();
    const contactId = simulator.contactIds()[3]!;
    const body = { type: 'note', contact_id: contactId, body: 'Prefers calls after 6pm' };
    simulator.controls.loseNextResponse(1, { method: 'POST' });
    await expect(
      api('/activities', { method: 'POST', json: body, headers: { 'idempotency-key': 'lost-1' } }),
    ).rejects.toThrow();
    const retry = await api('/activities', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': 'lost-1' },
    });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(simulator.writeBackRecords(contactId)).toHaveLength(1);
  });

  it('shows the engagement score and the hot-lead flag with its timestamp on the contact record', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds()[5]!;
    const before = await api(`/contacts/${id}`);
    expect(before.body).toMatchObject({ engagement_score: null, hot_lead: false, hot_lead_at: null });

    const hot = await api(`/contacts/${id}/nurture`, {
      method: 'PATCH',
      json: {
        engagement_score: 87,
        engagement_scored_at: '2025-06-02T10:00:00.000Z',
        hot_lead: true,
        hot_lead_at: '2025-06-02T10:00:00.000Z',
      },
    });
    expect(hot.status).toBe(200);
    const after = simulator.getContact(id)!;
    expect(after).toMatchObject({
      engagement_score: 87,
      hot_lead: true,
      hot_lead_at: '2025-06-02T10:00:00.000Z',
    });
    expect(after.etag).not.toBe(before.body.etag);

    // An older score and a second hot-lead write change nothing: same ETag, first hot_lead_at kept.
    await api(`/contacts/${id}/nurture`, {
      method: 'PATCH',
      json: {
        engagement_score: 40,
        engagement_scored_at: '2025-06-01T10:00:00.000Z',
        hot_lead: true,
        hot_lead_at: '2025-06-03T10:00:00.000Z',
      },
    });
    expect(simulator.getContact(id)).toMatchObject({
      engagement_score: 87,
      hot_lead_at: '2025-06-02T10:00:00.000Z',
      etag: after.etag,
    });
    expect((await api(`/contacts/${id}/nurture`)).body).toMatchObject({
      contact_id: id,
      engagement_score: 87,
      hot_lead: true,
    });
  });
});

describe('custom simulator: rate limits', () => {
  it(`answers 429 with Retry-After past ${CUSTOM_RATE_LIMITS.requestsPerSecond} requests in a second, per key`, async () => {
    const now = Date.parse('2025-06-02T09:00:00.000Z');
    const { simulator, api } = await start({ rateLimits: {}, now: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < CUSTOM_RATE_LIMITS.requestsPerSecond + 1; i++)
      statuses.push((await api('/account')).status);
    expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);
    const limited = await api('/account');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('ratelimit-policy')).toBe('20;w=1');
    expect(limited.body.type).toBe('https://propsync.dev/problems/rate-limited');
    simulator.controls.advanceClock(1_000);
    expect((await api('/account')).status).toBe(200);
  });

  it(`answers 429 past ${CUSTOM_RATE_LIMITS.maxConcurrent} requests in flight`, async () => {
    const { simulator, api } = await start({ rateLimits: {} });
    simulator.controls.setFaults({ latencyMs: 150 });
    const statuses = await Promise.all(
      Array.from({ length: CUSTOM_RATE_LIMITS.maxConcurrent + 1 }, () =>
        api('/account').then((answer) => answer.status),
      ),
    );
    expect(statuses.filter((status) => status === 429)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(CUSTOM_RATE_LIMITS.maxConcurrent);
  });
});

describe('custom simulator: faults and request log', () => {
  it('fails the next requests with a given status and injects a seeded error rate', async () => {
    const { simulator, api } = await start();
    simulator.controls.failNext(2, 503, { pathPrefix: '/v1/contacts' });
    expect((await api('/account')).status).toBe(200);
    expect((await api('/contacts')).status).toBe(503);
    const second = await api('/contacts');
    expect(second.status).toBe(503);
    expect(second.body.type).toBe('https://propsync.dev/problems/unavailable');
    expect((await api('/contacts')).status).toBe(200);

    const run = async () => {
      const { simulator: seeded, api: client } = await start({ seed: 9 });
      seeded.controls.setFaults({ errorRate: 0.5, errorStatuses: [500] });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await client('/account')).status);
      return statuses;
    };
    const firstRun = await run();
    expect(firstRun).toContain(500);
    expect(firstRun).toContain(200);
    expect(await run()).toEqual(firstRun);
  });

  it('logs method, path, query and status of API calls, never the key', async () => {
    const { simulator, api } = await start();
    await api('/contacts?limit=3&updated_since=2025-01-01T00:00:00Z');
    const [entry] = simulator.requestLog.entries({ path: '/v1/contacts' });
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/v1/contacts',
      query: { limit: '3', updated_since: '2025-01-01T00:00:00Z' },
      status: 200,
    });
    expect(JSON.stringify(simulator.requestLog.entries())).not.toContain(CUSTOM_DEMO_API_KEY);
  });
});

describe('custom simulator: webhooks', () => {
  async function receiver(answer: (count: number) => number = () => 204) {
    const received: Array<{ headers: Record<string, string>; body: string }> = [];
    const app = express();
    app.post('/hook', express.text({ type: '*/*' }), (request, response) => {
      received.push({ headers: request.headers as Record<string, string>, body: request.body as string });
      response.status(answer(received.length)).end();
    });
    const running = await listen(app);
    closeLater(() => running.close());
    return { url: `${running.url}/hook`, received };
  }

  it('registers through the API, returns a whsec_ secret once, and signs deliveries (Standard Webhooks)', async () => {
    const { simulator, api } = await start();
    const hook = await receiver();
    const created = await api('/webhooks', {
      method: 'POST',
      json: { url: hook.url, events: ['contact.updated', 'activity.created'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect((await api(`/webhooks/${created.body.id}`)).body.secret).toBeUndefined();
    expect((await api('/webhooks')).body.data).toHaveLength(1);

    const [id] = simulator.controls.modifyContacts({ count: 1, randomChange: true });
    await simulator.webhooksIdle();
    expect(hook.received).toHaveLength(1);
    const delivery = hook.received[0]!;
    const verified = new Webhook(created.body.secret).verify(delivery.body, delivery.headers) as Json;
    expect(verified).toMatchObject({ type: 'contact.updated', data: { id } });
    expect(Math.abs(Number(delivery.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    expect(() =>
      new Webhook(created.body.secret).verify(delivery.body.replace(id!, 'con_9999999'), delivery.headers),
    ).toThrow();

    expect((await api(`/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    simulator.controls.modifyContacts({ count: 1, randomChange: true });
    await simulator.webhooksIdle();
    expect(hook.received).toHaveLength(1);
  });

  it('retries failed deliveries with the same webhook-id, and duplicates deliveries on demand', async () => {
    const { simulator, api } = await start();
    const hook = await receiver((count) => (count === 1 ? 503 : 200));
    const created = await api('/webhooks', {
      method: 'POST',
      json: { url: hook.url, events: ['contact.updated'] },
    });
    simulator.controls.modifyContacts({ count: 1, randomChange: true });
    await simulator.webhooksIdle();
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]!.headers['webhook-id']).toBe(hook.received[0]!.headers['webhook-id']);

    simulator.controls.setWebhookFaults({ duplicateRate: 1 });
    simulator.controls.modifyContacts({ count: 1, randomChange: true });
    await simulator.webhooksIdle();
    expect(hook.received).toHaveLength(4);
    expect(hook.received[3]!.headers['webhook-id']).toBe(hook.received[2]!.headers['webhook-id']);
    expect(hook.received[3]!.body).toBe(hook.received[2]!.body);
    for (const delivery of hook.received)
      expect(() => new Webhook(created.body.secret).verify(delivery.body, delivery.headers)).not.toThrow();
  });

  it('signs a stale delivery on demand, which Standard Webhooks receivers reject', async () => {
    const { simulator } = await start();
    const secret = `whsec_${Buffer.from('a-test-secret-of-24-bytes').toString('base64')}`;
    const stale = simulator.signedContactWebhook({
      contactId: simulator.contactIds()[0]!,
      secret,
      timestampOffsetSeconds: -600,
    });
    expect(() => new Webhook(secret).verify(stale.rawBody, stale.headers)).toThrow(/timestamp/i);
    const fresh = simulator.signedContactWebhook({ contactId: simulator.contactIds()[0]!, secret });
    expect(new Webhook(secret).verify(fresh.rawBody, fresh.headers)).toMatchObject({
      type: 'contact.updated',
    });
  });
});

describe('custom simulator: the OpenAPI document is the contract it implements', () => {
  const document = readFileSync(
    new URL('../../docs/openapi/propsync-custom-crm.yaml', import.meta.url),
    'utf8',
  );
  const lines = document.split('\n');

  /** `path method` pairs under `paths:` (the document's own indentation, no YAML library needed). */
  function documentedOperations(): string[] {
    const operations: string[] = [];
    let inPaths = false;
    let path = '';
    for (const line of lines) {
      if (/^\S/.test(line)) inPaths = line === 'paths:';
      if (!inPaths) continue;
      const pathMatch = /^ {2}(\/\S*):$/.exec(line);
      if (pathMatch) path = pathMatch[1]!;
      const methodMatch = /^ {4}(get|post|put|patch|delete):$/.exec(line);
      if (methodMatch) operations.push(`${methodMatch[1]!.toUpperCase()} ${path}`);
    }
    return operations.sort();
  }

  /** The `required` list and property names of `components.schemas.<name>`. */
  function schemaFields(name: string): { required: string[]; properties: string[] } {
    const start = lines.indexOf(`    ${name}:`);
    expect(start, `schema ${name}`).toBeGreaterThan(0);
    const block: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (/^ {0,4}\S/.test(line)) break;
      block.push(line);
    }
    // A flow list, on one line or (as Prettier wraps long ones) over several.
    const required =
      /^ {6}required:\s*\[([^\]]*)\]/m
        .exec(block.join('\n'))?.[1]
        ?.split(',')
        .map((field) => field.trim())
        .filter((field) => field !== '') ?? [];
    const properties = block
      .map((line) => /^ {8}([a-z0-9_]+):$/.exec(line)?.[1])
      .filter((field): field is string => field !== undefined);
    return { required, properties };
  }

  function expectShape(name: string, value: Json): void {
    const { required, properties } = schemaFields(name);
    expect(Object.keys(value).sort(), name).toEqual([...properties].sort());
    expect([...required].sort(), `${name} required`).toEqual([...properties].sort());
  }

  it('documents exactly the operations the simulator serves', () => {
    const router = createCustomApiRouter({} as never) as unknown as {
      stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }>;
    };
    const served = router.stack
      .filter((layer) => layer.route !== undefined)
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map(
          (method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      );
    expect(documentedOperations()).toEqual([...served, 'GET /openapi.yaml'].sort());
  });

  it('lists every field the simulator renders, all of them required', async () => {
    const { simulator, api } = await start();
    const hook = await api('/webhooks', {
      method: 'POST',
      json: { url: 'http://127.0.0.1:9/hook', events: ['contact.updated'] },
    });
    const contactId = simulator.contactIds()[0]!;
    await api(`/contacts/${contactId}/nurture`, { method: 'PATCH', json: { hot_lead: true } });
    const activity = (await api('/activities?limit=1&type=viewing')).body.data[0] as Json;
    expectShape('Account', (await api('/account')).body);
    expectShape('Contact', (await api(`/contacts/${contactId}`)).body);
    expectShape('Nurture', (await api(`/contacts/${contactId}/nurture`)).body);
    expectShape('Activity', activity);
    expectShape('ActivityProperty', activity.property);
    expectShape('WebhookSubscription', (await api(`/webhooks/${hook.body.id}`)).body);
    expectShape('ContactPage', (await api('/contacts?limit=1')).body);
    expectShape('Address', (await api(`/contacts/${contactId}`)).body.address);
    expect(schemaFields('ContactPatch').properties.sort()).toEqual(
      [
        'title',
        'first_name',
        'last_name',
        'date_of_birth',
        'emails',
        'phones',
        'address',
        'marketing_consent',
        'archived',
        'custom_fields',
      ].sort(),
    );
  });

  it('states the version the simulator implements and reports as api_version', () => {
    expect(lines).toContain(`  version: ${CUSTOM_API_VERSION}`);
  });

  it('serves the document itself without authentication', async () => {
    const { baseUrl } = await start();
    const response = await fetch(`${baseUrl}/openapi.yaml`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(document);
  });
});
