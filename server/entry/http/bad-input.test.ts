import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmProvider } from '../../../shared/providers.ts';
import { CRM_PROVIDERS } from '../../adapters/registry.ts';
import { CRMS } from '../../test-support/crms.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { allowListeners, mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { appRouter } from '../trpc/routers/_app.ts';
import { createApp } from './app.ts';
import { WEBHOOK_BODY_LIMIT_BYTES } from './webhook-routes.ts';
import { TRPC_MAX_BATCH_SIZE } from '../../../shared/api-limits.ts';

/**
 * The bad-input corpus: every webhook route and every tRPC procedure (found by walking the router,
 * so a new procedure is covered without touching this file) gets malformed, truncated, mistyped,
 * oversized, unicode and injection-looking input over real HTTP. Each answer must be a clear 4xx
 * (or, for a weird-but-valid value, a success that changes nothing or round-trips it unchanged),
 * never a 5xx; the database must be byte-for-byte unchanged and the server still healthy.
 */

let services: TestServices;
let server: Server;
let baseUrl: string;
let organisationId: string;
let adminToken: string;
/** The host's server credential, for `agencies.*` (embed tokens are refused there). */
let hostToken: string;
const harnesses = new Map<CrmProvider, RunningHarness>();
const connectionIds = new Map<CrmProvider, string>();
const secrets = new Map<CrmProvider, string | null>();

/** Loopback servers standing in for hostile CRMs: each records every request it gets. */
type FakeCrm = { url: string; hits: string[]; server: Server };
const fakeCrms: Record<'redirecting' | 'elsewhere' | 'chatty', FakeCrm> = {} as never;

async function fakeCrm(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<FakeCrm> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    handle(request, response);
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits, server };
}

beforeAll(async () => {
  for (const { simulator } of CRMS) {
    harnesses.set(simulator.provider, await simulator.start({ contactCount: 5, rateLimits: false }));
  }
  fakeCrms.elsewhere = await fakeCrm((_request, response) => response.end('{}'));
  fakeCrms.redirecting = await fakeCrm((_request, response) => {
    response.writeHead(302, { location: `${fakeCrms.elsewhere.url}/steal` }).end();
  });
  fakeCrms.chatty = await fakeCrm((_request, response) => {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: 'INTERNAL-ONLY: replica db-2.internal, user propsync' }));
  });
  // The simulators' hosts, and exactly their listeners and the fake CRMs' allowed: every other
  // internal address is refused.
  services = await createTestServices({
    env: mergeOperatorConfig(
      ...[...harnesses.values()].map((harness) => harness.operatorConfig),
      allowListeners(...Object.values(fakeCrms).map((crm) => crm.url)),
    ),
  });
  organisationId = await createOrganisation(services, 'Bad Input Lettings');
  server = createApp({ services }).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  for (const [provider, harness] of harnesses) {
    const summary = await services.connections.connect(organisationId, provider, harness.connection);
    connectionIds.set(provider, summary.id);
    const [row] = await query<{ webhook_secret: unknown }>(
      `select webhook_secret from crm_connections where id = ?`,
      [summary.id],
    );
    secrets.set(
      provider,
      row?.webhook_secret
        ? services.vault.decrypt<string>(row.webhook_secret, { organisationId, connectionId: summary.id })
        : null,
    );
  }
  await services.whenIdle(60_000);
  adminToken = await services.tokens.mint({ organisationId, role: 'admin' });
  hostToken = await services.tokens.mintHost(30 * 60);
}, 120_000);

afterAll(async () => {
  server?.close();
  await services?.destroy();
  for (const harness of harnesses.values()) await harness.close();
  for (const crm of Object.values(fakeCrms)) crm.server.close();
});

const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);

