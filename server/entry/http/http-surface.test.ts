import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPC_BODY_LIMIT_BYTES, TRPC_MAX_BATCH_SIZE } from '../../../shared/api-limits.ts';
import { createLogger } from '../../infrastructure/logger.ts';
import { encodeCursor } from '../../infrastructure/db/read-side/query-support.ts';
import type { Services } from '../services.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { createApp, type AppState } from './app.ts';
import { HSTS_HEADER } from './security-headers.ts';

/**
 * The HTTP surface as an attacker meets it: every route driven into an unexpected error answers
 * JSON without internals and logs it once with the request id; forged cursors and values the
 * database refuses are 4xx in our words; /trpc has body and batch limits; webhook refusal metrics
 * cannot grow new series; every answer carries the security headers.
 */

/** What an unexpected failure says inside: none of it may reach an answer. */
const INTERNAL_TEXT = 'relation "crm_connections" secret-internal-detail at /srv/propsync/server/db.ts:42';

let services: TestServices;
let organisationId: string;
let adminToken: string;
const logLines: string[] = [];
const capturingLogger = createLogger({
  level: 'info',
  destination: { write: (line: string) => void logLines.push(line) },
});
const state: AppState = { services: null };
let server: Server;
let baseUrl: string;
const clientDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'propsync-surface-client-'));

async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; url: string }> {
  const listening = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => listening.once('listening', resolve));
  const address = listening.address();
  return {
    server: listening,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  };
}

beforeAll(async () => {
  services = await createTestServices();
  organisationId = await createOrganisation(services, 'Surface Lettings');
  adminToken = await services.tokens.mint({ organisationId, role: 'admin' });
  fs.writeFileSync(path.join(clientDirectory, 'index.html'), '<!doctype html><title>page</title>');
  state.services = services;
  ({ server, url: baseUrl } = await listen(createApp(state, { clientDirectory })));
}, 60_000);

afterAll(async () => {
  server?.close();
  await services?.destroy();
  fs.rmSync(clientDirectory, { recursive: true, force: true });
});

/** `target` with some members replaced, keeping the rest (and its prototype's methods). */
function override<T extends object>(target: T, replacements: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get: (object, key, receiver) =>
      Object.hasOwn(replacements, key) ? replacements[key as keyof T] : Reflect.get(object, key, receiver),
  });
}

const failing = () => Promise.reject(new Error(INTERNAL_TEXT));
const brokenDatabase = { em: { fork: () => ({ execute: failing }) } };

