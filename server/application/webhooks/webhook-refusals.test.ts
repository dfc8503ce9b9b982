import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentosSimulator,
  type AgentosSimulator,
} from '../../../simulators/agentos/agentos-simulator.ts';
import { ALTO_DEMO_AGENCY_REF, ALTO_DEMO_CLIENT } from '../../../simulators/alto/alto-constants.ts';
import { createAltoSimulator, type AltoSimulator } from '../../../simulators/alto/alto-simulator.ts';
import { KEY_LOOKUPS_PER_WINDOW } from '../../adapters/reapit/reapit-signing-keys.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';
import { createApp, type AppState } from '../../entry/http/app.ts';
import type { RunningServer } from '../../../simulators/toolkit/app-listener.ts';
import {
  agentosDemoConnection,
  altoDemoConnection,
  reapitDemoConnection,
} from '../../test-support/demo-connections.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import { altoOperatorConfig } from '../../../simulators/alto/alto.harness.ts';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

/** An agency the Alto integration also serves: its deliveries are signed with the same secret. */
const OTHER_ALTO_AGENCY = '0b7a3f52-61d4-4c1e-8f0a-9d2b5e7c4a13';

let reapit: ReapitSimulator;
let alto: AltoSimulator;
let agentos: AgentosSimulator;
const running: RunningServer[] = [];
let services: TestServices;
let server: Server;
let baseUrl: string;
let organisationId: string;
const connection = { reapit: '', alto: '', agentos: '' };
const state: AppState = { services: null };

beforeAll(async () => {
  ({ server, baseUrl } = await listenOnFreePort(createApp(state)));
  reapit = createReapitSimulator({ seed: 31, contactCount: 20, rateLimits: false, webhookRetryScale: 0.001 });
  alto = createAltoSimulator({
    seed: 31,
    contactCount: 20,
    rateLimits: false,
    webhookRetryScale: 0.001,
    integrations: [{ ...ALTO_DEMO_CLIENT, agencyRefs: [ALTO_DEMO_AGENCY_REF, OTHER_ALTO_AGENCY] }],
  });
  agentos = createAgentosSimulator({
    seed: 31,
    contactCount: 20,
    rateLimits: false,
    webhookRetryScale: 0.001,
  });
  const [reapitServer, altoServer, agentosServer] = await Promise.all([
    reapit.listen(0),
    alto.listen(0),
    agentos.listen(0),
  ]);
  running.push(reapitServer!, altoServer!, agentosServer!);
  // The CRMs' hosts are operator configuration, so the simulators run before the services start.
  services = await createTestServices({
    env: {
      ...mergeOperatorConfig(
        reapitOperatorConfig(reapitServer!),
        altoOperatorConfig(altoServer!.url),
        agentosOperatorConfig(agentosServer!.url),
      ),
      PROPSYNC_PUBLIC_URL: baseUrl,
    },
  });
  state.services = services;
  organisationId = await createOrganisation(services, 'Refusing Lettings');
  connection.reapit = (
    await services.connections.connect(organisationId, 'reapit', reapitDemoConnection())
  ).id;
  connection.alto = (
    await services.connections.connect(organisationId, 'alto', altoDemoConnection())
  ).id;
  connection.agentos = (
    await services.connections.connect(organisationId, 'agentos', agentosDemoConnection())
  ).id;
  await services.whenIdle();
});
afterAll(async () => {
  server?.close();
  await services?.destroy();
  await Promise.all([reapit?.close(), alto?.close(), agentos?.close()]);
});

const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);
const deliveries = async () =>
  (await query<{ count: number }>(`select count(*)::int as count from webhook_deliveries`))[0]!.count;
const post = (provider: keyof typeof connection, body: string, headers: Record<string, string>) =>
  fetch(`${baseUrl}/webhooks/${provider}/${connection[provider]}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
async function refusals(reason: string): Promise<number> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  return [
    ...metrics.matchAll(
      new RegExp(`^propsync_webhook_rejections_total\\{provider="\\w+",reason="${reason}"\\} (\\d+)`, 'gm'),
    ),
  ].reduce((sum, match) => sum + Number(match[1]), 0);
}
async function externalIdOf(connectionId: string): Promise<string> {
  const [row] = await query<{ external_id: string }>(
    `select external_id from contact_external_ids where connection_id = ? and active order by external_id limit 1`,
    [connectionId],
  );
  return row!.external_id;
}
async function webhookSecret(connectionId: string): Promise<string> {
  const [row] = await query<{ webhook_secret: unknown }>(
    `select webhook_secret from crm_connections where id = ?`,
    [connectionId],
  );
  return services.vault.decrypt<string>(row!.webhook_secret, { organisationId, connectionId });
}
const keyLookups = () =>
  reapit.requestLog.entries().filter((entry) => entry.path.startsWith('/webhooks/signing/')).length;

/** A well-formed Reapit signature header with a key id Reapit never issued. */
function forgedReapitSignature(rawBody: string, keyId: string): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}${rawBody}`), privateKey).toString('base64url');
  return { 'x-signature': `s:${keyId}:${timestamp}:${signature}` };
}

