import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { reapitHarness } from '../../../simulators/reapit/reapit.harness.ts';
import { createApp } from '../../entry/http/app.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';

/**
 * Connecting Reapit as a real customer does: the form asks only for what the customer has (client
 * id, secret, customer id), and Propsync finds Reapit's two hosts — the API and Reapit Connect,
 * where tokens are issued — in the deployment's configuration. The simulator serves them on two
 * listeners, each refusing the other's paths, so a token asked of the API host fails here too.
 */

let reapit: RunningHarness;
let services: TestServices;
let server: Server;
let baseUrl: string;
let token: string;

beforeAll(async () => {
  reapit = await reapitHarness.start({ contactCount: 12, rateLimits: false });
  services = await createTestServices({ env: reapit.operatorConfig });
  server = createApp({ services }).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const organisationId = await createOrganisation(services, 'Form Field Lettings');
  token = await services.tokens.mint({ organisationId, role: 'admin' });
});

afterAll(async () => {
  server?.close();
  await services?.destroy();
  await reapit?.close();
});

async function trpc<T>(path: string, input?: unknown): Promise<{ status: number; data: T; message: string }> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const response =
    input === undefined
      ? await fetch(`${baseUrl}/trpc/${path}`, { headers })
      : await fetch(`${baseUrl}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
  return { status: response.status, data: body.result?.data as T, message: body.error?.message ?? '' };
}

describe('connecting Reapit through the form', () => {
  it("asks only for the customer's client id, secret and customer id, and connects with them against the configured hosts", async () => {
    const providers = await trpc<ProviderInfo[]>('providers.list');
    const form = providers.data.find((provider) => provider.id === 'reapit')!.connectFields;
    expect(form.credentials.map((field) => field.name)).toEqual(['clientId', 'clientSecret']);
    expect(form.settings.map((field) => field.name)).toEqual(['customerId']);

    // What the customer types: the sandbox app's values, field by field as the form names them.
    const sandbox: Record<string, string> = {
      ...reapit.connection.credentials,
      ...reapit.connection.settings,
    };
    const fill = (fields: ProviderInfo['connectFields']['credentials']) =>
      Object.fromEntries(fields.map((field) => [field.name, sandbox[field.name]!]));
    const connected = await trpc<{ id: string; status: string }>('connections.connect', {
      provider: 'reapit',
      credentials: fill(form.credentials),
      settings: fill(form.settings),
    });
    expect(connected.message).toBe('');
    expect(connected.data.status).toBe('active');

    // The token came from Reapit Connect (the API host answers 404 to /token), the contacts from the API.
    const tokenRequests = reapit.requests().filter((request) => request.path === '/token');
    expect(tokenRequests.map((request) => request.status)).toContain(200);
    await services.whenIdle(60_000);
    const [run] = await services.orm.em
      .fork()
      .execute<{ status: string; records_fetched: number }[]>(
        `select status, records_fetched from sync_runs where connection_id = ? and trigger = 'initial'`,
        [connected.data.id],
      );
    expect(run).toEqual({ status: 'succeeded', records_fetched: reapit.listableContactCount() });
  });

  it('ignores addresses typed into the form: the hosts come only from configuration', async () => {
    const organisationId = await createOrganisation(services, 'Typed Address Lettings');
    const admin = await services.tokens.mint({ organisationId, role: 'admin' });
    reapit.clearRequests();
    const response = await fetch(`${baseUrl}/trpc/connections.connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'reapit',
        credentials: reapit.connection.credentials,
        settings: {
          ...reapit.connection.settings,
          baseUrl: 'http://127.0.0.1:9',
          connectUrl: 'http://127.0.0.1:9',
          tokenUrl: 'http://127.0.0.1:9/steal',
        },
      }),
    });
    expect(response.status).toBe(200);
    expect(reapit.requests().some((request) => request.path === '/token' && request.status === 200)).toBe(
      true,
    );
    const [row] = await services.orm.em
      .fork()
      .execute<{ settings: Record<string, unknown> }[]>(
        `select settings from crm_connections where organisation_id = ?`,
        [organisationId],
      );
    expect(Object.keys(row!.settings).sort()).toEqual(['customerId', 'pageSize']);
  });

  it('refuses to connect without a customer id, naming the field and storing nothing', async () => {
    // No sandbox fallback: a customer's credentials must never be connected to SBOX by omission.
    const organisationId = await createOrganisation(services, 'No Customer Lettings');
    const admin = await services.tokens.mint({ organisationId, role: 'admin' });
    reapit.clearRequests();
    for (const settings of [{}, { customerId: '   ' }]) {
      const response = await fetch(`${baseUrl}/trpc/connections.connect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'reapit', credentials: reapit.connection.credentials, settings }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toContain('customerId');
      expect(body.error.message).toContain('customer id is required');
    }
    const rows = await services.orm.em
      .fork()
      .execute<{ id: string }[]>(`select id from crm_connections where organisation_id = ?`, [
        organisationId,
      ]);
    expect(rows).toEqual([]);
    expect(reapit.requests()).toEqual([]);
  });
});