/** Runs `request` against services with `broken` members, and the log lines it wrote. */
async function withBroken(
  broken: Partial<Record<keyof Services, unknown>>,
  request: () => Promise<Response>,
): Promise<{ response: Response; text: string; lines: Array<Record<string, unknown>> }> {
  state.services = override(services, { ...broken, logger: capturingLogger });
  logLines.length = 0;
  try {
    const response = await request();
    const text = await response.text();
    return { response, text, lines: logLines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  } finally {
    state.services = services;
  }
}

function expectNoInternals(text: string): void {
  expect(text).not.toContain('secret-internal-detail');
  expect(text).not.toContain('/srv/propsync');
  expect(text).not.toMatch(/"stack"|\bat .*\.ts:\d+/);
  expect(text).not.toMatch(/<html|<!doctype/i);
}

/** Exactly one log line names the request, as JSON, with the error in it (only the log may have it). */
function expectLoggedOnce(lines: Array<Record<string, unknown>>, requestId: string): void {
  const about = lines.filter((line) => line.requestId === requestId);
  expect(about, JSON.stringify(lines)).toHaveLength(1);
  expect(JSON.stringify(about[0])).toContain('secret-internal-detail');
}

const bearer = () => ({ authorization: `Bearer ${adminToken}` });

describe('an unexpected error on each route', () => {
  const routes: Array<{
    name: string;
    broken: () => Partial<Record<keyof Services, unknown>>;
    request: () => Promise<Response>;
  }> = [
    {
      name: 'webhooks',
      broken: () => ({ webhooks: override(services.webhooks, { receive: failing }) }),
      request: () =>
        fetch(`${baseUrl}/webhooks/reapit/${randomUUID()}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
    },
    {
      name: 'OAuth callback',
      broken: () => ({ oauth: override(services.oauth, { returned: failing }) }),
      request: () => fetch(`${baseUrl}/oauth/callback?state=abc&code=def`, { redirect: 'manual' }),
    },
    {
      name: 'metrics',
      broken: () => ({ metrics: { registry: { contentType: 'text/plain', metrics: failing } } }),
      request: () => fetch(`${baseUrl}/metrics`),
    },
    {
      name: 'demo session',
      broken: () => ({ orm: brokenDatabase }),
      request: () => fetch(`${baseUrl}/demo/session`),
    },
  ];

  for (const route of routes) {
    it(`${route.name}: answers 500 JSON with a stable code and the request id, and logs it once`, async () => {
      const { response, text, lines } = await withBroken(route.broken(), route.request);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expectNoInternals(text);
      const requestId = response.headers.get('x-request-id')!;
      expect(requestId).toBeTruthy();
      expect(JSON.parse(text)).toEqual({ error: expect.any(String), code: 'SERVER.INTERNAL', requestId });
      expectLoggedOnce(lines, requestId);
    });
  }

  it('tRPC: answers 500 with a generic message, a stable code and no stack (NODE_ENV is not production here)', async () => {
    expect(process.env.NODE_ENV).not.toBe('production');
    const { response, text, lines } = await withBroken(
      { connections: override(services.connections, { list: failing }) },
      () => fetch(`${baseUrl}/trpc/connections.list`, { headers: bearer() }),
    );
    expect(response.status).toBe(500);
    expectNoInternals(text);
    const body = JSON.parse(text) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.data).not.toHaveProperty('stack');
    expect(body.error.data.propsyncCode).toBe('SERVER.INTERNAL');
    expect(body.error.message).toMatch(/Propsync failed to handle this request/);
    expectLoggedOnce(lines, response.headers.get('x-request-id')!);
  });

  it('healthz: answers 503 JSON without internals, and logs why once with the request id', async () => {
    const { response, text, lines } = await withBroken({ orm: brokenDatabase }, () =>
      fetch(`${baseUrl}/healthz`),
    );
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toEqual({ status: 'database_unreachable' });
    expectNoInternals(text);
    expectLoggedOnce(lines, response.headers.get('x-request-id')!);
  });

  it('a request id a proxy gave is kept; a malformed one is replaced', async () => {
    const kept = await fetch(`${baseUrl}/healthz`, { headers: { 'x-request-id': 'proxy-1234abcd' } });
    expect(kept.headers.get('x-request-id')).toBe('proxy-1234abcd');
    const replaced = await fetch(`${baseUrl}/healthz`, { headers: { 'x-request-id': 'a\tb"<script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('errors tell the user, not the attacker', () => {
  const forged = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
  const query = (procedure: string, input: unknown) =>
    fetch(`${baseUrl}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, {
      headers: bearer(),
    });

  it('answers a forged cursor with 400 and no driver text, on every paged list', async () => {
    const cursors = [
      forged(['not a time', 'not a uuid']),
      forged(['2026-02-31T10:00:00.000000Z', randomUUID()]),
      forged(['2026-11-01T10:00:00.000000Z', "x' or '1'='1"]),
      forged([1, 2]),
      forged({ a: 1 }),
      'not base64 at all!',
    ];
    const runId = randomUUID();
    for (const cursor of cursors) {
      for (const [procedure, input] of [
        ['syncRuns.list', { cursor }],
        ['conflicts.list', { cursor }],
        ['alerts.list', { cursor }],
      ] as const) {
        const response = await query(procedure, input);
        const text = await response.text();
        expect(response.status, `${procedure} ${cursor}: ${text}`).toBe(400);
        expect(text).not.toMatch(/invalid input syntax|timestamp with time zone|uuid:|"stack"/);
        expect(text).toContain('nextCursor');
      }
    }
    for (const cursor of [forged(['1 or 1=1']), forged([randomUUID(), '2'])]) {
      const response = await query('syncRuns.log', { runId, cursor });
      expect(response.status, cursor).toBe(400);
    }
  });

  it('still pages with the cursors it gave out', async () => {
    const cursor = encodeCursor(['2026-11-01T10:00:00.123456Z', randomUUID()]);
    for (const procedure of ['syncRuns.list', 'conflicts.list', 'alerts.list']) {
      const response = await query(procedure, { cursor });
      expect(response.status, procedure).toBe(200);
    }
  });

  it('maps a value the database refuses to 400, and a missing reference to 404, in its own words', async () => {
    const em = services.orm.em.fork();
    const invalid = await em.execute(`select 'forged'::uuid`).catch((error: unknown) => error);
    const missingReference = await em
      .execute(
        `insert into crm_connections (organisation_id, provider, status) values (?, 'reapit', 'active')`,
        [randomUUID()],
      )
      .catch((error: unknown) => error);
    for (const [error, status, code] of [
      [invalid, 400, 'REQUEST.INVALID'],
      [missingReference, 404, 'REQUEST.REFERENCE_NOT_FOUND'],
    ] as const) {
      expect(error).toBeInstanceOf(Error);
      const { response, text } = await withBroken(
        { connections: override(services.connections, { list: () => Promise.reject(error) }) },
        () => fetch(`${baseUrl}/trpc/connections.list`, { headers: bearer() }),
      );
      expect(response.status).toBe(status);
      expect(JSON.parse(text).error.data.propsyncCode).toBe(code);
      expect(text).not.toContain((error as Error).message.split('\n')[0]);
      expect(text).not.toMatch(/crm_connections|invalid input syntax|violates|"stack"/);
    }
  });
});

describe('limits on /trpc', () => {
  it(`answers a body over ${TRPC_BODY_LIMIT_BYTES} bytes with 413 and a clear message`, async () => {
    const response = await fetch(`${baseUrl}/trpc/connections.connect`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'reapit', pad: 'x'.repeat(TRPC_BODY_LIMIT_BYTES + 1) }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { message: string; data: { propsyncCode: string } } };
    expect(body.error.data.propsyncCode).toBe('REQUEST.TOO_LARGE');
    expect(body.error.message).toContain(String(TRPC_BODY_LIMIT_BYTES));
  });

  it(`answers a batch of more than ${TRPC_MAX_BATCH_SIZE} calls with 400, and runs one at the limit`, async () => {
    const batch = (size: number) =>
      fetch(
        `${baseUrl}/trpc/${Array.from({ length: size }, () => 'connections.list').join(',')}?batch=1&input=${encodeURIComponent(
          JSON.stringify({}),
        )}`,
        { headers: bearer() },
      );
    const over = await batch(TRPC_MAX_BATCH_SIZE + 1);
    expect(over.status).toBe(400);
    const body = (await over.json()) as Array<{ error: { message: string; data: { propsyncCode: string } } }>;
    const error = Array.isArray(body) ? body[0]!.error : (body as { error: (typeof body)[0]['error'] }).error;
    expect(error.data.propsyncCode).toBe('REQUEST.BATCH_TOO_LARGE');
    expect(error.message).toContain(String(TRPC_MAX_BATCH_SIZE));
    const atLimit = await batch(TRPC_MAX_BATCH_SIZE);
    expect(atLimit.status).toBe(200);
  });
});

describe('webhook refusal metrics', () => {
  it('label refusals with registered providers only: anything else counts as unknown', async () => {
    const invented = `invented-${randomUUID().slice(0, 8)}`;
    for (const provider of [invented, 'REAPIT', 'x'.repeat(200)]) {
      const response = await fetch(`${baseUrl}/webhooks/${provider}/${randomUUID()}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ code: 'WEBHOOK.UNSUPPORTED_CONTENT_TYPE' });
    }
    await fetch(`${baseUrl}/webhooks/reapit/${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const rejections = metrics
      .split('\n')
      .filter((line) => line.startsWith('propsync_webhook_rejections_total{'));
    expect(rejections.join('\n')).not.toMatch(/invented-|REAPIT|xxxx/);
    expect(rejections).toContainEqual(
      expect.stringMatching(/provider="unknown",reason="unsupported_content_type"} [3-9]/),
    );
    expect(rejections).toContainEqual(
      expect.stringMatching(/provider="reapit",reason="unsupported_content_type"}/),
    );
  });
});

describe('JSON for every non-page path', () => {
  it('answers unknown paths under the API prefixes with a JSON 404, even with the demo page built', async () => {
    for (const route of [
      '/webhooks/reapit',
      '/oauth/unknown',
      '/demo/unknown',
      '/healthz/deeper',
      '/metrics/deeper',
      '/trpc',
    ]) {
      const response = await fetch(`${baseUrl}${route}`);
      const text = await response.text();
      expect(response.status, `${route}: ${text}`).toBe(404);
      expect(response.headers.get('content-type'), route).toMatch(/^application\/json/);
      expect(text).not.toMatch(/<html|<!doctype/i);
    }
    const post = await fetch(`${baseUrl}/anything`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(await post.json()).toMatchObject({ code: 'REQUEST.NOT_FOUND' });
  });

  it('keeps serving the page for page paths', async () => {
    const response = await fetch(`${baseUrl}/dashboard/settings/integrations`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>page</title>');
  });

  it('answers a path it cannot decode with a JSON 400, and the expired OAuth sign-in with JSON', async () => {
    const undecodable = await fetch(`${baseUrl}/webhooks/reapit/%E0%A4%A`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(undecodable.status).toBe(400);
    expect(await undecodable.json()).toMatchObject({ code: 'REQUEST.INVALID' });
    const expired = await fetch(`${baseUrl}/oauth/callback?state=forged&code=x`, { redirect: 'manual' });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ code: 'OAUTH.SIGN_IN_EXPIRED' });
  });

  it('leaves OPTIONS (CORS preflights) out of the 404', async () => {
    for (const route of ['/trpc/connections.list', `/webhooks/reapit/${randomUUID()}`, '/nowhere']) {
      const response = await fetch(`${baseUrl}${route}`, { method: 'OPTIONS' });
      // 204 from the JSON 404's OPTIONS exception, or the router's automatic 200 with `Allow`.
      expect([200, 204], route).toContain(response.status);
    }
  });
});

describe('security headers', () => {
  it('are on every answer: pages, API, errors', async () => {
    for (const route of ['/dashboard', '/healthz', '/trpc/connections.list', '/nowhere', '/metrics']) {
      const response = await fetch(`${baseUrl}${route}`);
      await response.arrayBuffer();
      expect(response.headers.get('x-content-type-options'), route).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), route).toBe('no-referrer');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, route).toContain("default-src 'self'");
      expect(csp, route).toContain("script-src 'self'");
      expect(csp, route).toContain("frame-ancestors 'self'");
      expect(csp, route).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-frame-options'), route).toBe('SAMEORIGIN');
      // Plain HTTP: no HSTS.
      expect(response.headers.get('strict-transport-security'), route).toBeNull();
    }
  });

  it('name the configured hosts in frame-ancestors, and send HSTS only for requests that came over TLS', async () => {
    const configured = await listen(
      createApp(state, {
        frameAncestors: ["'self'", 'https://crm.example.co.uk'],
        trustProxy: 'loopback',
      }),
    );
    try {
      const plain = await fetch(`${configured.url}/healthz`);
      expect(plain.headers.get('content-security-policy')).toContain(
        "frame-ancestors 'self' https://crm.example.co.uk",
      );
      expect(plain.headers.get('x-frame-options')).toBeNull();
      expect(plain.headers.get('strict-transport-security')).toBeNull();
      const behindTls = await fetch(`${configured.url}/healthz`, {
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(behindTls.headers.get('strict-transport-security')).toBe(HSTS_HEADER);
    } finally {
      configured.server.close();
    }
    // Without trust proxy, a client cannot claim TLS.
    const spoofed = await fetch(`${baseUrl}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers.get('strict-transport-security')).toBeNull();
  });
});
