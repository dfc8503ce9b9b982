import type { Server } from 'node:http';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentosHarness } from '../../../simulators/agentos/agentos.harness.ts';
import { ALTO_DEMO_CLIENT } from '../../../simulators/alto/alto-constants.ts';
import { altoOperatorConfig } from '../../../simulators/alto/alto.harness.ts';
import { createAltoSimulator, type AltoSimulator } from '../../../simulators/alto/alto-simulator.ts';
import {
  createCustomSimulator,
  type CustomSimulator,
} from '../../../simulators/custom/custom-simulator.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { allowListeners, mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { CUSTOM_DEMO_API_KEY } from '../../../simulators/custom/custom-constants.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';
import { createApp, type AppState } from '../../entry/http/app.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { createContextInner } from '../../entry/trpc/context.ts';
import { appRouter } from '../../entry/trpc/routers/_app.ts';

/**
 * Connecting Reapit by OAuth redirect, end to end over HTTP: Propsync's callback route, the
 * simulator's Reapit Connect pages, rotating refresh tokens shared between processes, and access
 * revoked at the CRM on disconnect.
 */

/** A host application's origin, allowed to call the API from the browser. */
const EMBEDDING_HOST = 'https://app.nurture.example';

let reapit: ReapitSimulator;
/** The simulator's Reapit Connect (authorize, token, revoke): a host of its own, as at Reapit. */
let reapitUrl: string;
let alto: AltoSimulator;
let custom: CustomSimulator;
let customUrl: string;
let agentos: RunningHarness;
let services: TestServices;
let server: Server;
let publicUrl: string;
let integrationsPage: string;

const { clientId, clientSecret, customerId } = REAPIT_DEMO_CLIENT;

beforeAll(async () => {
  // Rate limits off: every test shares the sandbox customer, and pacing is tested elsewhere.
  reapit = createReapitSimulator({ seed: 3, contactCount: 25, webhookRetryScale: 0.0001, rateLimits: false });
  const reapitRunning = await reapit.listen(0);
  reapitUrl = reapitRunning.connectUrl;
  // The CRMs the revocation tests disconnect, each configured as an operator would.
  alto = createAltoSimulator({ seed: 5, contactCount: 5, webhookRetryScale: 0.0001, rateLimits: false });
  const altoUrl = (await alto.listen(0)).url;
  custom = createCustomSimulator({ seed: 4, contactCount: 5, webhookRetryScale: 0.0001 });
  customUrl = (await custom.listen(0)).url;
  agentos = await agentosHarness.start({ contactCount: 5, rateLimits: false });
  // Propsync's HTTP surface first: its address is the redirect URI the services must know.
  const state: AppState = { services: null };
  server = createApp(state).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  publicUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  integrationsPage = `${publicUrl}/dashboard/settings/integrations?tab=crm`;
  services = await createTestServices({
    env: {
      ...mergeOperatorConfig(
        reapitOperatorConfig(reapitRunning),
        altoOperatorConfig(altoUrl),
        allowListeners(customUrl),
        agentos.operatorConfig,
      ),
      PROPSYNC_PUBLIC_URL: publicUrl,
      PROPSYNC_ALLOWED_ORIGINS: EMBEDDING_HOST,
      PROPSYNC_OAUTH_APPS: JSON.stringify({ reapit: { clientId, clientSecret, settings: { customerId } } }),
    },
  });
  state.services = services;
});

afterAll(async () => {
  server?.close();
  await services?.destroy();
  await reapit?.close();
  await alto?.close();
  await custom?.close();
  await agentos?.close();
});

const adminOf = (organisationId: string) =>
  appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' }));

/** The hidden inputs of the consent page's form, unescaped. */
function formFields(html: string): Record<string, string> {
  const unescape = (value: string) =>
    value
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&#x27;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const [input] of html.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input)?.[1];
    if (name !== undefined && value !== undefined) fields[unescape(name)] = unescape(value);
  }
  return fields;
}

