import { createPublicKey, verify } from 'node:crypto';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../toolkit/app-listener.ts';
import { normaliseEmail, toE164 } from '../toolkit/uk-contact-format.ts';
import {
  REAPIT_API_VERSION,
  REAPIT_DEMO_CLIENT,
  REAPIT_RATE_LIMITS,
  type ReapitClientCredentials,
} from './reapit-constants.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type ReapitSimulatorOptions,
} from './reapit-simulator.ts';

type Json = Record<string, any>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(
  options: ReapitSimulatorOptions = {},
): Promise<{ simulator: ReapitSimulator; url: string }> {
  const simulator = createReapitSimulator({ contactCount: 300, webhookRetryScale: 0.00001, ...options });
  const running = await simulator.listen(0);
  cleanups.push(() => simulator.close());
  connectHosts.set(running.url, running.connectUrl);
  return { simulator, url: running.url };
}

/** Reapit Connect's address for a simulator's API address (a separate listener, as at Reapit). */
const connectHosts = new Map<string, string>();
const connectOf = (url: string) => connectHosts.get(url)!;

async function requestToken(
  url: string,
  client: ReapitClientCredentials = REAPIT_DEMO_CLIENT,
): Promise<Response> {
  return fetch(`${connectOf(url)}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId }).toString(),
  });
}

async function tokenFor(url: string, client: ReapitClientCredentials = REAPIT_DEMO_CLIENT): Promise<string> {
  const response = await requestToken(url, client);
  expect(response.status).toBe(200);
  return ((await response.json()) as Json).access_token as string;
}

/** A small Reapit client: authorised, versioned, customer-addressed calls. */
function apiClient(url: string, token: string, customerId = REAPIT_DEMO_CLIENT.customerId) {
  return (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'api-version': REAPIT_API_VERSION,
      'reapit-customer': customerId,
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.headers as Record<string, string> | undefined),
    };
    const { json, ...rest } = init;
    return fetch(`${url}${path}`, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
}

async function connect(options: ReapitSimulatorOptions = {}) {
  const { simulator, url } = await start(options);
  const api = apiClient(url, await tokenFor(url));
  return { simulator, url, api };
}

function expectReapitError(body: Json, status: number): void {
  expect(body).toMatchObject({ statusCode: status, description: expect.any(String) });
  expect(body.dateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
}

/** Follows `_links.next` from the first page, returning every page. */
async function allPages(api: ReturnType<typeof apiClient>, firstPath: string): Promise<Json[]> {
  const pages: Json[] = [];
  let path: string | undefined = firstPath;
  while (path !== undefined) {
    const response = await api(path);
    expect(response.status).toBe(200);
    const page = (await response.json()) as Json;
    pages.push(page);
    path = page._links.next?.href;
  }
  return pages;
}

interface Delivery {
  headers: Record<string, string>;
  rawBody: string;
  body: Json;
}

/** A webhook receiver that records raw bodies; `respond` decides each status. */
async function startReceiver(respond: (delivery: Delivery, index: number) => number = () => 200) {
  const deliveries: Delivery[] = [];
  const app = express();
  app.post('/hooks', express.raw({ type: '*/*' }), (request, response) => {
    const rawBody = (request.body as Buffer).toString('utf8');
    const delivery = {
      headers: request.headers as Record<string, string>,
      rawBody,
      body: JSON.parse(rawBody) as Json,
    };
    deliveries.push(delivery);
    response.status(respond(delivery, deliveries.length - 1)).end();
  });
  const running: RunningServer = await listen(app, 0);
  cleanups.push(() => running.close());
  return { url: `${running.url}/hooks`, deliveries };
}

describe('Reapit simulator: authentication', () => {
  it("serves Reapit Connect and the API on separate hosts, each refusing the other one's paths", async () => {
    const { url } = await start();
    expect(connectOf(url)).not.toBe(url);
    const onApiHost = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    expect(onApiHost.status).toBe(404);
    expect((await fetch(`${url}/authorize?response_type=code`)).status).toBe(404);
    const token = await tokenFor(url);
    const onConnectHost = await fetch(`${connectOf(url)}/contacts/?pageSize=1`, {
      headers: {
        authorization: `Bearer ${token}`,
        'api-version': REAPIT_API_VERSION,
        'reapit-customer': REAPIT_DEMO_CLIENT.customerId,
      },
    });
    expect(onConnectHost.status).toBe(404);
    expect((await apiClient(url, token)('/contacts/?pageSize=1')).status).toBe(200);
  });

  it('issues client-credential tokens by Basic auth, or by client_id and client_secret in the form', async () => {
    const { url } = await start();
    const response = await requestToken(url);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect(body.access_token.length).toBeGreaterThan(20);

    const formOnly = await fetch(`${connectOf(url)}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${REAPIT_DEMO_CLIENT.clientId}&client_secret=${REAPIT_DEMO_CLIENT.clientSecret}`,
    });
    expect(formOnly.status).toBe(200);

    const badSecret = await requestToken(url, { ...REAPIT_DEMO_CLIENT, clientSecret: 'wrong' });
    expect(badSecret.status).toBe(401);
    expect(await badSecret.json()).toMatchObject({ error: 'invalid_client' });

    const badGrant = await fetch(`${connectOf(url)}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    expect(badGrant.status).toBe(400);
  });

  it('expires tokens after their lifetime (real time and simulated time)', async () => {
    const { simulator, url } = await start({ tokenLifetimeSeconds: 1 });
    const api = apiClient(url, await tokenFor(url));
    expect((await api('/contacts/?pageSize=1')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await api('/contacts/?pageSize=1');
    expect(expired.status).toBe(401);
    expectReapitError((await expired.json()) as Json, 401);

    const fresh = apiClient(url, await tokenFor(url));
    expect((await fresh('/contacts/?pageSize=1')).status).toBe(200);
    simulator.controls.advanceClock(1000);
    expect((await fresh('/contacts/?pageSize=1')).status).toBe(401);

    const another = apiClient(url, await tokenFor(url));
    expect((await another('/contacts/?pageSize=1')).status).toBe(200);
    simulator.controls.expireTokens();
    const refused = await another('/contacts/?pageSize=1');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as Json).description).toMatch(/expired/);
  });

  it('rejects revoked clients, old tokens included, until restored', async () => {
    const { simulator, url, api } = await connect();
    simulator.controls.revokeClient(REAPIT_DEMO_CLIENT.clientId);
    expect((await api('/contacts/?pageSize=1')).status).toBe(401);
    const refused = await requestToken(url);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'invalid_client' });

    simulator.controls.restoreClient(REAPIT_DEMO_CLIENT.clientId);
    expect((await apiClient(url, await tokenFor(url))('/contacts/?pageSize=1')).status).toBe(200);
  });

  it('requires a bearer token, api-version and the matching reapit-customer header', async () => {
    const { url } = await start();
    const token = await tokenFor(url);
    const call = (headers: Record<string, string>) => fetch(`${url}/contacts/?pageSize=1`, { headers });
    const full = {
      authorization: `Bearer ${token}`,
      'api-version': REAPIT_API_VERSION,
      'reapit-customer': 'SBOX',
    };

    const cases: Array<[Record<string, string>, number]> = [
      [full, 200],
      [{ ...full, authorization: '' }, 401],
      [{ ...full, authorization: 'Bearer not-a-token' }, 401],
      [{ authorization: full.authorization, 'reapit-customer': 'SBOX' }, 400],
      [{ ...full, 'api-version': '2019-01-01' }, 400],
      [{ authorization: full.authorization, 'api-version': REAPIT_API_VERSION }, 400],
      [{ ...full, 'reapit-customer': 'OTHER' }, 403],
    ];
    for (const [headers, status] of cases) {
      const response = await call(headers);
      expect(response.status, JSON.stringify(headers)).toBe(status);
      if (status !== 200) expectReapitError((await response.json()) as Json, status);
      expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('keeps customers apart: each has its own data, and ids repeat across customers', async () => {
    const other = { clientId: 'other-app', clientSecret: 'other-secret', customerId: 'ACME' };
    const { simulator, url } = await start({ clients: [REAPIT_DEMO_CLIENT, other] });
    const sandbox = apiClient(url, await tokenFor(url));
    const acme = apiClient(url, await tokenFor(url, other), 'ACME');
    const [sandboxFirst, acmeFirst] = await Promise.all([
      sandbox('/contacts/RPT20000001').then((response) => response.json() as Promise<Json>),
      acme('/contacts/RPT20000001').then((response) => response.json() as Promise<Json>),
    ]);
    expect(sandboxFirst.id).toBe(acmeFirst.id);
    expect(sandboxFirst.email).not.toBe(acmeFirst.email);
    expect((await apiClient(url, await tokenFor(url, other), 'SBOX')('/contacts/?pageSize=1')).status).toBe(
      403,
    );
    expect(simulator.contactCount('ACME')).toBe(300);
  });
});

describe('Reapit simulator: contacts', () => {
  it('pages through every contact with a HAL envelope, omitting next on the last page', async () => {
    const { simulator, api } = await connect({ contactCount: 237 });
    const pages = await allPages(api, '/contacts/?pageSize=50');
    expect(pages).toHaveLength(5);
    pages.forEach((page, i) => {
      expect(page).toMatchObject({ pageNumber: i + 1, pageSize: 50, totalCount: 237, totalPageCount: 5 });
      expect(page.pageCount).toBe(page._embedded.length);
      expect(page._links.self.href).toContain(`pageNumber=${i + 1}`);
      expect(page._links.first.href).toContain('pageNumber=1');
      expect(page._links.last.href).toContain('pageNumber=5');
      if (i < 4) expect(page._links.next.href).toContain(`pageNumber=${i + 2}`);
    });
    expect(pages[4]!.pageCount).toBe(37);
    expect(pages[4]!._links.next).toBeUndefined();
    const ids = pages.flatMap((page) => page._embedded.map((contact: Json) => contact.id as string));
    expect(new Set(ids).size).toBe(237);
    expect(ids).toEqual(simulator.contactIds());

    const defaultPage = (await (await api('/contacts/')).json()) as Json;
    expect(defaultPage.pageSize).toBe(25);
    const beyond = (await (await api('/contacts/?pageSize=50&pageNumber=9')).json()) as Json;
    expect(beyond).toMatchObject({ pageCount: 0, _embedded: [], totalCount: 237 });
    for (const bad of [
      'pageSize=0',
      'pageSize=101',
      'pageNumber=0',
      'pageSize=abc',
      'sortBy=colour',
      'modifiedFrom=yesterday',
      'modifiedFrom=2024-01-01T10:00:00',
    ]) {
      const response = await api(`/contacts/?${bad}`);
      expect(response.status, bad).toBe(400);
      expectReapitError((await response.json()) as Json, 400);
    }
  });

  it('returns the Reapit ContactModel, with relationships when embedded and an ETag header', async () => {
    const { simulator, api } = await connect();
    const person = simulator
      .people()
      .find((candidate) => candidate.roles.length >= 2 && candidate.duplicateOf === null)!;
    const id = simulator.contactIds()[person.index]!;
    const response = await api(`/contacts/${id}?embed=relationships`);
    expect(response.status).toBe(200);
    const contact = (await response.json()) as Json;
    expect(response.headers.get('etag')).toBe(contact._eTag);
    expect(contact._eTag).toMatch(/^"[0-9A-F]{32}"$/);
    expect(contact).toMatchObject({
      id: expect.stringMatching(/^RPT2\d{7}$/),
      forename: person.forename,
      surname: person.surname,
      email: person.email,
      mobilePhone: person.mobile,
      marketingConsent: { granted: 'grant', denied: 'deny', not_asked: 'notAsked' }[person.marketingConsent],
      primaryAddress: {
        type: 'primary',
        postcode: person.postcode,
        line1: person.street,
        line3: person.town,
        countryId: 'GB',
      },
      officeIds: [expect.any(String)],
      negotiatorIds: [expect.any(String)],
      metadata: {},
      _links: { self: { href: `/contacts/${id}` } },
    });
    for (const field of [
      'created',
      'modified',
      'title',
      'dateOfBirth',
      'active',
      'source',
      'homePhone',
      'workPhone',
      'categoryIds',
      'communicationPreferenceEmail',
      'communicationPreferenceLetter',
      'communicationPreferencePhone',
      'communicationPreferenceSMS',
      'additionalContactDetails',
    ]) {
      expect(contact, field).toHaveProperty(field);
    }
    expect(contact.relationships).toHaveLength(person.roles.length);
    expect(contact.categoryIds).toHaveLength(person.roles.length);
    for (const relationship of contact.relationships as Json[]) {
      expect(['applicant', 'landlord', 'tenancy', 'vendor']).toContain(relationship.associatedType);
      expect(relationship.contactId).toBe(id);
      // Only ContactRoleModel's fields: what an applicant is after lives on the applicant.
      expect(Object.keys(relationship).sort()).toEqual(
        [
          '_links',
          'associatedId',
          'associatedType',
          'contactId',
          'created',
          'fromArchive',
          'id',
          'modified',
        ].sort(),
      );
      if (relationship.associatedType === 'applicant') {
        const applicant = (await (await api(`/applicants/${relationship.associatedId}`)).json()) as Json;
        expect(applicant).toMatchObject({ id: relationship.associatedId, related: [{ id }] });
        expect(['buying', 'renting']).toContain(applicant.marketingMode);
        expect(applicant).toHaveProperty(applicant.marketingMode === 'buying' ? 'buying' : 'renting');
      }
    }
    const plain = (await (await api(`/contacts/${id}`)).json()) as Json;
    expect(plain.relationships).toBeUndefined();
    expect((await api('/contacts/RPT29999999')).status).toBe(404);
  });

  it('filters by modified range inclusively, using the index, and returns only changed records', async () => {
    const { simulator, api } = await connect({ contactCount: 400 });
    const models = simulator.contactIds().map((id) => simulator.getContact(id)!);
    const pivot = models[123]!;
    const from = pivot.modified as string;
    const page = (await (
      await api(`/contacts/?pageSize=100&modifiedFrom=${from}&modifiedTo=${from}`)
    ).json()) as Json;
    expect(page._embedded.map((contact: Json) => contact.id)).toContain(pivot.id);
    expect(page._embedded.every((contact: Json) => contact.modified === from)).toBe(true);

    const start = new Date(Date.parse(from) - 30 * 86_400_000).toISOString();
    const expected = models.filter(
      (model) =>
        Date.parse(model.modified as string) >= Date.parse(start) &&
        Date.parse(model.modified as string) <= Date.parse(from),
    );
    const pages = await allPages(
      api,
      `/contacts/?pageSize=100&sortBy=modified&modifiedFrom=${start}&modifiedTo=${encodeURIComponent(from)}`,
    );
    const seen = pages.flatMap((current) => current._embedded as Json[]);
    expect(seen.map((contact) => contact.id).sort()).toEqual(expected.map((model) => model.id).sort());
    const times = seen.map((contact) => Date.parse(contact.modified as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // A delta sync after some edits sees exactly the edited contacts.
    simulator.controls.advanceClock(5000);
    const cursor = new Date(simulator.clock.now()).toISOString();
    simulator.controls.advanceClock(1000);
    const edited = simulator.controls.modifyContacts({ count: 7, randomChange: true });
    simulator.requestLog.clear();
    const delta = await allPages(api, `/contacts/?pageSize=100&modifiedFrom=${cursor}`);
    expect(delta.flatMap((current) => current._embedded.map((contact: Json) => contact.id)).sort()).toEqual(
      [...edited].sort(),
    );
    const logged = simulator.requestLog.entries({ method: 'GET', path: '/contacts/' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ status: 200, query: { pageSize: '100', modifiedFrom: cursor } });
  });

  it('filters by email (case-insensitive, trimmed), id, name, created range, active and metadata', async () => {
    const { simulator, api } = await connect();
    const [duplicate] = simulator.plantedDuplicates();
    const original = simulator.getContact(duplicate!.duplicateOfContactId)!;
    const email = normaliseEmail(original.email as string).toUpperCase();
    const byEmail = (await (await api(`/contacts/?email=${encodeURIComponent(email)}`)).json()) as Json;
    const variations = duplicate!.variations;
    if (variations.includes('email') || !variations.includes('phone')) {
      expect(byEmail._embedded.map((contact: Json) => contact.id).sort()).toEqual(
        [duplicate!.contactId, duplicate!.duplicateOfContactId].sort(),
      );
    }
    expect(byEmail._embedded.map((contact: Json) => contact.id)).toContain(original.id);

    const ids = simulator.contactIds().slice(3, 6);
    const byId = (await (await api(`/contacts/?${ids.map((id) => `id=${id}`).join('&')}`)).json()) as Json;
    expect(byId._embedded.map((contact: Json) => contact.id)).toEqual(ids);

    const byName = (await (
      await api(`/contacts/?pageSize=100&name=${encodeURIComponent(original.surname as string)}`)
    ).json()) as Json;
    expect(byName.totalCount).toBeGreaterThanOrEqual(1);
    expect(
      byName._embedded.every((contact: Json) =>
        (contact.surname as string).includes(original.surname as string),
      ),
    ).toBe(true);

    const created = simulator.getContact(ids[1]!)!.created as string;
    const byCreated = (await (
      await api(`/contacts/?createdFrom=${created}&createdTo=${created}`)
    ).json()) as Json;
    expect(byCreated._embedded.map((contact: Json) => contact.id)).toEqual([ids[1]]);

    const inactive = (await (await api('/contacts/?active=false&pageSize=100')).json()) as Json;
    expect(inactive._embedded.every((contact: Json) => contact.active === false)).toBe(true);

    await api(`/contacts/${ids[0]}`, {
      method: 'PATCH',
      headers: { 'if-match': simulator.getContact(ids[0]!)!._eTag as string },
      json: { metadata: { propsyncScore: 87 } },
    });
    const byMetadata = (await (
      await api(`/contacts/?metadata=${encodeURIComponent('metadata.propsyncScore $gte 80')}`)
    ).json()) as Json;
    expect(byMetadata._embedded.map((contact: Json) => contact.id)).toEqual([ids[0]]);
    expect((await api('/contacts/?metadata=nonsense')).status).toBe(400);
  });

  it('PATCH needs the current eTag: success bumps modified and eTag, stale or missing is 412', async () => {
    const { simulator, api } = await connect();
    const id = simulator.contactIds()[10]!;
    const before = (await (await api(`/contacts/${id}`)).json()) as Json;
    simulator.controls.advanceClock(2000);

    const patched = await api(`/contacts/${id}`, {
      method: 'PATCH',
      headers: { 'if-match': before._eTag as string },
      json: {
        email: 'new.address@example.co.uk',
        primaryAddress: { postcode: 'SW1A 1AA' },
        metadata: { propsyncScore: 40 },
        unknownField: 1,
      },
    });
    expect(patched.status).toBe(204);
    expect(await patched.text()).toBe('');
    const after = (await (await api(`/contacts/${id}`)).json()) as Json;
    expect(patched.headers.get('etag')).toBe(after._eTag);
    expect(after._eTag).not.toBe(before._eTag);
    expect(Date.parse(after.modified as string)).toBeGreaterThan(Date.parse(before.modified as string));
    expect(after.email).toBe('new.address@example.co.uk');
    expect(after.primaryAddress).toEqual({ ...before.primaryAddress, postcode: 'SW1A 1AA' });

    const second = await api(`/contacts/${id}`, {
      method: 'PATCH',
      headers: { 'if-match': after._eTag as string },
      json: { metadata: { hotLead: true } },
    });
    expect(second.status).toBe(204);
    // App metadata is replaced as a whole: a writer must re-send the keys it means to keep.
    expect(simulator.getContact(id)!.metadata).toEqual({ hotLead: true });

    const stale = await api(`/contacts/${id}`, {
      method: 'PATCH',
      headers: { 'if-match': before._eTag as string },
      json: { forename: 'Stale' },
    });
    expect(stale.status).toBe(412);
    expectReapitError((await stale.json()) as Json, 412);
    const unquoted = await api(`/contacts/${id}`, {
      method: 'PATCH',
      headers: { 'if-match': (simulator.getContact(id)!._eTag as string).replaceAll('"', '') },
      json: { forename: 'X' },
    });
    expect(unquoted.status).toBe(412);
    const missing = await api(`/contacts/${id}`, { method: 'PATCH', json: { forename: 'Nobody' } });
    expect(missing.status).toBe(412);
    expect(simulator.getContact(id)!.forename).toBe(before.forename);

    const invalid = await api(`/contacts/${id}`, {
      method: 'PATCH',
      headers: { 'if-match': simulator.getContact(id)!._eTag as string },
      json: { marketingConsent: 'maybe', email: 'not-an-email' },
    });
    expect(invalid.status).toBe(422);
    const body = (await invalid.json()) as Json;
    expectReapitError(body, 422);
    expect(body.errors.map((error: Json) => error.field).sort()).toEqual(['email', 'marketingConsent']);
  });

  it('POST creates with 201 + Location and no body; a retried POST duplicates; invalid input is 422', async () => {
    const { simulator, api, url } = await connect();
    const input = {
      surname: 'Pemberton',
      forename: 'Ada',
      email: 'ada@example.com',
      marketingConsent: 'grant',
      officeIds: ['LDN'],
      negotiatorIds: ['JAS'],
    };
    const first = await api('/contacts/', { method: 'POST', json: input });
    expect(first.status).toBe(201);
    expect(await first.text()).toBe('');
    const location = first.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${url}/contacts/RPT2\\d{7}$`));
    const retried = await api('/contacts/', { method: 'POST', json: input });
    expect(retried.headers.get('location')).not.toBe(location);
    expect(simulator.contactCount()).toBe(302);
    const created = (await (await api(`${new URL(location).pathname}?embed=relationships`)).json()) as Json;
    expect(created).toMatchObject({
      surname: 'Pemberton',
      forename: 'Ada',
      email: 'ada@example.com',
      relationships: [],
      categoryIds: [],
    });

    const invalid = await api('/contacts/', { method: 'POST', json: { forename: 'No surname' } });
    expect(invalid.status).toBe(422);
    const body = (await invalid.json()) as Json;
    expect(body.errors.map((error: Json) => error.field)).toEqual(
      expect.arrayContaining(['surname', 'marketingConsent', 'officeIds', 'negotiatorIds']),
    );
    expect(
      (
        await api('/contacts/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{not json',
        })
      ).status,
    ).toBe(400);
  });
});

describe('Reapit simulator: rate limits', () => {
  it('answers 429 (no Retry-After) past 20 requests in a second', async () => {
    const fixed = Date.UTC(2025, 5, 2, 12);
    const { api } = await connect({ now: () => fixed, contactCount: 50 });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < REAPIT_RATE_LIMITS.requestsPerSecond + 3; i++) {
      const response = await api('/contacts/?pageSize=1');
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
      else await response.arrayBuffer();
    }
    expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429, 429]);
    expect(limited!.headers.get('retry-after')).toBeNull();
    expectReapitError((await limited!.json()) as Json, 429);
  });

  it('answers 429 past 5 concurrent requests per customer', async () => {
    const { simulator, api } = await connect({ contactCount: 50 });
    simulator.controls.setFaults({ latencyMs: 600 });
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => api('/contacts/?pageSize=1')))).map(
      (response) => response.status,
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
  });

  it('can be disabled for benchmarks', async () => {
    const fixed = Date.UTC(2025, 5, 2, 12);
    const { api } = await connect({ now: () => fixed, rateLimits: false, contactCount: 20 });
    const statuses = await Promise.all(
      Array.from({ length: 30 }, () => api('/contacts/?pageSize=1').then((response) => response.status)),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe('Reapit simulator: faults and request log', () => {
  it('fails the next N requests, drops connections and holds requests open', async () => {
    const { simulator, api } = await connect({ contactCount: 20 });
    simulator.faults.failNext(2, 503, { method: 'GET' });
    expect((await api('/contacts/?pageSize=1')).status).toBe(503);
    expect((await api('/contacts/?pageSize=1')).status).toBe(503);
    expect((await api('/contacts/?pageSize=1')).status).toBe(200);

    simulator.faults.dropNext(1);
    await expect(api('/contacts/?pageSize=1')).rejects.toThrow();

    simulator.faults.timeoutNext(1);
    await expect(api('/contacts/?pageSize=1', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect((await api('/contacts/?pageSize=1')).status).toBe(200);

    const statuses = simulator.requestLog.entries({ path: '/contacts/' }).map((entry) => entry.status);
    expect(statuses).toEqual([503, 503, 200, null, null, 200]);
  });

  it('injects a seeded error rate reproducibly', async () => {
    const run = async () => {
      const { simulator, api } = await connect({ contactCount: 20, rateLimits: false, seed: 7 });
      simulator.controls.setFaults({ errorRate: 0.4, errorStatuses: [500, 502] });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await api('/contacts/?pageSize=1')).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.filter((status) => status >= 500).length).toBeGreaterThan(2);
    expect(first.filter((status) => status === 200).length).toBeGreaterThan(2);
  });

  it('records method, path, query, status and time of every API call, never credentials', async () => {
    const { simulator, api } = await connect({ contactCount: 20 });
    await api('/contacts/?pageSize=5&sortBy=-modified&id=A&id=B');
    const [tokenCall, listCall] = simulator.requestLog.entries();
    expect(tokenCall).toMatchObject({ method: 'POST', path: '/token', status: 200, query: {} });
    expect(listCall).toMatchObject({
      method: 'GET',
      path: '/contacts/',
      status: 200,
      query: { pageSize: '5', sortBy: '-modified', id: ['A', 'B'] },
    });
    expect(listCall!.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(JSON.stringify(simulator.requestLog.entries())).not.toContain(REAPIT_DEMO_CLIENT.clientSecret);
    simulator.requestLog.clear();
    expect(simulator.requestLog.size).toBe(0);
  });
});

describe('Reapit simulator: activities and journal entries', () => {
  it('serves seeded appointments and offers with filters and paging', async () => {
    const { simulator, api } = await connect({ contactCount: 600 });
    const viewings = (await (
      await api('/appointments?typeId=VW&includeCancelled=true&includeUnconfirmed=true&pageSize=100')
    ).json()) as Json;
    expect(viewings.totalCount).toBeGreaterThan(20);
    expect(
      viewings._embedded.every(
        (appointment: Json) => appointment.typeId === 'VW' && appointment.attendee.type === 'applicant',
      ),
    ).toBe(true);
    const sample = viewings._embedded[0] as Json;
    const byAttendee = (await (
      await api(
        `/appointments?attendeeId=${sample.attendee.id}&includeCancelled=true&includeUnconfirmed=true`,
      )
    ).json()) as Json;
    expect(
      byAttendee._embedded.every((appointment: Json) => appointment.attendee.id === sample.attendee.id),
    ).toBe(true);
    expect(byAttendee._embedded.map((appointment: Json) => appointment.id)).toContain(sample.id);

    const valuations = (await (
      await api('/appointments?typeId=VL&includeUnconfirmed=true&includeCancelled=true&pageSize=1')
    ).json()) as Json;
    expect(valuations.totalCount).toBeGreaterThan(5);
    const accepted = (await (await api('/offers?status=accepted&pageSize=100')).json()) as Json;
    expect(accepted.totalCount).toBeGreaterThan(0);
    expect(
      accepted._embedded.every(
        (offer: Json) => offer.status === 'accepted' && /^RPT3\d{7}$/.test(offer.applicantId),
      ),
    ).toBe(true);
    const offer = accepted._embedded[0] as Json;
    const byApplicant = (await (await api(`/offers?applicantId=${offer.applicantId}`)).json()) as Json;
    expect(byApplicant._embedded.map((candidate: Json) => candidate.id)).toContain(offer.id);
    expect((await api('/offers?status=maybe')).status).toBe(400);

    simulator.controls.advanceClock(60_000);
    const since = new Date(simulator.clock.now()).toISOString();
    const buyer = simulator.people().findIndex((person) => person.roles.includes('buyerApplicant'));
    const contactId = simulator.contactIds()[buyer]!;
    const appointmentId = simulator.controls.createAppointment({ contactId, typeId: 'VW' });
    const offerId = simulator.controls.createOffer({ contactId, amount: 425_000, status: 'pending' });
    const newAppointments = (await (
      await api(`/appointments?modifiedFrom=${since}&includeUnconfirmed=true`)
    ).json()) as Json;
    expect(newAppointments._embedded.map((appointment: Json) => appointment.id)).toEqual([appointmentId]);
    const newOffers = (await (await api(`/offers?modifiedFrom=${since}`)).json()) as Json;
    expect(newOffers._embedded).toEqual([
      expect.objectContaining({ id: offerId, amount: 425_000, status: 'pending' }),
    ]);
  });

  it('round-trips journal entries and validates them', async () => {
    const { simulator, api } = await connect();
    const contactId = simulator.contactIds()[4]!;
    const entry = {
      typeId: 'EM',
      associatedType: 'contact',
      associatedId: contactId,
      description: 'Sent the spring newsletter [propsync:abc]',
    };
    const created = await api('/journalEntries', { method: 'POST', json: entry });
    expect(created.status).toBe(204);
    const listed = (await (
      await api(`/journalEntries?associatedType=contact&associatedId=${contactId}`)
    ).json()) as Json;
    expect(listed).toMatchObject({ totalCount: 1, pageNumber: 1 });
    expect(listed._embedded[0]).toMatchObject({
      ...entry,
      associatedName: expect.stringContaining(simulator.getContact(contactId)!.surname as string),
    });
    expect(simulator.journalEntries()).toEqual([expect.objectContaining({ description: entry.description })]);
    const other = (await (
      await api(`/journalEntries?associatedId=${simulator.contactIds()[5]}`)
    ).json()) as Json;
    expect(other.totalCount).toBe(0);

    const invalid = await api('/journalEntries', {
      method: 'POST',
      json: { associatedType: 'spaceship', description: '' },
    });
    expect(invalid.status).toBe(422);
    const errors = ((await invalid.json()) as Json).errors.map((error: Json) => error.field);
    expect(errors).toEqual(
      expect.arrayContaining(['typeId', 'associatedType', 'associatedId', 'description']),
    );
    const unknown = await api('/journalEntries', {
      method: 'POST',
      json: { ...entry, associatedId: 'RPT29999999' },
    });
    expect(unknown.status).toBe(422);
  });
});

describe('Reapit simulator: a long journal', () => {
  it('plants a history over /_sim, lists it oldest first 25 a page unless told, and filters and sorts on request', async () => {
    const { simulator, url, api } = await connect();
    const contactId = simulator.contactIds()[6]!;
    const planted = await fetch(`${url}/_sim/journal-entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contactId, count: 30, typeId: 'NT' }),
    });
    expect(planted.status).toBe(204);
    simulator.clock.advance(1000);
    const newest = {
      typeId: 'EM',
      associatedType: 'contact',
      associatedId: contactId,
      description: 'newest',
    };
    expect((await api('/journalEntries', { method: 'POST', json: newest })).status).toBe(204);
    const unsorted = (await (
      await api(`/journalEntries?associatedType=contact&associatedId=${contactId}`)
    ).json()) as Json;
    expect(unsorted).toMatchObject({ totalCount: 31, pageSize: 25, totalPageCount: 2 });
    expect(unsorted._embedded.map((entry: Json) => entry.description)).not.toContain('newest');
    const sorted = (await (
      await api(`/journalEntries?associatedType=contact&associatedId=${contactId}&sortBy=-created`)
    ).json()) as Json;
    expect(sorted._embedded[0].description).toBe('newest');
    const emails = (await (
      await api(`/journalEntries?associatedType=contact&associatedId=${contactId}&typeId=EM`)
    ).json()) as Json;
    expect(emails._embedded.map((entry: Json) => entry.description)).toEqual(['newest']);
  });
});

