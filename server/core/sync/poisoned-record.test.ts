import { createHmac, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmProvider } from '../../../shared/providers.ts';
import { CRMS } from '../../test-support/crms.ts';
import { createApp, type AppState } from '../../entry/http/app.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

/**
 * One poisoned record must not stop an agency: a CRM record whose text holds a NUL, a lone
 * surrogate or other control characters (typed into a web enquiry form, say) is normalised or,
 * where it cannot be, rejected on its own with a reason in the sync log — through sync pages and
 * webhooks alike — while the rest of the page is stored and the connection stays active.
 * Every simulator is poisoned through its own control routes (`/_sim`).
 */

/** A first name as a hostile web form can leave it: NUL, a lone surrogate, a C1 control, CRLF. */
const POISONED_NAME = 'Zuzanna\u0000\uD800\u0085\r\n';
/** What Propsync stores of it: NUL removed, the lone surrogate replaced, line breaks as spaces, trimmed. */
const STORED_NAME = 'Zuzanna\uFFFD';
const POISONED_WEBHOOK_NAME = 'Yusuf\u0000\uDC00';
const STORED_WEBHOOK_NAME = 'Yusuf\uFFFD';

/** How each simulator's control surface edits a contact's first name. */
const FIRST_NAME_EDIT: Record<CrmProvider, { route: string; field: string }> = {
  reapit: { route: '/_sim/contacts/modify', field: 'forename' },
  agentos: { route: '/_sim/contacts/modify', field: 'Forename' },
  alto: { route: '/_sim/contacts/modify', field: 'forename' },
  street: { route: '/_sim/people/modify', field: 'first_name' },
  loop: { route: '/_sim/contacts/modify', field: 'firstName' },
  custom: { route: '/_sim/contacts/modify', field: 'first_name' },
};

const state: AppState = { services: null };
let services: TestServices;
let server: Server;
let baseUrl: string;
const harnesses = new Map<CrmProvider, RunningHarness>();
/** While set, the custom CRM's contact listings carry a record whose id holds a NUL. */
let poisonCustomIds = false;

/** Corrupts the custom CRM's listings the way a broken CRM could (the simulator cannot hold such an id). */
const poisoningFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (!poisonCustomIds || !/\/contacts\?/.test(String(input))) return response;
  const page = (await response.json()) as { data?: Array<Record<string, unknown>> };
  if (page.data?.[0]) page.data[0].id = `${String(page.data[0].id)}\u0000poisoned`;
  return new Response(JSON.stringify(page), { status: response.status, headers: response.headers });
};

beforeAll(async () => {
  ({ server, baseUrl } = await listenOnFreePort(createApp(state)));
  for (const { simulator } of CRMS)
    harnesses.set(simulator.provider, await simulator.start({ contactCount: 6, rateLimits: false }));
  services = await createTestServices({
    fetchImplementation: poisoningFetch,
    env: mergeOperatorConfig(...[...harnesses.values()].map((harness) => harness.operatorConfig)),
  });
  state.services = services;
}, 120_000);

afterAll(async () => {
  server?.close();
  await services?.destroy();
  for (const harness of harnesses.values()) await harness.close();
});

const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);