/** A checksum of every row of every table Propsync owns: any write, anywhere, changes it. */
async function databaseChecksum(): Promise<Record<string, string>> {
  const tables = await query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  const sums: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const [row] = await query<{ rows: number; sum: string | null }>(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from "${table}" t`,
    );
    sums[table] = `${row!.rows}:${row!.sum}`;
  }
  return sums;
}

/** A refusal is JSON with a stable code (`{ error, code, requestId }`), never HTML. */
function hasStableCode(text: string): boolean {
  try {
    const body = JSON.parse(text) as { code?: unknown };
    return typeof body.code === 'string' && /^[A-Z]+\.[A-Z_]+$/.test(body.code);
  } catch {
    return false;
  }
}

/** What no answer may carry: a driver's error text or a stack. */
const LEAKS =
  /invalid input syntax|violates .* constraint|relation "|syntax error at|"stack"|\bat .*\.ts:\d+/;

async function expectHealthy(): Promise<void> {
  const response = await fetch(`${baseUrl}/healthz`);
  expect(response.status).toBe(200);
}

// ---------------------------------------------------------------------------------------------
// Hostile strings
// ---------------------------------------------------------------------------------------------

const OVERSIZED = 'x'.repeat(100_000);
const WEIRD_STRINGS: Record<string, string> = {
  sql: `'; drop table contacts; --`,
  sqlUnion: `" OR 1=1 UNION SELECT credentials FROM crm_connections --`,
  html: `<script>alert('x')</script><img src=x onerror=alert(1)>`,
  template: '${process.env.PROPSYNC_TOKEN_SECRET}{{constructor.constructor("return process")()}}',
  pathTraversal: '../../../../etc/passwd%00',
  rightToLeft: '\u202Eكريم الحسيني\u202C',
  unicode: 'Zoë Ångström-Łukasiewicz 山田 🏠',
  nul: 'a\u0000b',
  likeWildcards: '%_%',
  oversized: OVERSIZED,
};

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

type Delivery = { headers: Record<string, string>; body: Buffer | string };

async function deliver(provider: string, connectionId: string, delivery: Delivery): Promise<Response> {
  return fetch(`${baseUrl}/webhooks/${provider}/${connectionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...delivery.headers },
    body: typeof delivery.body === 'string' ? delivery.body : new Uint8Array(delivery.body),
  });
}

function validDelivery(provider: CrmProvider, timestampOffsetSeconds?: number): Delivery {
  const harness = harnesses.get(provider)!;
  const signed = harness.signedWebhook({
    contactExternalId: harness.listableContactIds()[0]!,
    secret: secrets.get(provider) ?? null,
    ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
  });
  return { headers: signed.headers, body: signed.rawBody };
}

/**
 * Signs an arbitrary body the way the provider does, with the connection's secret, so malformed
 * content gets past the signature to the parser. Null where the CRM signs with its own private
 * key (Reapit, Ed25519).
 */
function resign(provider: CrmProvider, body: string): Record<string, string> | null {
  const secret = secrets.get(provider);
  if (!secret) return null;
  const timestamp = String(Math.floor(Date.now() / 1000));
  switch (provider) {
    case 'agentos': {
      const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
      return { 'x-agentos-timestamp': timestamp, 'x-agentos-signature': `sha256=${signature}` };
    }
    case 'alto': {
      const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
      return { 'x-signature': `t=${timestamp},v1=${signature}` };
    }
    case 'loop':
    case 'custom':
    case 'street': {
      const id = `msg_${randomUUID()}`;
      const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
      const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
    }
    default:
      return null;
  }
}

const SIGNATURE_HEADERS =
  /signature|timestamp|^webhook-|^x-agentos|^x-signature|^reapit|^x-reapit|^svix|^ce-|^x-loop|^x-street/i;

function withoutSignature(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !SIGNATURE_HEADERS.test(name)));
}

/** Malformed bodies that would be signed correctly if the provider's scheme lets us sign them. */
function malformedBodies(valid: string): Record<string, string> {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(valid);
  } catch {
    /* the valid body is JSON */
  }
  const deepen = (value: unknown, replace: (leaf: unknown) => unknown): unknown =>
    Array.isArray(value)
      ? value.map((inner) => deepen(inner, replace))
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, deepen(inner, replace)]))
        : replace(value);
  return {
    notJson: '{this is not json',
    truncated: valid.slice(0, Math.floor(valid.length / 2)),
    empty: '',
    jsonNull: 'null',
    jsonString: '"contact.updated"',
    jsonArray: '[1,2,3]',
    emptyObject: '{}',
    wrongTypes: JSON.stringify(deepen(parsed, (leaf) => (typeof leaf === 'string' ? 12345 : 'not-a-number'))),
    injectionStrings: JSON.stringify(
      deepen(parsed, (leaf) => (typeof leaf === 'string' ? WEIRD_STRINGS.sqlUnion : leaf)),
    ),
    oversizedFields: JSON.stringify(deepen(parsed, (leaf) => (typeof leaf === 'string' ? OVERSIZED : leaf))),
    deeplyNested: `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  };
}

describe('webhook receiver, every provider route', () => {
  it('accepts a correctly signed delivery once, then answers its replay as a duplicate without storing it', async () => {
    for (const provider of CRM_PROVIDERS) {
      const delivery = validDelivery(provider);
      const first = await deliver(provider, connectionIds.get(provider)!, delivery);
      expect(first.status, `${provider} valid delivery`).toBe(200);
      await services.whenIdle(30_000);
      const before = await databaseChecksum();
      const replay = await deliver(provider, connectionIds.get(provider)!, delivery);
      expect(replay.status, `${provider} replay`).toBe(200);
      expect(await replay.json()).toMatchObject({ duplicate: true });
      await services.whenIdle(30_000);
      expect(await databaseChecksum(), `${provider} replay stored nothing`).toEqual(before);
    }
  });

  it('refuses bad signatures, stale and future timestamps, malformed, oversized and misrouted deliveries with a 4xx and stores nothing', async () => {
    const before = await databaseChecksum();
    const failures: string[] = [];
    const check = async (label: string, response: Response, expected?: number[]) => {
      const ok = expected
        ? expected.includes(response.status)
        : response.status >= 400 && response.status < 500;
      const text = await response.text();
      if (!ok) failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
      else if (!hasStableCode(text)) failures.push(`${label}: no JSON error code in ${text.slice(0, 200)}`);
    };
    for (const provider of CRM_PROVIDERS) {
      const connectionId = connectionIds.get(provider)!;
      const valid = validDelivery(provider);
      const validBody = valid.body.toString();
      const tampered = validBody.replace(/[a-z]/, (letter) => (letter === 'a' ? 'b' : 'a'));
      await check(
        `${provider} tampered body`,
        await deliver(provider, connectionId, { ...valid, body: tampered }),
        [401],
      );
      await check(
        `${provider} missing signature`,
        await deliver(provider, connectionId, { headers: withoutSignature(valid.headers), body: validBody }),
        [400, 401],
      );
      const garbled = Object.fromEntries(
        Object.entries(valid.headers).map(([name, value]) => [
          name,
          SIGNATURE_HEADERS.test(name) ? `${value.slice(0, -4)}AAAA` : value,
        ]),
      );
      await check(
        `${provider} garbled signature`,
        await deliver(provider, connectionId, { headers: garbled, body: validBody }),
        [400, 401],
      );
      await check(
        `${provider} stale`,
        await deliver(provider, connectionId, validDelivery(provider, -3_600)),
        [401],
      );
      await check(
        `${provider} future`,
        await deliver(provider, connectionId, validDelivery(provider, 3_600)),
        [401],
      );
      await check(
        `${provider} oversized body`,
        await deliver(provider, connectionId, {
          headers: valid.headers,
          body: `{"pad":"${'x'.repeat(WEBHOOK_BODY_LIMIT_BYTES + 10)}"}`,
        }),
        [413],
      );
      await check(
        `${provider} text/plain`,
        await fetch(`${baseUrl}/webhooks/${provider}/${connectionId}`, {
          method: 'POST',
          headers: { ...valid.headers, 'content-type': 'text/plain' },
          body: validBody,
        }),
        [415],
      );
      for (const wrongId of ['not-a-uuid', randomUUID(), '..%2F..%2Fetc%2Fpasswd', "1'%20or%20'1'%3D'1"]) {
        await check(`${provider} connection ${wrongId}`, await deliver(provider, wrongId, valid), [404]);
      }
      // Another provider's route for this connection: not found, whatever the signature.
      const other = CRM_PROVIDERS.find((candidate) => candidate !== provider)!;
      await check(`${provider} via ${other} route`, await deliver(other, connectionId, valid), [404]);
      for (const [label, body] of Object.entries(malformedBodies(validBody))) {
        // Signed and well-formed with SQL-looking strings is a valid delivery: tested on its own below.
        if (label === 'injectionStrings') continue;
        // Unsigned: the signature check refuses it before anything reads it.
        await check(
          `${provider} ${label} unsigned`,
          await deliver(provider, connectionId, { headers: valid.headers, body }),
          [400, 401, 413],
        );
        const headers = resign(provider, body);
        if (headers) {
          await check(
            `${provider} ${label} signed`,
            await deliver(provider, connectionId, { headers, body }),
            [400, 401, 413],
          );
        }
      }
    }
    for (const provider of ['unknown', '..', 'REAPIT', '%00']) {
      await check(
        `provider ${provider}`,
        await deliver(provider, randomUUID(), { headers: {}, body: '{}' }),
        [404],
      );
    }
    expect(failures).toEqual([]);
    await services.whenIdle(30_000);
    expect(await databaseChecksum()).toEqual(before);
    await expectHealthy();
  });

  it('stores a signed, well-formed delivery full of SQL-looking strings as data (or refuses it with a 400), never a 5xx', async () => {
    for (const provider of CRM_PROVIDERS) {
      const body = malformedBodies(validDelivery(provider).body.toString()).injectionStrings!;
      const headers = resign(provider, body);
      if (!headers) continue;
      const response = await deliver(provider, connectionIds.get(provider)!, { headers, body });
      expect([200, 400], `${provider}: ${response.status}`).toContain(response.status);
      if (response.status !== 200) continue;
      const [stored] = await query<{ payload: unknown }>(
        `select payload from webhook_deliveries where connection_id = ? order by received_at desc limit 1`,
        [connectionIds.get(provider)],
      );
      // Whatever the mapper kept of the strings is kept verbatim, never interpreted.
      const text = JSON.stringify(stored!.payload);
      if (text.includes('UNION')) expect(text).toContain(JSON.stringify(WEIRD_STRINGS.sqlUnion).slice(1, -1));
    }
    await services.whenIdle(30_000);
    const [tables] = await query<{ count: number }>(
      `select count(*)::int as count from information_schema.tables where table_schema = 'public' and table_name = 'contacts'`,
    );
    expect(tables!.count).toBe(1);
    await expectHealthy();
  });

  it('stores a signed delivery whose names hold NUL, lone surrogates and control characters normalised, never a 5xx, and the connection stays active', async () => {
    // A web enquiry form can put anything in a name: PostgreSQL cannot store U+0000 or a lone
    // surrogate, so the inbound guard normalises them (or parks the record) before anything is stored.
    const poisonNames = (value: unknown, key = ''): unknown =>
      Array.isArray(value)
        ? value.map((inner) => poisonNames(inner))
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, poisonNames(inner, name)]))
          : typeof value === 'string' && /^(fore|first_?|last_?|sur|full_?)name$/i.test(key)
            ? `${value}\u0000\uD800\u0085`
            : value;
    let poisoned = 0;
    for (const provider of CRM_PROVIDERS) {
      const valid = validDelivery(provider).body.toString();
      const body = JSON.stringify(poisonNames(JSON.parse(valid)));
      const headers = resign(provider, body);
      // Reapit signs with its own key; a delivery without names (Alto sends ids) has nothing to poison.
      if (!headers || body === valid) continue;
      poisoned++;
      const response = await deliver(provider, connectionIds.get(provider)!, { headers, body });
      expect(response.status, `${provider}: ${response.status}`).toBe(200);
    }
    expect(poisoned).toBeGreaterThanOrEqual(3);
    await services.whenIdle(30_000);
    const stuck = await query<{ status: string }>(
      `select status from webhook_deliveries where organisation_id = ? and status <> 'processed'`,
      [organisationId],
    );
    expect(stuck).toEqual([]);
    const unhealthy = await query<{ provider: string; status: string }>(
      `select provider, status from crm_connections where organisation_id = ? and status <> 'active'`,
      [organisationId],
    );
    expect(unhealthy).toEqual([]);
    // Stored normalised: NUL and the C1 control removed, the lone surrogate replaced by U+FFFD
    // (every simulator's first contact is the same person: one contact of this agency).
    const normalised = await query<{ first_name: string }>(
      `select first_name from contacts where organisation_id = ? and first_name like ?`,
      [organisationId, '%\uFFFD'],
    );
    expect(normalised.length).toBeGreaterThanOrEqual(1);
    await expectHealthy();
  });

  it('parks the record of a signed delivery whose id holds a NUL (an id cannot be normalised), never a 5xx, and the connection stays active', async () => {
    const poisonIds = (value: unknown, key = ''): unknown =>
      Array.isArray(value)
        ? value.map((inner) => poisonIds(inner))
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, poisonIds(inner, name)]))
          : typeof value === 'string' && /^(id|oid)$/i.test(key)
            ? `${value}\u0000`
            : value;
    const parkedBefore = await query<{ count: number }>(
      `select count(*)::int as count from crm_sync_log where organisation_id = ? and status = 'error'`,
      [organisationId],
    );
    let accepted = 0;
    for (const provider of CRM_PROVIDERS) {
      const valid = validDelivery(provider).body.toString();
      const body = JSON.stringify(poisonIds(JSON.parse(valid)));
      const headers = resign(provider, body);
      if (!headers || body === valid) continue;
      const response = await deliver(provider, connectionIds.get(provider)!, { headers, body });
      // A CRM whose delivery names the record in its envelope too may refuse it as malformed (400).
      expect([200, 400], `${provider}: ${response.status}`).toContain(response.status);
      if (response.status === 200) accepted++;
    }
    expect(accepted).toBeGreaterThanOrEqual(2);
    await services.whenIdle(30_000);
    const stuck = await query<{ status: string }>(
      `select status from webhook_deliveries where organisation_id = ? and status <> 'processed'`,
      [organisationId],
    );
    expect(stuck).toEqual([]);
    const parked = await query<{ count: number }>(
      `select count(*)::int as count from crm_sync_log where organisation_id = ? and status = 'error' and error like ?`,
      [organisationId, "The record's id holds control characters%"],
    );
    expect(parked[0]!.count).toBeGreaterThanOrEqual(1);
    expect(parked[0]!.count).toBeLessThanOrEqual(parkedBefore[0]!.count + accepted);
    const unhealthy = await query<{ provider: string; status: string }>(
      `select provider, status from crm_connections where organisation_id = ? and status <> 'active'`,
      [organisationId],
    );
    expect(unhealthy).toEqual([]);
    await expectHealthy();
  });

  it('signs malformed bodies the way each provider does (so the signed cases above reach the parser)', async () => {
    // Proof the re-signing is right: the valid body re-signed by this test is accepted.
    for (const provider of CRM_PROVIDERS) {
      const body = validDelivery(provider).body.toString();
      const headers = resign(provider, body);
      if (!headers) continue;
      const response = await deliver(provider, connectionIds.get(provider)!, { headers, body });
      expect(response.status, `${provider} re-signed valid body`).toBe(200);
    }
    await services.whenIdle(30_000);
  });
});

