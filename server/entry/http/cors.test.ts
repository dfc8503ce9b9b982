import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infrastructure/config.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { createApp, type AppState } from './app.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

const HOST = 'http://host.example.test:5173';
const STRANGER = 'https://stranger.example.test';
/** Propsync's address behind a proxy that rewrites the Host header. */
const PUBLIC_URL = 'https://propsync.example.test';

let services: TestServices;
let server: Server;
let baseUrl: string;
let token: string;
const state: AppState = { services: null };

beforeAll(async () => {
  services = await createTestServices({
    env: { PROPSYNC_ALLOWED_ORIGINS: `${HOST},https://admin.example.test`, PROPSYNC_PUBLIC_URL: PUBLIC_URL },
  });
  state.services = services;
  ({ server, baseUrl } = await listenOnFreePort(createApp(state)));
  const organisationId = await createOrganisation(services, 'Cross-origin agency');
  token = await services.tokens.mint({ organisationId, role: 'admin' });
});
afterAll(async () => {
  server?.close();
  await services?.destroy();
});

function preflight(origin: string, headers = 'authorization,content-type,trpc-accept') {
  return fetch(`${baseUrl}/trpc/connections.list?batch=1`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': headers,
    },
  });
}

describe('cross-origin calls to /trpc', () => {
  it("answers an allowed origin's preflight with the headers tRPC needs", async () => {
    const response = await preflight(HOST);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(HOST);
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase().split(',');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'trpc-accept']));
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/Origin/i);
  });

  it('lets the allowed origin read the answer of the call itself', async () => {
    const response = await fetch(`${baseUrl}/trpc/connections.list`, {
      headers: { Origin: HOST, Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(HOST);
  });

  it('refuses another origin with a 403 that names the setting, and no CORS headers', async () => {
    for (const response of [
      await preflight(STRANGER),
      await fetch(`${baseUrl}/trpc/connections.list`, {
        headers: { Origin: STRANGER, Authorization: `Bearer ${token}` },
      }),
    ]) {
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(await response.json()).toEqual({
        error: `Propsync refuses calls from ${STRANGER}: add it to PROPSYNC_ALLOWED_ORIGINS`,
        code: 'REQUEST.ORIGIN_REFUSED',
        requestId: expect.any(String),
      });
    }
  });

  it('never answers an OPTIONS request with a 415 or a stack trace', async () => {
    for (const init of [
      { method: 'OPTIONS' },
      { method: 'OPTIONS', headers: { Origin: baseUrl } },
      { method: 'OPTIONS', headers: { Origin: STRANGER } },
      { method: 'OPTIONS', headers: { Origin: HOST } },
    ]) {
      const response = await fetch(`${baseUrl}/trpc/connections.list`, init);
      expect([204, 403]).toContain(response.status);
      expect(await response.text()).not.toMatch(/content-type|at .*\.ts|stack/i);
    }
    for (const route of [
      '/webhooks/reapit/00000000-0000-4000-8000-000000000000',
      '/healthz',
      '/oauth/callback',
    ]) {
      const response = await fetch(`${baseUrl}${route}`, {
        method: 'OPTIONS',
        headers: { Origin: STRANGER },
      });
      expect(response.status, route).not.toBe(415);
      expect(response.status, route).toBeLessThan(500);
      expect(await response.text(), route).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
  });

  it('keeps the page Propsync serves itself working without listing its origin', async () => {
    for (const origin of [baseUrl, PUBLIC_URL]) {
      const response = await fetch(`${baseUrl}/trpc/connections.list`, {
        headers: { Origin: origin, Authorization: `Bearer ${token}` },
      });
      expect(response.status, origin).toBe(200);
    }
  });

  it('tells any page whether its origin is allowed, readable from everywhere', async () => {
    const allowed = await fetch(`${baseUrl}/embed/origin`, { headers: { Origin: HOST } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('*');
    expect(await allowed.json()).toEqual({ origin: HOST, allowed: true });
    const refused = await fetch(`${baseUrl}/embed/origin`, { headers: { Origin: STRANGER } });
    expect(await refused.json()).toEqual({
      origin: STRANGER,
      allowed: false,
      message: `Propsync refuses calls from ${STRANGER}: add it to PROPSYNC_ALLOWED_ORIGINS`,
    });
  });

  it('lets the allowed origin read a refusal of its token, so the page can show the reason', async () => {
    const response = await fetch(`${baseUrl}/trpc/connections.list`, {
      headers: { Origin: HOST, Authorization: 'Bearer not-a-token' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(HOST);
  });
});

describe('PROPSYNC_ALLOWED_ORIGINS', () => {
  const base = { PROPSYNC_TOKEN_SECRET: 'x'.repeat(32), PROPSYNC_ENCRYPTION_KEYS: 'k:' + 'a'.repeat(44) };

  it('takes exact origins', () => {
    expect(
      loadConfig({ PROPSYNC_ALLOWED_ORIGINS: 'https://app.example.co.uk, http://localhost:5173' })
        .allowedOrigins,
    ).toEqual(['https://app.example.co.uk', 'http://localhost:5173']);
    expect(loadConfig({}).allowedOrigins).toEqual([]);
  });

  it('refuses a wildcard in production at start-up, and anything that is not an exact origin', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', PROPSYNC_ALLOWED_ORIGINS: '*' })).toThrow(
      /PROPSYNC_ALLOWED_ORIGINS cannot be \* in production/,
    );
    expect(loadConfig({ PROPSYNC_ALLOWED_ORIGINS: '*' }).allowedOrigins).toBe('*');
    for (const bad of [
      'https://*.example.co.uk',
      'https://app.example.co.uk/settings',
      'app.example.co.uk',
      'ftp://x.example',
    ]) {
      expect(() => loadConfig({ PROPSYNC_ALLOWED_ORIGINS: bad })).toThrow(
        /PROPSYNC_ALLOWED_ORIGINS has ".*"; give exact origins/,
      );
    }
  });
});