async function setFirstName(provider: CrmProvider, id: string, name: string): Promise<void> {
  const edit = FIRST_NAME_EDIT[provider]!;
  const response = await fetch(`${harnesses.get(provider)!.url}${edit.route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [id], fields: { [edit.field]: name } }),
  });
  expect(response.status, `${provider} control route`).toBe(200);
  expect(((await response.json()) as { modified: string[] }).modified).toHaveLength(1);
}

async function connectionHealth(connectionId: string) {
  const [row] = await query<{ status: string; last_error_message: string | null }>(
    `select status, last_error_message from crm_connections where id = ?`,
    [connectionId],
  );
  const runs = await query<{ status: string; errors: Array<{ code: string }> }>(
    `select status, errors from sync_runs where connection_id = ? and trigger <> 'webhook' order by started_at`,
    [connectionId],
  );
  return { ...row!, runs };
}

async function webhookSecret(organisationId: string, connectionId: string): Promise<string | null> {
  const [row] = await query<{ webhook_secret: unknown }>(
    `select webhook_secret from crm_connections where id = ?`,
    [connectionId],
  );
  return row?.webhook_secret
    ? services.vault.decrypt<string>(row.webhook_secret, { organisationId, connectionId })
    : null;
}

async function deliver(
  provider: string,
  connectionId: string,
  headers: Record<string, string>,
  body: string | Buffer,
) {
  return fetch(`${baseUrl}/webhooks/${provider}/${connectionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

async function firstNames(organisationId: string): Promise<string[]> {
  const rows = await query<{ first_name: string | null }>(
    `select first_name from contacts where organisation_id = ? order by first_name`,
    [organisationId],
  );
  return rows.map((row) => row.first_name ?? '');
}

describe('a record with NUL, lone surrogates and control characters in its text', () => {
  for (const { simulator } of CRMS) {
    const provider = simulator.provider;
    it(`${provider}: is stored normalised through a sync page and a webhook, with the rest of the page, and the connection stays active`, async () => {
      const harness = harnesses.get(provider)!;
      // One agency per CRM: the simulators plant the same people, which would merge across CRMs.
      const organisationId = await createOrganisation(services, `Poisoned ${provider} Lettings`);
      const [syncPoisoned, webhookPoisoned] = harness.listableContactIds();
      await setFirstName(provider, syncPoisoned!, POISONED_NAME);

      // The sync path: the first import reads the poisoned record among the others.
      const { id: connectionId } = await services.connections.connect(
        organisationId,
        provider,
        harness.connection,
      );
      await services.whenIdle(60_000);
      const afterImport = await connectionHealth(connectionId);
      expect(afterImport.status, JSON.stringify(afterImport)).toBe('active');
      expect(afterImport.last_error_message).toBeNull();
      expect(afterImport.runs.map((run) => run.status)).toEqual(['succeeded']);
      const [linked] = await query<{ count: number }>(
        `select count(*)::int as count from contact_external_ids where connection_id = ?`,
        [connectionId],
      );
      expect(linked!.count).toBe(harness.listableContactCount());
      expect(await firstNames(organisationId)).toContain(STORED_NAME);

      // The webhook path: a signed delivery carrying (or pointing at) a freshly poisoned record.
      await setFirstName(provider, webhookPoisoned!, POISONED_WEBHOOK_NAME);
      const signed = harness.signedWebhook({
        contactExternalId: webhookPoisoned!,
        secret: await webhookSecret(organisationId, connectionId),
      });
      const response = await deliver(provider, connectionId, signed.headers, signed.rawBody);
      expect(response.status, await response.text()).toBe(200);
      await services.whenIdle(60_000);
      const deliveries = await query<{ status: string; error: string | null }>(
        `select status, error from webhook_deliveries where connection_id = ?`,
        [connectionId],
      );
      expect(deliveries).toEqual([{ status: 'processed', error: null }]);
      expect(await firstNames(organisationId)).toContain(STORED_WEBHOOK_NAME);
      const afterWebhook = await connectionHealth(connectionId);
      expect(afterWebhook.status).toBe('active');
      expect(afterWebhook.runs.every((run) => run.status === 'succeeded')).toBe(true);
      const stored = JSON.stringify(
        await query(`select first_name, last_name from contacts where organisation_id = ?`, [organisationId]),
      );
      expect(stored).not.toMatch(/\\u0000|\\ud[89ab]/i);
    }, 60_000);
  }
});

/** Signs a body the way the custom CRM does (Standard Webhooks) with the connection's secret. */
function signCustom(secret: string, body: string): Record<string, string> {
  const id = `msg_${randomUUID()}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

describe('a record whose own id holds a NUL (it cannot be normalised: an id changed is another record)', () => {
  it('is parked in the sync log with its reason, from a sync page and from a webhook, while the rest is stored and the connection stays active', async () => {
    const harness = harnesses.get('custom')!;
    const organisationId = await createOrganisation(services, 'Parked Record Lettings');
    poisonCustomIds = true;
    let connectionId: string;
    try {
      ({ id: connectionId } = await services.connections.connect(
        organisationId,
        'custom',
        harness.connection,
      ));
      await services.whenIdle(60_000);
    } finally {
      poisonCustomIds = false;
    }
    const health = await connectionHealth(connectionId);
    expect(health.status, JSON.stringify(health)).toBe('active');
    // A run with rejected records is `partial`: it completed, and says some records were not stored.
    expect(health.runs.map((run) => run.status)).toEqual(['partial']);
    expect(health.runs[0]!.errors.map((error) => error.code)).toEqual(['ADAPTER.BAD_RESPONSE']);
    const [linked] = await query<{ count: number }>(
      `select count(*)::int as count from contact_external_ids where connection_id = ?`,
      [connectionId],
    );
    // Every record but the poisoned one (the first of the only page).
    expect(linked!.count).toBe(harness.listableContactCount() - 1);
    const parked = () =>
      query<{ external_id: string; error: string }>(
        `select external_id, error from crm_sync_log where connection_id = ? and status = 'error' order by id`,
        [connectionId],
      );
    const [fromSync] = await parked();
    expect(fromSync!.external_id).toMatch(/^con_.*\\u0000poisoned$/);
    expect(fromSync!.error).toBe(
      "The record's id holds control characters: Propsync cannot store the record",
    );

    // The same through a webhook: a correctly signed delivery whose contact id holds a NUL.
    const secret = (await webhookSecret(organisationId, connectionId))!;
    const valid = harness.signedWebhook({ contactExternalId: harness.listableContactIds()[1]!, secret });
    const body = valid.rawBody.toString().replace(/"id":"(con_[^"]+)"/, '"id":"$1\\u0000poisoned"');
    expect(body).toContain('\\u0000poisoned');
    const response = await deliver('custom', connectionId, signCustom(secret, body), body);
    expect(response.status, await response.text()).toBe(200);
    await services.whenIdle(60_000);
    const deliveries = await query<{ status: string }>(
      `select status from webhook_deliveries where connection_id = ?`,
      [connectionId],
    );
    expect(deliveries).toEqual([{ status: 'processed' }]);
    const rows = await parked();
    expect(rows).toHaveLength(2);
    expect(rows[1]!.error).toBe("The record's id holds control characters: Propsync cannot store the record");
    expect((await connectionHealth(connectionId)).status).toBe('active');
  }, 60_000);
});