// ---------------------------------------------------------------------------------------------
// tRPC
// ---------------------------------------------------------------------------------------------

/**
 * Plausible values per input field name, so a hostile value in one field gets past validation of
 * the others. Ids are random (nothing is found, so no mutation can succeed and change anything).
 */
const VALID_FIELDS: Record<string, unknown> = {
  connectionId: randomUUID(),
  contactId: randomUUID(),
  runId: randomUUID(),
  alertId: randomUUID(),
  conflictId: randomUUID(),
  syncRunId: randomUUID(),
  provider: 'reapit',
  credentials: { clientId: 'x', clientSecret: 'y' },
  settings: { baseUrl: 'http://127.0.0.1:9' },
  by: 'name',
  value: 'Smith',
  event: 'opened',
  messageId: 'message-1',
  subject: 'Hello',
  state: 'all',
  status: 'failed',
  direction: 'inbound',
  from: '2026-01-01',
  to: '2026-12-31',
  // No plausible cursor here: the cursor field gets forged and hostile values of its own below.
  limit: 10,
  logLimit: 10,
  intervalMinutes: 15,
  url: 'https://example.com/hooks',
  secret: 'not-a-secret',
  id: randomUUID(),
  dryRun: true,
};

type ProcedureDef = { type: 'query' | 'mutation' | 'subscription'; inputs: unknown[] };
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>,
).map(([path, procedure]) => ({
  path,
  type: procedure._def.type,
  hasInput: procedure._def.inputs.length > 0,
}));