describe('deliveries for another tenant', () => {
  it('refuses a Reapit delivery correctly signed by the app for another customer: 401, nothing stored, counted', async () => {
    const contactId = await externalIdOf(connection.reapit);
    const own = reapit.signedContactWebhook({ contactId });
    // The app's one key signs every customer's deliveries: this one is genuine, but not this agency's.
    const foreignBody = own.rawBody.replace(
      `"customerId":"${REAPIT_DEMO_CLIENT.customerId}"`,
      '"customerId":"OTHR"',
    );
    expect(foreignBody).not.toBe(own.rawBody);
    const before = await deliveries();
    const refusedBefore = await refusals('foreign_tenant');
    const answer = await post('reapit', foreignBody, reapit.signWebhookBody(foreignBody));
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toMatch(/json/);
    expect(await answer.json()).toMatchObject({
      error: expect.stringMatching(/another customer/),
      code: 'WEBHOOK.FOREIGN_TENANT',
    });
    // Without a customer named, a delivery cannot be attributed either.
    const unnamed = own.rawBody.replace(`"customerId":"${REAPIT_DEMO_CLIENT.customerId}",`, '');
    expect((await post('reapit', unnamed, reapit.signWebhookBody(unnamed))).status).toBe(401);
    expect(await deliveries()).toBe(before);
    expect(await refusals('foreign_tenant')).toBe(refusedBefore + 2);
    // The connection's own customer still gets through.
    expect((await post('reapit', own.rawBody, own.headers)).status).toBe(200);
  });

  it('refuses an Alto delivery signed with the subscription secret but naming another agency', async () => {
    const secret = await webhookSecret(connection.alto);
    const contactId = await externalIdOf(connection.alto);
    const foreign = alto.contactWebhook({ contactId, secret, agencyRef: OTHER_ALTO_AGENCY });
    const before = await deliveries();
    const answer = await post('alto', foreign.rawBody, foreign.headers);
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({
      error: expect.stringMatching(/another agency/),
      code: 'WEBHOOK.FOREIGN_TENANT',
    });
    expect(await deliveries()).toBe(before);
    const own = alto.contactWebhook({ contactId, secret });
    expect((await post('alto', own.rawBody, own.headers)).status).toBe(200);
  });

  it('refuses an agentOS delivery signed with the connection secret but for another agency short name', async () => {
    const secret = await webhookSecret(connection.agentos);
    const body = JSON.stringify({
      DeliveryID: `delivery-${randomBytes(4).toString('hex')}`,
      Event: 'contact.updated',
      OccurredAt: new Date().toISOString(),
      ShortName: 'someotheragency',
      ContactType: 'Tenant',
      OID: 'T-1',
      Contact: null,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
    const before = await deliveries();
    const refusedBefore = await refusals('foreign_tenant');
    const answer = await post('agentos', body, {
      'x-agentos-timestamp': timestamp,
      'x-agentos-signature': `sha256=${signature}`,
    });
    expect(answer.status).toBe(401);
    expect(await deliveries()).toBe(before);
    expect(await refusals('foreign_tenant')).toBe(refusedBefore + 1);
  });
});

describe('Reapit deliveries signed with an unknown key id', () => {
  it('answers 401 JSON (no HTML, no stack trace), counts the refusal and stores nothing', async () => {
    const contactId = await externalIdOf(connection.reapit);
    const { rawBody } = reapit.signedContactWebhook({ contactId });
    const before = await deliveries();
    const refusedBefore = await refusals('unknown_key');
    const lookupsBefore = keyLookups();
    const answer = await post('reapit', rawBody, forgedReapitSignature(rawBody, 'never-issued-key'));
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toMatch(/application\/json/);
    const text = await answer.text();
    expect(JSON.parse(text)).toMatchObject({
      error: expect.stringMatching(/no webhook signing key/),
      code: 'WEBHOOK.UNKNOWN_KEY',
    });
    expect(text).not.toMatch(/<html|at .*\.ts:\d+|node_modules/i);
    expect(await refusals('unknown_key')).toBe(refusedBefore + 1);
    expect(keyLookups()).toBe(lookupsBefore + 1);
    // The same id again is answered from the negative cache: no second look-up.
    expect((await post('reapit', rawBody, forgedReapitSignature(rawBody, 'never-issued-key'))).status).toBe(
      401,
    );
    expect(keyLookups()).toBe(lookupsBefore + 1);
    expect(await deliveries()).toBe(before);
  });

  it('a burst of 100 forged deliveries with ever-new key ids spends at most a handful of key look-ups', async () => {
    const contactId = await externalIdOf(connection.reapit);
    const { rawBody, headers } = reapit.signedContactWebhook({ contactId });
    const before = await deliveries();
    const lookupsBefore = keyLookups();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post(
          'reapit',
          rawBody,
          forgedReapitSignature(rawBody, `forged-${i}-${randomBytes(3).toString('hex')}`),
        ),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(401));
    for (const answer of answers) expect(answer.headers.get('content-type')).toMatch(/json/);
    expect(keyLookups() - lookupsBefore).toBeLessThanOrEqual(KEY_LOOKUPS_PER_WINDOW);
    expect(await deliveries()).toBe(before);
    // The app's real key is already known: genuine deliveries still verify without a look-up.
    expect((await post('reapit', rawBody, headers)).status).toBe(200);
    expect(keyLookups() - lookupsBefore).toBeLessThanOrEqual(KEY_LOOKUPS_PER_WINDOW);
  });
});