/** The admin's browser at Reapit: opens the authorize page and presses Allow or Deny. */
async function answerAtReapit(authorizeUrl: string, decision: 'allow' | 'deny'): Promise<string> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Allow');
  const answer = await fetch(new URL('/authorize', reapitUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...formFields(html), decision }).toString(),
  });
  expect(answer.status).toBe(302);
  return answer.headers.get('location')!;
}

/** Follows the CRM's redirect into Propsync's callback; answers where Propsync sends the browser. */
async function followCallback(
  location: string,
): Promise<{ status: number; location: string | null; body: string }> {
  expect(location.startsWith(`${publicUrl}/oauth/callback?`)).toBe(true);
  const response = await fetch(location, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

/** The page the browser came back to finishes the sign-in with its own admin session. */
async function finishOnReturnedPage(organisationId: string, location: string | null) {
  const signInId = new URL(location!).searchParams.get('propsync_sign_in');
  expect(signInId).toEqual(expect.any(String));
  return adminOf(organisationId).connections.finishOAuth({ signInId: signInId! });
}

async function connectionRow(organisationId: string) {
  const [row] = await services.orm.em
    .fork()
    .execute<{ id: string; status: string; credentials: unknown; access_grant: unknown }[]>(
      `select id, status, credentials, access_grant from crm_connections where organisation_id = ? and provider = 'reapit'`,
      [organisationId],
    );
  return row;
}

describe('connecting Reapit by OAuth redirect', () => {
  it('offers sign-in only for CRMs that support it and have an app configured', async () => {
    const organisationId = await createOrganisation(services, 'Offer Lettings');
    const providers = await adminOf(organisationId).providers.list();
    const signIn = Object.fromEntries(providers.map((provider) => [provider.id, provider.oauthSignIn]));
    expect(signIn.reapit).toBe(true);
    expect(signIn.agentos).toBe(false);
    expect(signIn.custom).toBe(false);
  });

  it('connects after the admin allows Propsync at Reapit, and keeps access as refresh tokens rotate', async () => {
    const organisationId = await createOrganisation(services, 'Redirect Lettings');
    const { authorizeUrl } = await adminOf(organisationId).connections.startOAuth({
      provider: 'reapit',
      returnTo: integrationsPage,
    });
    expect(authorizeUrl.startsWith(`${reapitUrl}/authorize?`)).toBe(true);
    expect(new URL(authorizeUrl).searchParams.get('code_challenge_method')).toBe('S256');

    const back = await followCallback(await answerAtReapit(authorizeUrl, 'allow'));
    expect(back.status).toBe(303);
    const returned = new URL(back.location!);
    expect(`${returned.origin}${returned.pathname}`).toBe(`${publicUrl}/dashboard/settings/integrations`);
    expect(returned.searchParams.get('tab')).toBe('crm');
    expect(returned.searchParams.get('propsync_oauth')).toBe('returned');
    expect(returned.searchParams.get('propsync_provider')).toBe('reapit');
    // Nothing is connected until the page, with this agency's session, finishes the sign-in.
    expect(await connectionRow(organisationId)).toBeUndefined();
    const finished = await finishOnReturnedPage(organisationId, back.location);
    expect(finished).toMatchObject({
      reconnected: false,
      connection: { provider: 'reapit', status: 'active' },
    });

    const row = await connectionRow(organisationId);
    expect(row?.status).toBe('active');
    const credentials = services.vault.decrypt<Record<string, string>>(row!.credentials, {
      organisationId,
      connectionId: row!.id,
    });
    expect(credentials.refreshToken).toEqual(expect.any(String));
    // The grant obtained while verifying carries the rotated refresh token: it must be stored.
    expect(row!.access_grant).not.toBeNull();

    // Twice: every access token expires, and a "new process" (no cached session) must refresh
    // with the newest refresh token, which only the shared grant holds.
    for (let round = 0; round < 2; round++) {
      reapit.controls.expireTokens();
      services.adapters.forget(row!.id);
      const result = await services.runSyncCycle(row!.id, 'manual');
      expect(result.status, `round ${round}`).toBe('succeeded');
    }
    expect(reapit.tokenStats().revokedTokens).toBe(0);
    expect(reapit.tokenStats().activeRefreshTokens).toBe(1);
  });

  it('connects nothing when the admin denies, and says so on the page it returns to', async () => {
    const organisationId = await createOrganisation(services, 'Denied Lettings');
    const { authorizeUrl } = await adminOf(organisationId).connections.startOAuth({
      provider: 'reapit',
      returnTo: integrationsPage,
    });
    const back = await followCallback(await answerAtReapit(authorizeUrl, 'deny'));
    const returned = new URL(back.location!);
    expect(returned.searchParams.get('propsync_oauth')).toBe('denied');
    expect(returned.searchParams.has('propsync_sign_in')).toBe(false);
    expect(await connectionRow(organisationId)).toBeUndefined();
  });

  it('connects nothing for another agency: a sign-in finishes only with the session that started it', async () => {
    const organisationId = await createOrganisation(services, 'Phishing Lettings');
    const otherAgency = await createOrganisation(services, 'Victim Lettings');
    const { authorizeUrl } = await adminOf(organisationId).connections.startOAuth({
      provider: 'reapit',
      returnTo: integrationsPage,
    });
    // Allowed in a browser where another agency's admin is signed in to the host.
    const back = await followCallback(await answerAtReapit(authorizeUrl, 'allow'));
    const error = await finishOnReturnedPage(otherAgency, back.location).catch((caught: unknown) => caught);
    expect((error as TRPCError).code).toBe('PRECONDITION_FAILED');
    expect(await connectionRow(otherAgency)).toBeUndefined();
    expect(await connectionRow(organisationId)).toBeUndefined();
    // The agency that started it still can, once.
    await finishOnReturnedPage(organisationId, back.location);
    expect((await connectionRow(organisationId))?.status).toBe('active');
    const again = await finishOnReturnedPage(organisationId, back.location).catch(
      (caught: unknown) => caught,
    );
    expect((again as TRPCError).message).toMatch(/expired or was already used/);
  });

  it('uses each sign-in once: replaying the callback is refused with a page, not a redirect', async () => {
    const organisationId = await createOrganisation(services, 'Replay Lettings');
    const { authorizeUrl } = await adminOf(organisationId).connections.startOAuth({
      provider: 'reapit',
      returnTo: integrationsPage,
    });
    const callback = await answerAtReapit(authorizeUrl, 'allow');
    expect((await followCallback(callback)).status).toBe(303);
    const replay = await followCallback(callback);
    expect(replay.status).toBe(400);
    expect(replay.location).toBeNull();
    expect(replay.body).toContain('expired or was already used');
    const forged = await fetch(`${publicUrl}/oauth/callback?state=forged&code=whatever`, {
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
  });

  it('refuses to start when the CRM is already connected, and revokes a sign-in that could not connect', async () => {
    const organisationId = await createOrganisation(services, 'Twice Lettings');
    const admin = adminOf(organisationId);
    const { authorizeUrl } = await admin.connections.startOAuth({
      provider: 'reapit',
      returnTo: integrationsPage,
    });
    const back = await followCallback(await answerAtReapit(authorizeUrl, 'allow'));
    // Meanwhile somebody connected Reapit with client credentials.
    await admin.connections.connect({
      provider: 'reapit',
      credentials: { clientId, clientSecret },
      settings: { customerId },
    });
    const liveBefore = reapit.tokenStats().activeRefreshTokens;
    const error = await finishOnReturnedPage(organisationId, back.location).catch(
      (caught: unknown) => caught,
    );
    expect((error as TRPCError).code).toBe('CONFLICT');
    // The code was exchanged, and the tokens it gave were revoked again.
    expect(reapit.tokenStats().activeRefreshTokens).toBe(liveBefore);
    const again = await admin.connections
      .startOAuth({ provider: 'reapit', returnTo: integrationsPage })
      .catch((caught: unknown) => caught);
    expect((again as TRPCError).code).toBe('CONFLICT');
  });

  it('returns to a host page on an origin allowed to embed Propsync (PROPSYNC_ALLOWED_ORIGINS)', async () => {
    const organisationId = await createOrganisation(services, 'Embedded Sign-in Lettings');
    const { authorizeUrl } = await adminOf(organisationId).connections.startOAuth({
      provider: 'reapit',
      returnTo: `${EMBEDDING_HOST}/settings/crm`,
    });
    expect(new URL(authorizeUrl).pathname).toBe('/authorize');
  });

  it('refuses to return anywhere but Propsync or a configured host, storing nothing', async () => {
    const organisationId = await createOrganisation(services, 'Open Redirect Lettings');
    const admin = adminOf(organisationId);
    for (const returnTo of ['https://attacker.example/steal', 'not a url']) {
      const error = await admin.connections
        .startOAuth({ provider: 'reapit', returnTo })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe('BAD_REQUEST');
    }
    const error = await admin.connections
      .startOAuth({ provider: 'agentos', returnTo: integrationsPage })
      .catch((caught: unknown) => caught);
    expect((error as TRPCError).code).toBe('PRECONDITION_FAILED');
    expect((error as TRPCError).message).toMatch(/connect it with its credentials/);
    const [pending] = await services.orm.em
      .fork()
      .execute<{ count: string }[]>(`select count(*) from oauth_sign_ins where organisation_id = ?`, [
        organisationId,
      ]);
    expect(Number(pending!.count)).toBe(0);
  });
});

describe('what an admin may choose for a sign-in', () => {
  it("never addresses: typed token or API addresses are ignored, so the app secret goes only to the app's", async () => {
    const organisationId = await createOrganisation(services, 'Exfiltration Lettings');
    const { authorizeUrl } = await adminOf(organisationId).connections.startOAuth({
      provider: 'reapit',
      returnTo: integrationsPage,
      settings: {
        tokenUrl: 'http://127.0.0.1:9/steal',
        connectUrl: 'http://127.0.0.1:9',
        baseUrl: 'http://127.0.0.1:9',
        customerId: 'SBOX',
      },
    });
    expect(authorizeUrl.startsWith(`${reapitUrl}/authorize?`)).toBe(true);
    const [pending] = await services.orm.em
      .fork()
      .execute<{ settings: Record<string, unknown> }[]>(
        `select settings from oauth_sign_ins where organisation_id = ?`,
        [organisationId],
      );
    expect(pending!.settings).toMatchObject({ customerId: 'SBOX' });
    expect(pending!.settings).not.toHaveProperty('baseUrl');
    expect(pending!.settings).not.toHaveProperty('tokenUrl');
    expect(pending!.settings).not.toHaveProperty('connectUrl');
  });

  it("keeps the connection's own choices when signing in again, and takes addresses from the app", async () => {
    const organisationId = await createOrganisation(services, 'Kept Settings Lettings');
    const [row] = await services.orm.em.fork().execute<{ id: string }[]>(
      `insert into crm_connections (organisation_id, provider, status, settings)
       values (?, 'reapit', 'disconnected', ?::jsonb) returning id`,
      [organisationId, JSON.stringify({ customerId: 'ACME', baseUrl: 'http://127.0.0.1:9' })],
    );
    await adminOf(organisationId).connections.startOAuth({
      provider: 'reapit',
      connectionId: row!.id,
      returnTo: integrationsPage,
    });
    const [pending] = await services.orm.em
      .fork()
      .execute<{ settings: Record<string, unknown> }[]>(
        `select settings from oauth_sign_ins where organisation_id = ?`,
        [organisationId],
      );
    expect(pending!.settings).toMatchObject({ customerId: 'ACME' });
    expect(pending!.settings).not.toHaveProperty('baseUrl');
  });

  it('is refused to a viewer', async () => {
    const organisationId = await createOrganisation(services, 'Viewer Lettings');
    const viewer = appRouter.createCaller(createContextInner(services, { organisationId, role: 'viewer' }));
    const error = await viewer.connections
      .startOAuth({ provider: 'reapit', returnTo: integrationsPage })
      .catch((caught: unknown) => caught);
    expect((error as TRPCError).code).toBe('FORBIDDEN');
  });
});

describe('reconnecting by signing in again', () => {
  it('on an active connection: the old sign-in keeps its grant until the new one replaces it', async () => {
    const organisationId = await createOrganisation(services, 'Signed Twice Lettings');
    const admin = adminOf(organisationId);
    const first = await admin.connections.startOAuth({ provider: 'reapit', returnTo: integrationsPage });
    await finishOnReturnedPage(
      organisationId,
      (await followCallback(await answerAtReapit(first.authorizeUrl, 'allow'))).location,
    );
    const { id } = (await connectionRow(organisationId))!;
    const revokedBefore = reapit.tokenStats().revokedTokens;
    // Verifying the new sign-in must not overwrite the old one's grant: the old credentials (used to
    // remove the old webhooks) would otherwise refresh with a spent token and trip reuse detection.
    const again = await admin.connections.startOAuth({
      provider: 'reapit',
      connectionId: id,
      returnTo: integrationsPage,
    });
    const back = await followCallback(await answerAtReapit(again.authorizeUrl, 'allow'));
    reapit.controls.expireTokens();
    expect(await finishOnReturnedPage(organisationId, back.location)).toMatchObject({ reconnected: true });
    expect(reapit.tokenStats().revokedTokens).toBe(revokedBefore);
    services.adapters.forget(id);
    expect((await services.runSyncCycle(id, 'manual')).status).toBe('succeeded');
  });

  it('brings a disconnected Reapit connection back, with its history', async () => {
    const organisationId = await createOrganisation(services, 'Signed Back Lettings');
    const admin = adminOf(organisationId);
    const first = await admin.connections.startOAuth({ provider: 'reapit', returnTo: integrationsPage });
    await finishOnReturnedPage(
      organisationId,
      (await followCallback(await answerAtReapit(first.authorizeUrl, 'allow'))).location,
    );
    const { id } = (await connectionRow(organisationId))!;
    await admin.connections.disconnect({ connectionId: id });

    const again = await admin.connections.startOAuth({
      provider: 'reapit',
      connectionId: id,
      returnTo: integrationsPage,
    });
    const back = await followCallback(await answerAtReapit(again.authorizeUrl, 'allow'));
    expect(await finishOnReturnedPage(organisationId, back.location)).toMatchObject({ reconnected: true });
    const row = await connectionRow(organisationId);
    expect(row).toMatchObject({ id, status: 'active' });
    expect(row!.access_grant).not.toBeNull();
    reapit.controls.expireTokens();
    services.adapters.forget(id);
    expect((await services.runSyncCycle(id, 'manual')).status).toBe('succeeded');
  });

  it('brings back a disconnected client-credentials connection too', async () => {
    const organisationId = await createOrganisation(services, 'Credentials Back Lettings');
    const admin = adminOf(organisationId);
    const input = {
      credentials: { clientId, clientSecret },
      settings: { customerId },
    };
    const summary = await admin.connections.connect({ provider: 'reapit', ...input });
    await admin.connections.disconnect({ connectionId: summary.id });
    const back = await admin.connections.reconnect({ connectionId: summary.id, ...input });
    expect(back.status).toBe('active');
  });
});

describe('disconnecting revokes access at the CRM where its API allows', () => {
  it('Reapit sign-in: the refresh token family is revoked and every stored credential deleted', async () => {
    const organisationId = await createOrganisation(services, 'Revoke Sign-in Lettings');
    const admin = adminOf(organisationId);
    const { authorizeUrl } = await admin.connections.startOAuth({
      provider: 'reapit',
      returnTo: integrationsPage,
    });
    await finishOnReturnedPage(
      organisationId,
      (await followCallback(await answerAtReapit(authorizeUrl, 'allow'))).location,
    );
    const row = await connectionRow(organisationId);
    const activeBefore = reapit.tokenStats().activeRefreshTokens;
    const revokedBefore = reapit.tokenStats().revokedTokens;

    const result = await admin.connections.disconnect({ connectionId: row!.id });
    expect(result.status).toBe('disconnected');
    expect(result.accessAtProvider).toBe('revoked');
    expect(reapit.tokenStats().activeRefreshTokens).toBe(activeBefore - 1);
    expect(reapit.tokenStats().revokedTokens).toBeGreaterThan(revokedBefore);
    const after = await connectionRow(organisationId);
    expect(after).toMatchObject({ status: 'disconnected', credentials: null, access_grant: null });
  });

  it('Reapit client credentials: the access token Propsync holds is revoked', async () => {
    const organisationId = await createOrganisation(services, 'Revoke Client Lettings');
    const admin = adminOf(organisationId);
    const summary = await admin.connections.connect({
      provider: 'reapit',
      credentials: { clientId, clientSecret },
      settings: { customerId },
    });
    const revokedBefore = reapit.tokenStats().revokedTokens;
    const result = await admin.connections.disconnect({ connectionId: summary.id });
    expect(result.accessAtProvider).toBe('token_revoked');
    expect(reapit.tokenStats().revokedTokens).toBe(revokedBefore + 1);
    // Again: nothing left to revoke, and it says so.
    expect((await admin.connections.disconnect({ connectionId: summary.id })).accessAtProvider).toBe(
      'already_disconnected',
    );
  });

  it('Alto (client credentials): the access token is revoked at /revoke', async () => {
    const organisationId = await createOrganisation(services, 'Revoke Alto Lettings');
    const admin = adminOf(organisationId);
    const summary = await admin.connections.connect({
      provider: 'alto',
      credentials: { clientId: ALTO_DEMO_CLIENT.clientId, clientSecret: ALTO_DEMO_CLIENT.clientSecret },
      settings: { agencyRef: alto.defaultAgencyRef },
    });
    expect(alto.tokenStats().revokedTokens).toBe(0);
    const result = await admin.connections.disconnect({ connectionId: summary.id });
    expect(result.accessAtProvider).toBe('token_revoked');
    expect(alto.tokenStats().revokedTokens).toBe(1);
  });

  it('custom (open API 1.1): the API key is revoked through POST /auth/revoke', async () => {
    const organisationId = await createOrganisation(services, 'Revoke Custom Lettings');
    const admin = adminOf(organisationId);
    const summary = await admin.connections.connect({
      provider: 'custom',
      credentials: { apiKey: CUSTOM_DEMO_API_KEY },
      settings: { baseUrl: `${customUrl}/v1` },
    });
    expect(custom.isApiKeyRevoked()).toBe(false);
    const result = await admin.connections.disconnect({ connectionId: summary.id });
    expect(result.accessAtProvider).toBe('revoked');
    expect(custom.isApiKeyRevoked()).toBe(true);
  });

  it('agentOS (API key only an admin can delete): disconnects and tells the admin to remove the key', async () => {
    const organisationId = await createOrganisation(services, 'Key Only Lettings');
    const admin = adminOf(organisationId);
    const summary = await admin.connections.connect({ provider: 'agentos', ...agentos.connection });
    const result = await admin.connections.disconnect({ connectionId: summary.id });
    expect(result.status).toBe('disconnected');
    expect(result.accessAtProvider).toBe('remove_in_crm');
  });
});