/** Field names of a procedure's zod object input, when it has one. */
function inputFields(path: string): string[] {
  const def = (appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>)[path]!._def;
  const schema = def.inputs[0] as { shape?: Record<string, unknown> } | undefined;
  return schema?.shape ? Object.keys(schema.shape) : [];
}

async function call(
  path: string,
  type: string,
  rawInput: string | null,
  token: string | null = adminToken,
): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (type === 'query') {
    const search = rawInput === null ? '' : `?input=${encodeURIComponent(rawInput)}`;
    return fetch(`${baseUrl}/trpc/${path}${search}`, { headers });
  }
  return fetch(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    ...(rawInput === null ? {} : { body: rawInput }),
  });
}

describe('every tRPC procedure', () => {
  it('is found by walking the router', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(15);
    expect(procedures.map((procedure) => procedure.path)).toEqual(
      expect.arrayContaining(['connections.connect', 'engagement.reportEmail', 'contacts.lookup']),
    );
  });

  it('answers malformed, mistyped, oversized and hostile input with a 4xx (or a harmless success), never a 5xx, and changes nothing', async () => {
    const before = await databaseChecksum();
    const failures: string[] = [];
    let cases = 0;
    // Creating an agency is what agencies.create is for: a weird-but-valid name must round-trip.
    const createdAgencies: string[] = [];
    const createdAsSent = async (answer: string, input: string | null): Promise<string | null> => {
      const id = (JSON.parse(answer) as { result?: { data?: { id?: string } } }).result?.data?.id;
      const sent = (JSON.parse(input ?? '{}') as { name?: unknown }).name;
      if (!id || typeof sent !== 'string') return null;
      const [row] = await query<{ name: string }>(`select name from organisations where id = ?`, [id]);
      return row?.name === sent.trim() ? id : null;
    };
    for (const { path, type, hasInput } of procedures) {
      if (type === 'subscription') continue;
      const attempts: Array<{
        label: string;
        input: string | null;
        token?: string | null;
        structural: boolean;
        expectStatus?: number;
      }> = [
        { label: 'malformed JSON', input: '{"a": nope', structural: true },
        { label: 'truncated JSON', input: '{"connectionId":"', structural: true },
        { label: 'a bare string', input: '"hello"', structural: true },
        { label: 'a number', input: '42', structural: true },
        { label: 'an array', input: '[{"a":1}]', structural: true },
        { label: 'no token', input: '{}', token: null, structural: false },
        { label: 'forged token', input: '{}', token: `${adminToken.slice(0, -4)}AAAA`, structural: false },
        { label: 'garbage token', input: '{}', token: '../../etc/passwd', structural: false },
      ];
      const fields = inputFields(path);
      const base = Object.fromEntries(
        fields.filter((field) => field in VALID_FIELDS).map((field) => [field, VALID_FIELDS[field]]),
      );
      for (const field of fields) {
        if (typeof base[field] !== 'string') continue;
        for (const [name, value] of Object.entries(WEIRD_STRINGS)) {
          attempts.push({
            label: `valid but ${field}=${name}`,
            input: JSON.stringify({ ...base, [field]: value }),
            structural: false,
          });
        }
      }
      for (const field of fields) {
        for (const [name, value] of Object.entries({
          ...WEIRD_STRINGS,
          number: 1e308,
          negative: -1,
          boolean: true,
          object: { $ne: null },
          array: ['a'],
          nullValue: null,
        })) {
          attempts.push({
            label: `${field}=${name}`,
            input: JSON.stringify({ [field]: value }),
            structural: false,
          });
        }
      }
      // Cursors that decode but were never given out: refused at the edge, never sent to the database.
      if (fields.includes('cursor')) {
        const forge = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
        for (const [name, cursor] of Object.entries({
          notATimestamp: forge(['not a time', randomUUID()]),
          notAUuid: forge(['2026-11-01T10:00:00.000000Z', "x' or '1'='1"]),
          impossibleDate: forge(['2026-02-31T10:00:00.000000Z', randomUUID()]),
          notAnId: forge(['1 or 1=1']),
          numbers: forge([1, 2]),
        })) {
          attempts.push({
            label: `forged cursor ${name}`,
            input: JSON.stringify({ ...base, cursor }),
            structural: false,
            expectStatus: 400,
          });
        }
      }
      // An oversized request body as a whole: over the /trpc body limit for mutations (413); as a
      // query it is a 2 MB URL, which the HTTP server refuses (431).
      attempts.push({
        label: 'a 2 MB body',
        input: JSON.stringify({ pad: 'x'.repeat(2_000_000) }),
        structural: false,
        ...(type === 'mutation' && hasInput ? { expectStatus: 413 } : {}),
      });
      for (const attempt of attempts) {
        // A mutation without input (hostWebhooks.remove) ignores any body: only its auth is bad input.
        if (type === 'mutation' && !hasInput && attempt.token === undefined) continue;
        cases++;
        const response = await call(
          path,
          type,
          attempt.input,
          attempt.token === undefined
            ? path.startsWith('agencies.')
              ? hostToken
              : adminToken
            : attempt.token,
        );
        const text = await response.text();
        const label = `${path} ${attempt.label}: ${response.status} ${text.slice(0, 160)}`;
        if (response.status >= 500) failures.push(label);
        else if (LEAKS.test(text)) failures.push(`${label} (driver text or a stack in the answer)`);
        else if (attempt.expectStatus !== undefined && response.status !== attempt.expectStatus)
          failures.push(`${label} (expected ${attempt.expectStatus})`);
        else if (attempt.token !== undefined && response.status !== 401)
          failures.push(`${label} (expected 401)`);
        else if (attempt.structural && hasInput && (response.status < 400 || response.status >= 500))
          failures.push(`${label} (expected a 4xx)`);
        else if (response.status >= 200 && response.status < 300 && type === 'mutation' && hasInput) {
          const created = path === 'agencies.create' ? await createdAsSent(text, attempt.input) : null;
          if (created) createdAgencies.push(created);
          else failures.push(`${label} (a mutation accepted bad input)`);
        }
      }
    }
    expect(createdAgencies.length).toBeGreaterThan(0);
    await query(`delete from organisations where id in (select jsonb_array_elements_text(?::jsonb)::uuid)`, [
      JSON.stringify(createdAgencies),
    ]);
    expect(cases).toBeGreaterThan(500);
    expect(failures).toEqual([]);
    await services.whenIdle(30_000);
    expect(await databaseChecksum()).toEqual(before);
    await expectHealthy();
  }, 120_000);

  it('refuses a batch over the limit with 400 before running any call of it', async () => {
    const before = await databaseChecksum();
    const paths = Array.from({ length: TRPC_MAX_BATCH_SIZE + 1 }, () => 'engagement.reportEmail').join(',');
    const input = Object.fromEntries(
      Array.from({ length: TRPC_MAX_BATCH_SIZE + 1 }, (_, index) => [
        index,
        { contactId: randomUUID(), event: 'opened', messageId: `batch-${index}`, subject: 'x' },
      ]),
    );
    const response = await fetch(`${baseUrl}/trpc/${paths}?batch=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`at most ${TRPC_MAX_BATCH_SIZE} calls`);
    expect(await databaseChecksum()).toEqual(before);
  });

  it('round-trips weird-but-valid values unchanged: unicode, right-to-left and injection-looking names and subjects', async () => {
    const [contact] = await query<{ id: string }>(
      `select id from contacts where organisation_id = ? order by created_at limit 1`,
      [organisationId],
    );
    // A name as the CRM could have sent it, set directly: lookup must find and return it as stored.
    const name = `${WEIRD_STRINGS.rightToLeft} ${WEIRD_STRINGS.html}`;
    await query(`update contacts set last_name = ? where id = ?`, [name, contact!.id]);
    const lookup = await call(
      'contacts.lookup',
      'query',
      JSON.stringify({ by: 'name', value: WEIRD_STRINGS.rightToLeft }),
    );
    expect(lookup.status).toBe(200);
    const found = (await lookup.json()) as { result: { data: Array<{ id: string; name: string }> } };
    expect(found.result.data.map((row) => row.id)).toContain(contact!.id);
    expect(found.result.data.find((row) => row.id === contact!.id)!.name).toContain(name);

    for (const [label, subject] of Object.entries(WEIRD_STRINGS)) {
      if (label === 'oversized' || label === 'nul') continue;
      const messageId = `weird-${label}`;
      const response = await call(
        'engagement.reportEmail',
        'mutation',
        JSON.stringify({ contactId: contact!.id, event: 'opened', messageId, subject }),
      );
      expect(response.status, label).toBe(200);
      const [stored] = await query<{ details: { subject: string; messageId: string } }>(
        `select details from activities where contact_id = ? and external_id = ? and type = 'email_opened'`,
        [contact!.id, messageId],
      );
      expect(stored!.details).toEqual({ subject, messageId });
    }
    // Too long, or a NUL PostgreSQL cannot store: refused before anything is written.
    await services.whenIdle(60_000);
    const before = await databaseChecksum();
    for (const subject of [OVERSIZED, WEIRD_STRINGS.nul!]) {
      const response = await call(
        'engagement.reportEmail',
        'mutation',
        JSON.stringify({
          contactId: contact!.id,
          event: 'opened',
          messageId: `refused-${subject.length}`,
          subject,
        }),
      );
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(await databaseChecksum()).toEqual(before);
    await services.whenIdle(30_000);
    await expectHealthy();
  });
});

// ---------------------------------------------------------------------------------------------
// Outbound addresses an admin can steer (the egress policy)
// ---------------------------------------------------------------------------------------------

/** Internal addresses in the notations an admin might try; the policy refuses every one. */
const INTERNAL_ADDRESSES = [
  'http://127.0.0.1:9/propsync/v1',
  'http://127.1/',
  'http://2130706433/',
  'http://0x7f.0.0.1/',
  'http://0177.0.0.1/',
  'http://localhost/',
  'http://[::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://192.168.0.1/',
  'http://[fd00::1]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://[fe80::1]/',
  'http://100.64.0.1/',
  'http://224.0.0.1/',
  'http://[ff02::1]/',
  'http://0.0.0.0/',
];

describe('outbound addresses an admin can steer', () => {
  let egressToken: string;

  beforeAll(async () => {
    const egressOrganisation = await createOrganisation(services, 'Egress Lettings');
    egressToken = await services.tokens.mint({ organisationId: egressOrganisation, role: 'admin' });
  });

  const connectCustom = (baseUrl: string) =>
    call(
      'connections.connect',
      'mutation',
      JSON.stringify({ provider: 'custom', credentials: { apiKey: 'key' }, settings: { baseUrl } }),
      egressToken,
    );

  async function refusal(response: Response): Promise<string> {
    const body = (await response.json()) as { error: { message: string } };
    expect(response.status, body.error.message).toBe(400);
    return body.error.message;
  }

  it('refuses every internal range, in every notation, for a CRM address and a host webhook, storing nothing', async () => {
    const before = await databaseChecksum();
    for (const address of INTERNAL_ADDRESSES) {
      expect(await refusal(await connectCustom(address)), address).toMatch(
        /address is refused: Propsync does not call internal addresses/,
      );
      const configured = await call(
        'hostWebhooks.configure',
        'mutation',
        JSON.stringify({ url: address, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
        egressToken,
      );
      expect(await refusal(configured), address).toMatch(/internal addresses/);
    }
    expect(await databaseChecksum()).toEqual(before);
  });

  it('answers an open internal port (the database) exactly as a closed one', async () => {
    const databasePort = new URL(services.url).port;
    const open = await refusal(await connectCustom(`http://127.0.0.1:${databasePort}/v1`));
    const closed = await refusal(await connectCustom('http://127.0.0.1:9/v1'));
    expect(open).toBe(closed);
  });

  it('refuses a redirect to another origin, never calling it', async () => {
    const before = await databaseChecksum();
    const message = await refusal(await connectCustom(`${fakeCrms.redirecting.url}/v1`));
    expect(message).toMatch(/redirected to another address.*same origin/);
    expect(fakeCrms.redirecting.hits.length).toBeGreaterThan(0);
    expect(fakeCrms.elsewhere.hits).toEqual([]);
    expect(await databaseChecksum()).toEqual(before);
  });

  it("summarises a CRM's error answer without echoing its text", async () => {
    const message = await refusal(await connectCustom(`${fakeCrms.chatty.url}/v1`));
    expect(fakeCrms.chatty.hits.length).toBeGreaterThan(0);
    expect(message).toContain('HTTP 400');
    expect(message).not.toContain('INTERNAL-ONLY');
  });
});
