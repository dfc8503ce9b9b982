import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closeAfterEach, startWebhookReceiver } from '../toolkit/simulator-testing.ts';
import { generatePeople } from '../toolkit/uk-people.ts';
import {
  AGENTOS_DEMO_KEY,
  AGENTOS_LIST_PATHS,
  AGENTOS_RATE_LIMITS,
  type AgentosContactType,
} from './agentos-constants.ts';
import {
  createAgentosSimulator,
  type AgentosSimulator,
  type AgentosSimulatorOptions,
} from './agentos-simulator.ts';

type Json = Record<string, any>;

const closeLater = closeAfterEach();

const { apiKey, shortName } = AGENTOS_DEMO_KEY;

/** Rate limits are off unless a test asks for them: most tests make more than 50 calls. */
async function start(
  options: AgentosSimulatorOptions = {},
): Promise<{ simulator: AgentosSimulator; url: string; api: Api }> {
  const simulator = createAgentosSimulator({
    contactCount: 300,
    webhookRetryScale: 0.00001,
    rateLimits: false,
    ...options,
  });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  return { simulator, url: running.url, api: apiClient(running.url) };
}

type Api = (path: string, init?: RequestInit & { json?: unknown; key?: string | null }) => Promise<Response>;

/** Calls `/v4/advanced/{shortName}{path}` with the demo key in the `api_key` header. */
function apiClient(url: string, tier = 'advanced', agency = shortName): Api {
  return (path, init = {}) => {
    const { json, key, ...rest } = init;
    const headers: Record<string, string> = {
      ...(key === null ? {} : { api_key: key ?? apiKey }),
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.headers as Record<string, string> | undefined),
    };
    return fetch(`${url}/v4/${tier}/${agency}${path}`, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
}

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

function splitId(id: string): { type: AgentosContactType; oid: string } {
  const at = id.indexOf(':');
  return { type: id.slice(0, at) as AgentosContactType, oid: id.slice(at + 1) };
}

function pathOf(id: string): string {
  const { type, oid } = splitId(id);
  return `/${AGENTOS_LIST_PATHS[type]}/${oid}`;
}

/** Every page of one list at `count` per request. */
async function readList(
  api: Api,
  type: AgentosContactType,
  count: number,
  query = '',
): Promise<{ pages: Json[]; records: Json[] }> {
  const pages: Json[] = [];
  for (let offset = 0; ; offset += count) {
    const response = await api(`/${AGENTOS_LIST_PATHS[type]}/${offset}/${count}${query}`);
    expect(response.status).toBe(200);
    const page = await json(response);
    pages.push(page);
    if (page.Data.length < count) break;
  }
  return { pages, records: pages.flatMap((page) => page.Data as Json[]) };
}

async function startReceiver(respond?: (index: number) => number) {
  const receiver = await startWebhookReceiver<Json>(respond);
  closeLater(receiver.close);
  return receiver;
}

async function register(
  api: Api,
  url: string,
  events = ['contact.created', 'contact.updated'],
): Promise<Json> {
  const response = await api('/webhooks', { method: 'POST', json: { Url: url, Events: events } });
  expect(response.status).toBe(201);
  return json(response);
}

describe('agentOS simulator: API keys', () => {
  it('accepts the key in the api_key header, the v2 ApiKey header or ?api_key=, and refuses a missing or unknown key', async () => {
    const { url, api } = await start();
    const list = `${url}/v4/advanced/${shortName}/lettings/tenants/0/1`;
    expect((await api('/lettings/tenants/0/1')).status).toBe(200);
    expect((await fetch(list, { headers: { ApiKey: apiKey } })).status).toBe(200);
    expect((await fetch(`${list}?api_key=${apiKey}`)).status).toBe(200);

    const missing = await api('/lettings/tenants/0/1', { key: null });
    expect(missing.status).toBe(401);
    expect(await json(missing)).toEqual({ Message: expect.stringContaining('API key') });
    expect((await api('/lettings/tenants/0/1', { key: `${apiKey}x` })).status).toBe(401);
  });

  it('opens only the tiers the agency enabled, and only its own agency', async () => {
    const { url } = await start();
    expect((await apiClient(url, 'basic')('/lettings/tenants/0/1')).status).toBe(401);
    expect((await apiClient(url, 'premium')('/lettings/tenants/0/1')).status).toBe(404);
    const otherAgency = await apiClient(url, 'advanced', 'someoneelse')('/lettings/tenants/0/1');
    expect(otherAgency.status).toBe(401);
    expect((await json(otherAgency)).Message).toContain('someoneelse');
  });

  it('refuses a revoked key until it is restored', async () => {
    const { simulator, api } = await start();
    simulator.controls.revokeKey(apiKey);
    expect((await api('/company/branches/0/10')).status).toBe(401);
    simulator.controls.restoreKey(apiKey);
    const branches = await api('/company/branches/0/10');
    expect(branches.status).toBe(200);
    expect((await json(branches)).Count).toBe(6);
  });
});

describe('agentOS simulator: contact lists', () => {
  it('pages each list by {offset}/{count} in a {Count, Data} wrapper, covering every shared record once', async () => {
    const { simulator, api } = await start();
    const seen: string[] = [];
    for (const type of Object.keys(AGENTOS_LIST_PATHS) as AgentosContactType[]) {
      const { pages, records } = await readList(api, type, 40);
      for (const page of pages) expect(page.Count).toBe(records.length);
      for (const record of records) {
        expect(record).toMatchObject({
          OID: expect.any(String),
          ETag: expect.any(String),
          ContactType: type,
          ThirdPartyMarketingConsent: true,
        });
        seen.push(`${type}:${String(record.OID)}`);
      }
    }
    expect(seen).toHaveLength(new Set(seen).size);
    expect(new Set(seen)).toEqual(new Set(simulator.contactIds()));
    expect(seen.length).toBe(simulator.contactCount());
    // Records without third-party marketing consent exist but are never listed.
    expect(simulator.recordCount()).toBeGreaterThan(simulator.contactCount());

    expect((await api('/lettings/tenants/0/1001')).status).toBe(400);
    expect((await api('/lettings/tenants/0/0')).status).toBe(400);
    expect((await api('/lettings/tenants/-1/10')).status).toBe(400);
  });

  it('serves the v3-style PascalCase record with role fields and an ETag header', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds().find((candidate) => candidate.startsWith('SalesApplicant:'))!;
    const response = await api(pathOf(id));
    expect(response.status).toBe(200);
    const record = await json(response);
    expect(response.headers.get('etag')).toBe(`"${String(record.ETag)}"`);
    expect(record).toMatchObject({
      OID: splitId(id).oid,
      ContactType: 'SalesApplicant',
      Surname: expect.any(String),
      EmailAddress: expect.stringContaining('@'),
      MobilePhone: expect.any(String),
      Address: { Postcode: expect.stringMatching(/^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/) },
      Requirements: { MinBedrooms: expect.any(Number), MaxPrice: expect.any(Number) },
      HotLead: false,
      HotLeadDate: null,
    });
    expect(Date.parse(String(record.ModifiedDate))).not.toBeNaN();
    expect((await api('/lettings/tenants/00000000-0000-4100-8000-000000000000')).status).toBe(404);
  });

  it('filters by modifiedSince/modifiedUntil (inclusive), ordered by modification', async () => {
    const { simulator, api } = await start();
    const since = new Date(simulator.clock.now()).toISOString();
    simulator.controls.advanceClock(1000);
    const changed = simulator.controls.modifyContacts({ count: 6, randomChange: true });
    const found: string[] = [];
    for (const type of Object.keys(AGENTOS_LIST_PATHS) as AgentosContactType[]) {
      const { records } = await readList(api, type, 1000, `?modifiedSince=${encodeURIComponent(since)}`);
      found.push(...records.map((record) => `${type}:${String(record.OID)}`));
    }
    expect(new Set(found)).toEqual(new Set(changed));

    // Inclusive bounds: a record modified exactly at modifiedSince is listed.
    const target = simulator.getContact(changed[0]!)!;
    const { type } = splitId(changed[0]!);
    const exact = await readList(
      api,
      type,
      1000,
      `?modifiedSince=${String(target.ModifiedDate)}&modifiedUntil=${String(target.ModifiedDate)}`,
    );
    expect(exact.records.map((record) => record.OID)).toContain(target.OID);

    const all = await readList(api, 'SalesApplicant', 1000, `?modifiedUntil=${encodeURIComponent(since)}`);
    const times = all.records.map((record) => Date.parse(String(record.ModifiedDate)));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    expect((await api('/lettings/tenants/0/10?modifiedSince=yesterday')).status).toBe(400);
    expect((await api('/lettings/tenants/0/10?modifiedSince=2025-01-01T10:00:00')).status).toBe(400);
  });

  it('PATCH needs the current ETag (If-Match or body): stale → 412, missing → 428; success moves ETag and ModifiedDate', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds()[2]!;
    const before = await json(await api(pathOf(id)));
    simulator.controls.advanceClock(1000);

    expect((await api(pathOf(id), { method: 'PATCH', json: { Title: 'Dr' } })).status).toBe(428);
    const ok = await api(pathOf(id), {
      method: 'PATCH',
      json: { Title: 'Dr' },
      headers: { 'if-match': `"${String(before.ETag)}"` },
    });
    expect(ok.status).toBe(200);
    const after = await json(ok);
    expect(after.Title).toBe('Dr');
    expect(after.ETag).not.toBe(before.ETag);
    expect(ok.headers.get('etag')).toBe(`"${String(after.ETag)}"`);
    expect(Date.parse(String(after.ModifiedDate))).toBeGreaterThan(Date.parse(String(before.ModifiedDate)));

    const stale = await api(pathOf(id), { method: 'PATCH', json: { Title: 'Prof', ETag: before.ETag } });
    expect(stale.status).toBe(412);
    expect((await json(stale)).Message).toContain('changed');
    const invalid = await api(pathOf(id), {
      method: 'PATCH',
      json: { Surname: '', EmailAddress: 'not-an-email', ETag: after.ETag },
    });
    expect(invalid.status).toBe(400);
    expect(Object.keys((await json(invalid)).ModelState)).toEqual(
      expect.arrayContaining(['model.Surname', 'model.EmailAddress']),
    );
    expect(simulator.getContact(id)!.Title).toBe('Dr');
  });

  it('stops showing a record once third-party marketing consent is withdrawn', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds()[0]!;
    const count = simulator.contactCount();
    simulator.controls.modifyContacts({ ids: [id], fields: { ThirdPartyMarketingConsent: false } });
    expect((await api(pathOf(id))).status).toBe(404);
    expect(simulator.contactCount()).toBe(count - 1);
    expect(simulator.contactIds()).not.toContain(id);
  });
});