describe('Reapit simulator: webhooks', () => {
  async function subscribe(
    api: ReturnType<typeof apiClient>,
    url: string,
    topicIds: string[],
    extra: Json = {},
  ) {
    const response = await api('/resthooks', {
      method: 'POST',
      json: { url, topicIds, active: true, ignoreEtagOnlyChanges: false, ...extra },
    });
    expect(response.status).toBe(201);
    const hook = (await response.json()) as Json;
    expect(response.headers.get('location')).toMatch(new RegExp(`/resthooks/${hook.id}$`));
    return hook;
  }

  function verifySignature(delivery: Delivery, x: string): boolean {
    const [prefix, , timestamp, signature] = delivery.headers['x-signature']!.split(':');
    expect(prefix).toBe('s');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    return verify(
      null,
      Buffer.from(`${timestamp}${delivery.rawBody}`),
      key,
      Buffer.from(signature!, 'base64'),
    );
  }

  it('manages resthooks: create, list, read, replace, delete, and validates them', async () => {
    const { api } = await connect();
    const hook = await subscribe(api, 'https://example.com/hooks', ['contacts.modified']);
    expect(hook).toMatchObject({
      url: 'https://example.com/hooks',
      topicIds: ['contacts.modified'],
      active: true,
      ignoreEtagOnlyChanges: false,
    });
    expect(((await (await api('/resthooks')).json()) as Json)._embedded.map((item: Json) => item.id)).toEqual(
      [hook.id],
    );
    const replaced = await api(`/resthooks/${hook.id}`, {
      method: 'PUT',
      json: { url: 'https://example.com/v2', topicIds: ['contacts.created'], active: false },
    });
    expect(replaced.status).toBe(204);
    expect((await (await api(`/resthooks/${hook.id}`)).json()) as Json).toMatchObject({
      url: 'https://example.com/v2',
      active: false,
    });
    expect((await api(`/resthooks/${hook.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/resthooks/${hook.id}`)).status).toBe(404);
    const invalid = await api('/resthooks', {
      method: 'POST',
      json: { url: 'not a url', topicIds: ['contacts.exploded'] },
    });
    expect(invalid.status).toBe(422);
  });

  it('delivers signed notifications; one change fans out to several sharing an eventId', async () => {
    const { simulator, api } = await connect();
    const receiver = await startReceiver();
    await subscribe(api, receiver.url, [
      'contacts.modified',
      'applicants.modified',
      'landlords.modified',
      'vendors.modified',
      'tenancies.modified',
    ]);
    const person = simulator
      .people()
      .find((candidate) => candidate.roles.length >= 2 && candidate.duplicateOf === null)!;
    const id = simulator.contactIds()[person.index]!;
    const contact = simulator.getContact(id)!;

    const started = performance.now();
    const patched = await api(`/contacts/${id}`, {
      method: 'PATCH',
      headers: { 'if-match': contact._eTag as string },
      json: { surname: 'Featherstonehaugh' },
    });
    expect(patched.status).toBe(204);
    expect(performance.now() - started).toBeLessThan(1000);
    await simulator.webhooksIdle();

    const deliveries = receiver.deliveries;
    expect(deliveries).toHaveLength(1 + person.roles.length);
    const eventIds = new Set(deliveries.map((delivery) => delivery.body.eventId));
    expect(eventIds.size).toBe(1);
    const identities = new Set(
      deliveries.map((delivery) => `${delivery.body.topicId}|${delivery.body.entityId}`),
    );
    expect(identities.size).toBe(deliveries.length);

    const main = deliveries.find((delivery) => delivery.body.topicId === 'contacts.modified')!;
    expect(Object.keys(main.body)).toEqual([
      'eventId',
      'entityId',
      'customerId',
      'eventTime',
      'topicId',
      'new',
      'old',
      'diff',
    ]);
    expect(main.body).toMatchObject({
      entityId: id,
      customerId: 'SBOX',
      new: { surname: 'Featherstonehaugh' },
      old: { surname: person.surname },
    });
    expect(main.body.diff.surname).toEqual([person.surname, 'Featherstonehaugh']);
    expect(main.body.new.metadata).toBeUndefined();
    for (const delivery of deliveries.filter((candidate) => candidate !== main)) {
      expect(delivery.body.new.related[0]).toMatchObject({ id, surname: 'Featherstonehaugh' });
    }

    const kid = main.headers['x-signature']!.split(':')[1]!;
    const keyResponse = await api(`/webhooks/signing/${kid}`);
    expect(keyResponse.status).toBe(200);
    const { keys } = (await keyResponse.json()) as Json;
    expect(keys[0]).toMatchObject({ kid, crv: 'Ed25519' });
    expect(Buffer.from(keys[0].x as string, 'base64url')).toHaveLength(32);
    for (const delivery of deliveries) {
      expect(delivery.headers['content-type']).toContain('application/json');
      expect(verifySignature(delivery, keys[0].x as string)).toBe(true);
    }
    const tampered = { ...main, rawBody: main.rawBody.replace('Featherstonehaugh', 'Smith') };
    expect(verifySignature(tampered, keys[0].x as string)).toBe(false);
  });

  it('diffs nested address fields, marks created/archived events, and honours ignoreEtagOnlyChanges', async () => {
    const { simulator, api } = await connect();
    const receiver = await startReceiver();
    const quiet = await startReceiver();
    await subscribe(api, receiver.url, [
      'contacts.created',
      'contacts.modified',
      'appointments.created',
      'offers.created',
    ]);
    await subscribe(api, quiet.url, ['contacts.modified'], { ignoreEtagOnlyChanges: true });
    const id = simulator.contactIds()[20]!;
    const before = simulator.getContact(id)!;

    simulator.controls.modifyContacts({ ids: [id], fields: { primaryAddress: { postcode: 'EC1A 1BB' } } });
    simulator.controls.modifyContacts({ ids: [id], fields: { metadata: { score: 3 } } });
    const createdId = simulator.controls.createContact({
      surname: 'Okonjo',
      email: 'okonjo@example.com',
      marketingConsent: 'notAsked',
      officeIds: ['LDN'],
      negotiatorIds: ['JAS'],
    });
    simulator.controls.archiveContact(id);
    await simulator.webhooksIdle();

    // Delivery order is not guaranteed (as in Reapit), so find each notification by content.
    const bodies = receiver.deliveries.map((delivery) => delivery.body);
    expect(bodies).toHaveLength(4);
    const modifiedOf = (predicate: (body: Json) => boolean) =>
      bodies.filter((body) => body.topicId === 'contacts.modified' && predicate(body));
    const [addressChange] = modifiedOf((body) => body.new !== null && 'primaryAddress' in body.diff);
    const [etagOnly] = modifiedOf((body) => body.new !== null && !('primaryAddress' in body.diff));
    const [archived] = modifiedOf((body) => body.new === null);
    const created = bodies.find((body) => body.topicId === 'contacts.created');
    expect(addressChange!.diff.primaryAddress).toEqual({
      postcode: [(before.primaryAddress as Json).postcode, 'EC1A 1BB'],
    });
    expect(Object.keys(etagOnly!.diff).sort()).toEqual(['_eTag', 'modified']);
    expect(created).toMatchObject({
      topicId: 'contacts.created',
      entityId: createdId,
      old: null,
      new: { surname: 'Okonjo' },
    });
    expect(archived).toMatchObject({ topicId: 'contacts.modified', entityId: id, new: null, old: { id } });
    expect(archived!.diff.archivedOn[0]).toBeNull();
    // The ignoreEtagOnlyChanges subscription gets the address change and the archive, not the metadata-only change.
    const quietKinds = quiet.deliveries.map((delivery) =>
      delivery.body.new === null
        ? 'archived'
        : Object.keys(delivery.body.diff).includes('primaryAddress')
          ? 'address'
          : 'other',
    );
    expect(quietKinds.sort()).toEqual(['address', 'archived']);
  });

  it('retries 5xx answers on the scaled schedule, up to 5 more times, and never after a 4xx', async () => {
    const { simulator, api } = await connect();
    const flaky = await startReceiver((_delivery, index) => (index < 2 ? 500 : 200));
    const broken = await startReceiver(() => 503);
    const misconfigured = await startReceiver(() => 410);
    for (const receiver of [flaky, broken, misconfigured])
      await subscribe(api, receiver.url, ['contacts.modified']);
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(flaky.deliveries).toHaveLength(3);
    expect(new Set(flaky.deliveries.map((delivery) => delivery.rawBody)).size).toBe(1);
    expect(broken.deliveries).toHaveLength(6);
    expect(misconfigured.deliveries).toHaveLength(1);
    const outcomes = simulator
      .webhookAttempts()
      .map(
        (attempt) =>
          `${attempt.url.includes(String(new URL(flaky.url).port)) ? 'flaky' : 'other'}:${attempt.outcome}`,
      );
    expect(outcomes.filter((outcome) => outcome === 'flaky:delivered')).toHaveLength(1);
  });

  it('can duplicate and reorder deliveries on demand', async () => {
    const { simulator, api } = await connect();
    const receiver = await startReceiver();
    await subscribe(api, receiver.url, ['contacts.modified']);
    simulator.controls.setWebhookFaults({ duplicateRate: 1 });
    const [id] = simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.deliveries[0]!.rawBody).toBe(receiver.deliveries[1]!.rawBody);
    expect(receiver.deliveries[0]!.body.entityId).toBe(id);

    receiver.deliveries.length = 0;
    simulator.controls.setWebhookFaults({ duplicateRate: 0, outOfOrderRate: 0.5, outOfOrderDelayMs: 100 });
    const ids = simulator.contactIds().slice(50, 70);
    for (const contactId of ids) simulator.controls.modifyContacts({ ids: [contactId] });
    await simulator.webhooksIdle();
    const order = receiver.deliveries.map((delivery) => delivery.body.entityId);
    expect([...order].sort()).toEqual([...ids].sort());
    expect(order).not.toEqual(ids);
  });
});

