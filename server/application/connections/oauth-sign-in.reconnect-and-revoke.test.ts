import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALTO_DEMO_CLIENT } from '../../../simulators/alto/alto-constants.ts';
import { CUSTOM_DEMO_API_KEY } from '../../../simulators/custom/custom-constants.ts';
import { createOrganisation } from '../../test-support/test-services.ts';
import { adminOf, agentos, alto, answerAtReapit, clientId } from './oauth-sign-in.fixtures.ts';
import { clientSecret, connectionRow, custom, customerId, customUrl } from './oauth-sign-in.fixtures.ts';
import { finishOnReturnedPage, followCallback, integrationsPage, reapit } from './oauth-sign-in.fixtures.ts';
import { services, startOAuthSignInServer, stopOAuthSignInServer } from './oauth-sign-in.fixtures.ts';
import { agencySignedInToReapit } from './oauth-sign-in.fixtures.ts';

/**
 * Reconnecting by signing in again, and access revoked at the CRM on disconnect, where its API
 * allows (see oauth-sign-in.fixtures.ts).
 */

beforeAll(startOAuthSignInServer);
afterAll(stopOAuthSignInServer);

describe('reconnecting by signing in again', () => {
  it('on an active connection: the old sign-in keeps its grant until the new one replaces it', async () => {
    const { organisationId, admin, connectionId: id } = await agencySignedInToReapit('Signed Twice Lettings');
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
    const { organisationId, admin, connectionId: id } = await agencySignedInToReapit('Signed Back Lettings');
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
    // The cycle the reconnection queued (and any follow-up) ends first: this one must not find it busy.
    await services.whenIdle(60_000);
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
    const { organisationId, admin, connectionId } = await agencySignedInToReapit('Revoke Sign-in Lettings');
    const activeBefore = reapit.tokenStats().activeRefreshTokens;
    const revokedBefore = reapit.tokenStats().revokedTokens;

    const result = await admin.connections.disconnect({ connectionId });
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