describe('agentOS simulator: rate limits', () => {
  it('answers 429 with Retry-After: 60 past 50 requests in a rolling minute, and recovers after it', async () => {
    const { simulator, api } = await start({ rateLimits: {} });
    const statuses: number[] = [];
    for (let i = 0; i < AGENTOS_RATE_LIMITS.requestsPerMinute; i++)
      statuses.push((await api('/company/branches/0/1')).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const limited = await api('/company/branches/0/1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await json(limited)).Message).toContain('50 requests per minute');
    simulator.controls.advanceClock(60_001);
    expect((await api('/company/branches/0/1')).status).toBe(200);
  });

  it('blocks a key with 403 after repeated abuse, until unblocked', async () => {
    const { simulator, api } = await start({ rateLimits: { requestsPerMinute: 2, abuseThreshold: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api('/company/branches/0/1')).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429, 403]);
    simulator.controls.advanceClock(120_000);
    expect((await api('/company/branches/0/1')).status).toBe(403);
    simulator.controls.unblockKey(apiKey);
    expect((await api('/company/branches/0/1')).status).toBe(200);
  });

  it('can be disabled for benchmarks', async () => {
    const { api } = await start({ rateLimits: false });
    const statuses = await Promise.all(
      Array.from({ length: 80 }, () => api('/company/branches/0/1').then((response) => response.status)),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe('agentOS simulator: faults and request log', () => {
  it('fails the next N requests in agentOS error shape (a 429 with its Retry-After), and drops connections', async () => {
    const { simulator, api } = await start();
    simulator.faults.failNext(2, 503);
    const first = await api('/company/branches/0/1');
    expect(first.status).toBe(503);
    expect(await json(first)).toEqual({ Message: expect.any(String) });
    expect((await api('/company/branches/0/1')).status).toBe(503);
    expect((await api('/company/branches/0/1')).status).toBe(200);

    simulator.faults.failNext(1, 429);
    const limited = await api('/company/branches/0/1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');

    simulator.faults.dropNext(1);
    await expect(api('/company/branches/0/1')).rejects.toThrow();
  });

  it('injects latency, and a seeded error rate that repeats with the same seed', async () => {
    const statusesOf = async (): Promise<number[]> => {
      const { simulator, api } = await start({ seed: 7 });
      simulator.controls.setFaults({ errorRate: 0.5, errorStatuses: [500, 503] });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await api('/company/branches/0/1')).status);
      return statuses;
    };
    const first = await statusesOf();
    expect(await statusesOf()).toEqual(first);
    expect(first).toContain(200);
    expect(first.some((status) => status === 500 || status === 503)).toBe(true);

    const { simulator, api } = await start();
    simulator.controls.setFaults({ latencyMs: 120 });
    const startedAt = performance.now();
    expect((await api('/company/branches/0/1')).status).toBe(200);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(100);
  });

  it('records method, path, query and status of API calls, with ?api_key= redacted', async () => {
    const { simulator, url } = await start();
    simulator.requestLog.clear();
    await fetch(
      `${url}/v4/advanced/${shortName}/lettings/tenants/0/5?modifiedSince=2025-01-01&api_key=${apiKey}`,
    );
    const [entry] = simulator.requestLog.entries();
    expect(entry).toMatchObject({
      method: 'GET',
      path: `/v4/advanced/${shortName}/lettings/tenants/0/5`,
      query: { modifiedSince: '2025-01-01', api_key: '[redacted]' },
      status: 200,
    });
    expect(JSON.stringify(simulator.requestLog.entries())).not.toContain(apiKey);
  });
});

describe('agentOS simulator: write-back', () => {
  it('creates diary appointments and offers through /_sim (201 with the oid), refusing a body without a contact (400)', async () => {
    const { simulator, url } = await start();
    const post = (path: string, body: unknown) =>
      fetch(`${url}/_sim${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const contactId = simulator.contactIds().find((candidate) => candidate.startsWith('SalesApplicant:'))!;
    const appointment = await post('/appointments', { contactId });
    expect(appointment.status).toBe(201);
    expect((await json(appointment)).oid).toEqual(expect.any(String));
    const offer = await post('/offers', { contactId });
    expect(offer.status).toBe(201);
    expect((await json(offer)).oid).toEqual(expect.any(String));
    expect((await post('/appointments', {})).status).toBe(400);
  });

  it('keeps contact log entries, findable by ExternalReference; a retried POST duplicates', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds()[1]!;
    const entry = {
      Type: 'Email',
      Subject: 'Nurture email sent',
      Notes: 'Spring sellers',
      ExternalReference: 'propsync:abc',
    };
    const created = await api(`${pathOf(id)}/logentries`, { method: 'POST', json: entry });
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(created.headers.get('location')).toContain(`/logentries/${String(body.OID)}`);
    expect(body).toMatchObject({
      ...entry,
      ContactType: splitId(id).type,
      ContactOID: splitId(id).oid,
      CreatedBy: 'API',
    });

    const found = await json(await api(`${pathOf(id)}/logentries/0/10?externalReference=PROPSYNC:ABC`));
    expect(found.Count).toBe(1);
    expect((await json(await api(`${pathOf(id)}/logentries/0/10?externalReference=other`))).Count).toBe(0);

    await api(`${pathOf(id)}/logentries`, { method: 'POST', json: entry });
    expect(simulator.logEntries(id)).toHaveLength(2);
    const invalid = await api(`${pathOf(id)}/logentries`, {
      method: 'POST',
      json: { Type: 'Fax', Subject: '' },
    });
    expect(invalid.status).toBe(400);
    expect(Object.keys((await json(invalid)).ModelState)).toEqual(
      expect.arrayContaining(['model.Type', 'model.Subject']),
    );
  });

  it('writes engagement score and hot-lead flag with its timestamp onto the contact record, leaving its ETag alone', async () => {
    const { simulator, api } = await start();
    const id = simulator.contactIds()[4]!;
    const before = simulator.getContact(id)!;
    const hotAt = '2026-03-21T09:30:00.000Z';
    const patched = await api(`${pathOf(id)}/engagement`, {
      method: 'PATCH',
      json: { EngagementScore: 82.5, HotLead: true, HotLeadDate: hotAt },
    });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ EngagementScore: 82.5, HotLead: true, HotLeadDate: hotAt });

    const record = await json(await api(pathOf(id)));
    expect(record).toMatchObject({
      EngagementScore: 82.5,
      HotLead: true,
      HotLeadDate: hotAt,
      ETag: before.ETag,
      ModifiedDate: before.ModifiedDate,
    });
    expect(simulator.getContact(id)).toMatchObject({ HotLead: true, HotLeadDate: hotAt });
    expect(simulator.engagement(id)).toMatchObject({ EngagementScore: 82.5, HotLead: true });

    expect(
      (await api(`${pathOf(id)}/engagement`, { method: 'PATCH', json: { EngagementScore: 101 } })).status,
    ).toBe(400);
    expect((await api(`${pathOf(id)}/engagement`, { method: 'PATCH', json: {} })).status).toBe(400);
  });
});

describe('agentOS simulator: activities', () => {
  it('serves seeded diary appointments and sales offers with their filters', async () => {
    const { simulator, api } = await start();
    const viewings = await json(await api('/diary/appointments/0/1000?systemType=Viewing'));
    expect(viewings.Count).toBeGreaterThan(0);
    for (const appointment of viewings.Data as Json[]) {
      expect(appointment).toMatchObject({
        SystemType: 'Viewing',
        Status: expect.stringMatching(/^(Booked|Completed|Cancelled)$/),
      });
      expect(['LettingsApplicant', 'SalesApplicant']).toContain(appointment.Attendees[0].ContactType);
    }
    expect((await api('/diary/appointments/0/10?systemType=Party')).status).toBe(400);

    const id = simulator.contactIds().find((candidate) => candidate.startsWith('Vendor:'))!;
    const oid = simulator.controls.createAppointment({ contactId: id });
    const forContact = await json(await api(`/diary/appointments/0/100?contactOID=${splitId(id).oid}`));
    expect((forContact.Data as Json[]).map((appointment) => appointment.OID)).toContain(oid);
    expect((forContact.Data as Json[]).find((appointment) => appointment.OID === oid)).toMatchObject({
      SystemType: 'SalesAppraisal',
      Status: 'Booked',
    });

    const buyer = simulator.contactIds().find((candidate) => candidate.startsWith('SalesApplicant:'))!;
    const offerOid = simulator.controls.createOffer({ contactId: buyer, amount: 425_000 });
    const offers = await json(
      await api(`/sales/offers/0/100?status=Submitted&applicantOID=${splitId(buyer).oid}`),
    );
    expect(offers.Data).toEqual([
      expect.objectContaining({ OID: offerOid, Amount: 425_000, Status: 'Submitted' }),
    ]);
  });
});

describe('agentOS simulator: activities changing', () => {
  it('moves an appointment or offer whose status an agent changes into the modified-since window, ordered by ModifiedDate', async () => {
    const { simulator, url, api } = await start();
    const tenant = simulator.contactIds().find((candidate) => candidate.startsWith('Tenant:'))!;
    const viewing = simulator.controls.createAppointment({ contactId: tenant, systemType: 'Viewing' });
    // Any record may be the applicant of an offer (the contract suite enters them for any contact).
    const offer = simulator.controls.createOffer({ contactId: tenant });
    const before = (await json(await api(`/diary/appointments/${viewing}`))) as Json;
    simulator.controls.advanceClock(60_000);
    const since = new Date(simulator.clock.now()).toISOString();
    simulator.controls.advanceClock(1_000);
    const post = (path: string, body: unknown) =>
      fetch(`${url}/_sim${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(`/offers/${offer}/status`, { status: 'Accepted' })).status).toBe(204);
    simulator.controls.advanceClock(1_000);
    expect((await post(`/appointments/${viewing}/status`, { status: 'Completed' })).status).toBe(204);
    expect((await post(`/appointments/${offer}/status`, { status: 'Completed' })).status).toBe(404);
    expect((await post(`/offers/${offer}/status`, { status: 'Lost' })).status).toBe(400);

    const appointments = await json(await api(`/diary/appointments/0/100?modifiedSince=${since}`));
    expect(appointments.Data).toEqual([
      expect.objectContaining({
        OID: viewing,
        Status: 'Completed',
        Attendees: [expect.objectContaining({ OID: splitId(tenant).oid })],
      }),
    ]);
    expect(appointments.Data[0].ETag).not.toBe(before.ETag);
    expect(Date.parse(appointments.Data[0].ModifiedDate)).toBeGreaterThan(Date.parse(before.ModifiedDate));
    const offers = await json(await api(`/sales/offers/0/100?modifiedSince=${since}`));
    expect(offers.Data).toEqual([
      expect.objectContaining({
        OID: offer,
        Status: 'Accepted',
        Applicant: expect.objectContaining({ ContactType: 'Tenant' }),
      }),
    ]);
  });

  it('seeds one sales applicant as a hot lead: a viewing completed two days ago and an offer submitted yesterday', async () => {
    const anchor = Date.parse('2026-11-30T00:00:00Z');
    const { api } = await start({ dataAnchor: anchor });
    const offers = (await json(await api('/sales/offers/0/1000?status=Submitted'))).Data as Json[];
    const yesterday = '2026-11-29';
    const hot = offers.find((offer) => offer.DateOffered === yesterday);
    expect(hot).toBeDefined();
    const viewings = (
      await json(await api(`/diary/appointments/0/100?systemType=Viewing&contactOID=${hot!.Applicant.OID}`))
    ).Data as Json[];
    expect(
      viewings.some(
        (viewing) =>
          viewing.Status === 'Completed' && anchor - Date.parse(viewing.StartDateTime) <= 2 * 86_400_000,
      ),
    ).toBe(true);
    // The same data from the same seed.
    const again = await start({ dataAnchor: anchor });
    expect((await json(await again.api('/sales/offers/0/1000'))).Data).toEqual(
      (await json(await api('/sales/offers/0/1000'))).Data,
    );
  });
});

describe('agentOS simulator: webhooks', () => {
  it('registers subscriptions through the API: the secret is shown once; only the two contact events exist', async () => {
    const { api } = await start();
    const created = await register(api, 'https://receiver.example/hooks');
    expect(created).toMatchObject({
      OID: expect.any(String),
      Url: 'https://receiver.example/hooks',
      Secret: expect.stringMatching(/^aosws_/),
    });
    const listed = await json(await api('/webhooks/0/10'));
    expect(listed.Count).toBe(1);
    expect(listed.Data[0]).not.toHaveProperty('Secret');
    expect(
      (
        await api('/webhooks', {
          method: 'POST',
          json: { Url: 'https://x.example', Events: ['contact.deleted'] },
        })
      ).status,
    ).toBe(400);
    expect((await api(`/webhooks/${String(created.OID)}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/webhooks/${String(created.OID)}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('delivers contact.updated signed with HMAC-SHA256 over "<timestamp>.<raw body>" with the subscription secret', async () => {
    const { simulator, api } = await start();
    const receiver = await startReceiver();
    const { Secret: secret } = await register(api, receiver.url);
    const [id] = simulator.controls.modifyContacts({ count: 1, randomChange: true });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(1);
    const { headers, rawBody, body } = receiver.deliveries[0]!;
    const timestamp = headers['x-agentos-timestamp']!;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
    const expected = `sha256=${createHmac('sha256', String(secret)).update(`${timestamp}.${rawBody}`).digest('hex')}`;
    expect(headers['x-agentos-signature']).toBe(expected);
    expect(headers['x-agentos-event']).toBe('contact.updated');
    expect(headers['x-agentos-delivery']).toBe(body.DeliveryID);
    expect(body).toMatchObject({
      Event: 'contact.updated',
      ShortName: shortName,
      Subject: id,
      Contact: { OID: splitId(id!).oid },
    });

    // Withdrawn consent is announced once, without the record.
    simulator.controls.modifyContacts({ ids: [id!], fields: { ThirdPartyMarketingConsent: false } });
    await simulator.webhooksIdle();
    expect(receiver.deliveries[1]?.body).toMatchObject({ Subject: id, Contact: null });
  });

  it('retries failed deliveries (5xx) and gives up after a 4xx', async () => {
    const { simulator, api } = await start();
    const flaky = await startReceiver((index) => (index < 2 ? 503 : 200));
    await register(api, flaky.url);
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(flaky.deliveries).toHaveLength(3);
    expect(new Set(flaky.deliveries.map((delivery) => delivery.body.DeliveryID)).size).toBe(1);
    expect(simulator.webhookAttempts().map((attempt) => attempt.outcome)).toEqual([
      'retry-scheduled',
      'retry-scheduled',
      'delivered',
    ]);

    const { simulator: other, api: otherApi } = await start();
    const refusing = await startReceiver(() => 400);
    await register(otherApi, refusing.url);
    other.controls.modifyContacts({ count: 1 });
    await other.webhooksIdle();
    expect(refusing.deliveries).toHaveLength(1);
  });

  it('duplicates and reorders deliveries on demand', async () => {
    const { simulator, api } = await start();
    const receiver = await startReceiver();
    await register(api, receiver.url);
    simulator.controls.setWebhookFaults({ duplicateRate: 1 });
    simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.deliveries[0]!.rawBody).toBe(receiver.deliveries[1]!.rawBody);

    receiver.deliveries.length = 0;
    simulator.controls.setWebhookFaults({ duplicateRate: 0, outOfOrderRate: 1, outOfOrderDelayMs: 80 });
    const [held] = simulator.controls.modifyContacts({ count: 1 });
    simulator.controls.setWebhookFaults({ outOfOrderRate: 0 });
    const [overtaking] = simulator.controls.modifyContacts({ count: 1 });
    await simulator.webhooksIdle();
    expect(receiver.deliveries.map((delivery) => delivery.body.Subject)).toEqual([overtaking, held]);
  });
});

describe('agentOS simulator: seeded data and controls', () => {
  it('is deterministic in the seed and shows the same people as other CRMs, formatted its own way', async () => {
    const { simulator } = await start({ seed: 3 });
    const { simulator: again } = await start({ seed: 3 });
    expect(again.contactIds()).toEqual(simulator.contactIds());

    const people = simulator.people();
    const elsewhere = generatePeople({ seed: 3, count: people.length, formatSalt: 'reapit' }).people;
    expect(
      people.map((person) => [person.personKey, person.forename, person.surname, person.postcode]),
    ).toEqual(
      elsewhere.map((person) => [person.personKey, person.forename, person.surname, person.postcode]),
    );
    expect(people.some((person, i) => person.mobile !== elsewhere[i]!.mobile)).toBe(true);
    expect(simulator.plantedDuplicates().length).toBeGreaterThan(0);
  });

  it('exposes the controls over HTTP under /_sim', async () => {
    const { simulator, url } = await start();
    const overview = await json(await fetch(`${url}/_sim`));
    expect(overview).toMatchObject({ simulator: 'agentos', listableContactCount: simulator.contactCount() });
    expect(JSON.stringify(overview)).not.toContain(apiKey);

    const modified = await fetch(`${url}/_sim/contacts/modify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 2, randomChange: true }),
    });
    expect((await json(modified)).modified).toHaveLength(2);

    await fetch(`${url}/_sim/faults/fail-next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 502 }),
    });
    expect((await apiClient(url)('/company/branches/0/1')).status).toBe(502);

    await fetch(`${url}/_sim/reset`, { method: 'POST' });
    expect(simulator.requestLog.size).toBe(0);
  });
});