describe('Reapit simulator: control surface and scale', () => {
  it('exposes controls over HTTP under /_sim', async () => {
    const { simulator, url, api } = await connect();
    const modified = (await (
      await fetch(`${url}/_sim/contacts/modify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count: 3, fields: { email: 'shared@example.com' } }),
      })
    ).json()) as Json;
    expect(modified.modified).toHaveLength(3);
    for (const id of modified.modified as string[])
      expect(simulator.getContact(id)!.email).toBe('shared@example.com');

    await fetch(`${url}/_sim/faults/fail-next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, status: 502 }),
    });
    expect((await api('/contacts/?pageSize=1')).status).toBe(502);
    const log = (await (await fetch(`${url}/_sim/requests?path=/contacts/`)).json()) as Json;
    expect(log.entries.map((entry: Json) => entry.status)).toEqual([502]);
    const overview = (await (await fetch(`${url}/_sim`)).json()) as Json;
    expect(overview).toMatchObject({ simulator: 'reapit', contactCount: 300, customers: ['SBOX'] });
    expect(JSON.stringify(overview)).not.toContain(REAPIT_DEMO_CLIENT.clientSecret);

    expect((await fetch(`${url}/_sim/reset`, { method: 'POST' })).status).toBe(204);
    expect(simulator.getContact(modified.modified[0] as string)!.email).not.toBe('shared@example.com');
    expect(simulator.requestLog.size).toBe(0);
    expect((await api('/contacts/?pageSize=1')).status).toBe(401);
  });

  it('plants the generator duplicates and namesakes among the contacts', async () => {
    const { simulator } = await connect({ contactCount: 1000 });
    const duplicates = simulator.plantedDuplicates();
    expect(duplicates.length).toBeGreaterThanOrEqual(10);
    for (const duplicate of duplicates) {
      const copy = simulator.getContact(duplicate.contactId)!;
      const original = simulator.getContact(duplicate.duplicateOfContactId)!;
      expect(normaliseEmail(copy.email as string)).toBe(normaliseEmail(original.email as string));
      expect(toE164(copy.mobilePhone as string)).toBe(toE164(original.mobilePhone as string));
      expect(copy.email !== original.email || copy.mobilePhone !== original.mobilePhone).toBe(true);
    }
    for (const pair of simulator.namesakes()) {
      const [first, second] = pair.contactIds.map((id) => simulator.getContact(id)!);
      expect([first!.forename, first!.surname]).toEqual([second!.forename, second!.surname]);
      expect(normaliseEmail(first!.email as string)).not.toBe(normaliseEmail(second!.email as string));
    }
    expect(simulator.namesakes().length).toBeGreaterThanOrEqual(3);
  });

  it('answers modified-range queries over 200,000 contacts from the index, quickly', async () => {
    const { simulator, api } = await connect({ contactCount: 200_000, rateLimits: false });
    simulator.controls.advanceClock(1000);
    const cursor = new Date(simulator.clock.now()).toISOString();
    simulator.controls.advanceClock(1000);
    const edited = simulator.controls.modifyContacts({ count: 150 });
    const started = performance.now();
    const pages = await allPages(api, `/contacts/?pageSize=100&sortBy=modified&modifiedFrom=${cursor}`);
    const elapsed = performance.now() - started;
    expect(pages.flatMap((page) => page._embedded.map((contact: Json) => contact.id)).sort()).toEqual(
      [...edited].sort(),
    );
    expect(elapsed).toBeLessThan(500);
    const full = (await (await api('/contacts/?pageSize=100&pageNumber=1500')).json()) as Json;
    expect(full).toMatchObject({ totalCount: 200_000, pageCount: 100 });
  });
});
