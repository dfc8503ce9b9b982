import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { createApp, type AppState } from './app.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

let services: TestServices;
let server: Server;
let baseUrl: string;
const state: AppState = { services: null };

beforeAll(async () => {
  services = await createTestServices();
  ({ server, baseUrl } = await listenOnFreePort(createApp(state)));
});
afterAll(async () => {
  server?.close();
  await services?.destroy();
});

describe('GET /healthz', () => {
  it('answers 503 while the database and migrations are not ready', async () => {
    state.services = null;
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'starting' });
  });

  it('answers 200 {"status":"ok"} once the database answers and migrations are applied', async () => {
    state.services = services;
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('turns 503 again when the database stops answering', async () => {
    const broken = {
      ...services,
      orm: { em: { fork: () => ({ execute: () => Promise.reject(new Error('down')) }) } },
    };
    state.services = broken as unknown as TestServices;
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(503);
    state.services = services;
  });
});

describe('tRPC access', () => {
  it('refuses a call without an embed token', async () => {
    const response = await fetch(`${baseUrl}/trpc/connections.list`);
    expect(response.status).toBe(401);
  });

  it('refuses a forged token', async () => {
    const response = await fetch(`${baseUrl}/trpc/connections.list`, {
      headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJvcmciOiJ4In0.c2lnbmF0dXJl' },
    });
    expect(response.status).toBe(401);
  });
});
