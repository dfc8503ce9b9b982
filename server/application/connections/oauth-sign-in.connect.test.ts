import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../test-support/test-services.ts';
import { createContextInner } from '../../entry/trpc/context.ts';
import { appRouter } from '../../entry/trpc/routers/_app.ts';
import { adminOf, answerAtReapit, clientId, clientSecret, connectionRow } from './oauth-sign-in.fixtures.ts';
import { customerId, EMBEDDING_HOST, finishOnReturnedPage } from './oauth-sign-in.fixtures.ts';
import { followCallback, integrationsPage, publicUrl, reapit, reapitUrl } from './oauth-sign-in.fixtures.ts';
import {
  services,
  startOAuthSignInServer,
  startReapitSignIn,
  stopOAuthSignInServer,
} from './oauth-sign-in.fixtures.ts';

/**
 * Connecting Reapit by OAuth redirect, end to end over HTTP: Propsync's callback route, the
 * simulator's Reapit Connect pages, rotating refresh tokens shared between processes, and what an
 * admin may choose for a sign-in (see oauth-sign-in.fixtures.ts).
 */

beforeAll(startOAuthSignInServer);
afterAll(stopOAuthSignInServer);

/** The settings the agency's pending sign-in keeps until the CRM sends the admin back. */
async function pendingSignInSettings(organisationId: string): Promise<Record<string, unknown>> {
  const [pending] = await services.orm.em
    .fork()
    .execute<{ settings: Record<string, unknown> }[]>(
      `select settings from oauth_sign_ins where organisation_id = ?`,
      [organisationId],
    );
  return pending!.settings;
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
    const authorizeUrl = await startReapitSignIn(organisationId);
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

    // The first import the sign-in queued ends first: the cycles below must not find it busy.
    await services.whenIdle(60_000);
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
    const authorizeUrl = await startReapitSignIn(organisationId);
    const back = await followCallback(await answerAtReapit(authorizeUrl, 'deny'));
    const returned = new URL(back.location!);
    expect(returned.searchParams.get('propsync_oauth')).toBe('denied');
    expect(returned.searchParams.has('propsync_sign_in')).toBe(false);
    expect(await connectionRow(organisationId)).toBeUndefined();
  });

  it('connects nothing for another agency: a sign-in finishes only with the session that started it', async () => {
    const organisationId = await createOrganisation(services, 'Phishing Lettings');
    const otherAgency = await createOrganisation(services, 'Victim Lettings');
    const authorizeUrl = await startReapitSignIn(organisationId);
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
    const authorizeUrl = await startReapitSignIn(organisationId);
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
    const authorizeUrl = await startReapitSignIn(organisationId);
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
    const settings = await pendingSignInSettings(organisationId);
    expect(settings).toMatchObject({ customerId: 'SBOX' });
    expect(settings).not.toHaveProperty('baseUrl');
    expect(settings).not.toHaveProperty('tokenUrl');
    expect(settings).not.toHaveProperty('connectUrl');
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
    const settings = await pendingSignInSettings(organisationId);
    expect(settings).toMatchObject({ customerId: 'ACME' });
    expect(settings).not.toHaveProperty('baseUrl');
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
