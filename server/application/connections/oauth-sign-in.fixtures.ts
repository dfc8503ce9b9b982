import type { Server } from 'node:http';
import { expect } from 'vitest';
import { agentosHarness } from '../../../simulators/agentos/agentos.harness.ts';
import { altoOperatorConfig } from '../../../simulators/alto/alto.harness.ts';
import { createAltoSimulator, type AltoSimulator } from '../../../simulators/alto/alto-simulator.ts';
import { createCustomSimulator, type CustomSimulator } from '../../../simulators/custom/custom-simulator.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { allowListeners, mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import { createReapitSimulator, type ReapitSimulator } from '../../../simulators/reapit/reapit-simulator.ts';
import { createApp, type AppState } from '../../entry/http/app.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';
import { createContextInner } from '../../entry/trpc/context.ts';
import { appRouter } from '../../entry/trpc/routers/_app.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

/**
 * The set-up the oauth-sign-in.*.test.ts files share: Propsync over HTTP with a Reapit sign-in app
 * configured, and the Reapit, Alto, custom and agentOS simulators. Each file starts its own
 * (startOAuthSignInServer in its beforeAll, stopOAuthSignInServer in its afterAll); the bindings
 * below are live module exports, so a file's tests read what its own start assigned (vitest loads
 * this module afresh per test file).
 */

/** A host application's origin, allowed to call the API from the browser. */
export const EMBEDDING_HOST = 'https://app.nurture.example';

export let reapit: ReapitSimulator;
/** The simulator's Reapit Connect (authorize, token, revoke): a host of its own, as at Reapit. */
export let reapitUrl: string;
export let alto: AltoSimulator;
export let custom: CustomSimulator;
export let customUrl: string;
export let agentos: RunningHarness;
export let services: TestServices;
let server: Server;
export let publicUrl: string;
export let integrationsPage: string;

export const { clientId, clientSecret, customerId } = REAPIT_DEMO_CLIENT;

export async function startOAuthSignInServer(): Promise<void> {
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
  ({ server, baseUrl: publicUrl } = await listenOnFreePort(createApp(state)));
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
}

export async function stopOAuthSignInServer(): Promise<void> {
  server?.close();
  await services?.destroy();
  await reapit?.close();
  await alto?.close();
  await custom?.close();
  await agentos?.close();
}

export const adminOf = (organisationId: string) =>
  appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' }));

/** The agency's admin starts signing in to Reapit from the integrations page: where Reapit's page is. */
export async function startReapitSignIn(organisationId: string): Promise<string> {
  const { authorizeUrl } = await adminOf(organisationId).connections.startOAuth({
    provider: 'reapit',
    returnTo: integrationsPage,
  });
  return authorizeUrl;
}

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
export async function answerAtReapit(authorizeUrl: string, decision: 'allow' | 'deny'): Promise<string> {
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
export async function followCallback(
  location: string,
): Promise<{ status: number; location: string | null; body: string }> {
  expect(location.startsWith(`${publicUrl}/oauth/callback?`)).toBe(true);
  const response = await fetch(location, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

/** The page the browser came back to finishes the sign-in with its own admin session. */
export async function finishOnReturnedPage(organisationId: string, location: string | null) {
  const signInId = new URL(location!).searchParams.get('propsync_sign_in');
  expect(signInId).toEqual(expect.any(String));
  return adminOf(organisationId).connections.finishOAuth({ signInId: signInId! });
}

export async function connectionRow(organisationId: string) {
  const [row] = await services.orm.em
    .fork()
    .execute<{ id: string; status: string; credentials: unknown; access_grant: unknown }[]>(
      `select id, status, credentials, access_grant from crm_connections where organisation_id = ? and provider = 'reapit'`,
      [organisationId],
    );
  return row;
}

/** A new agency whose admin signed in to Reapit and allowed access: the agency, its admin, the connection. */
export async function agencySignedInToReapit(name: string) {
  const organisationId = await createOrganisation(services, name);
  const admin = adminOf(organisationId);
  const authorizeUrl = await startReapitSignIn(organisationId);
  await finishOnReturnedPage(
    organisationId,
    (await followCallback(await answerAtReapit(authorizeUrl, 'allow'))).location,
  );
  const { id } = (await connectionRow(organisationId))!;
  return { organisationId, admin, connectionId: id };
}
