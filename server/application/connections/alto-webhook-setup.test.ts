import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALTO_DEMO_CLIENT } from '../../../simulators/alto/alto-constants.ts';
import { createOrganisation } from '../../test-support/test-services.ts';
import { adminOf, alto, publicUrl, services } from './oauth-sign-in.fixtures.ts';
import { startOAuthSignInServer, stopOAuthSignInServer } from './oauth-sign-in.fixtures.ts';

/**
 * Alto's public record documents no webhook subscription endpoint: Alto Connect support sets
 * webhooks up by hand and gives the agency a shared secret (docs/crms/alto.md). A real agency must
 * be able to connect either way, and be told what to ask Alto for when registration is refused.
 */

beforeAll(startOAuthSignInServer);
afterAll(stopOAuthSignInServer);

const credentials = { clientId: ALTO_DEMO_CLIENT.clientId, clientSecret: ALTO_DEMO_CLIENT.clientSecret };

describe('Alto webhooks set up by Alto Connect support', () => {
  it('when Alto refuses the subscription, connects and says what to ask Alto for, with the address', async () => {
    const organisationId = await createOrganisation(services, 'Refused Hooks Lettings');
    const admin = adminOf(organisationId);
    alto.faults.failNext(1, 404, { pathPrefix: '/webhooks/subscriptions' });
    const summary = await admin.connections.connect({
      provider: 'alto',
      credentials,
      settings: { agencyRef: alto.defaultAgencyRef },
    });
    expect(summary.status).toBe('active');
    const alerts = await admin.alerts.list({ state: 'open', connectionId: summary.id });
    expect(alerts.items.map((alert) => alert.message)).toContainEqual(
      expect.stringContaining('ask Alto Connect support'),
    );
    expect(alerts.items.map((alert) => alert.message)).toContainEqual(
      expect.stringContaining(`${publicUrl}/webhooks/alto/${summary.id}`),
    );
    await admin.connections.disconnect({ connectionId: summary.id });
  });

  it('with the secret entered by hand, registers nothing and accepts deliveries carrying that secret', async () => {
    const organisationId = await createOrganisation(services, 'Hand Hooks Lettings');
    const admin = adminOf(organisationId);
    const secret = 'shared-secret-from-alto-connect-support';
    const subscriptionsBefore = alto.subscriptions().length;
    const summary = await admin.connections.connect({
      provider: 'alto',
      credentials: { ...credentials, webhookSecret: secret },
      settings: { agencyRef: alto.defaultAgencyRef },
    });
    expect(alto.subscriptions()).toHaveLength(subscriptionsBefore);
    expect(JSON.stringify(await admin.connections.get({ connectionId: summary.id }))).not.toContain(secret);
    const delivery = alto.contactWebhook({ contactId: alto.contactIds()[0]!, secret });
    const post = (headers: Record<string, string>) =>
      fetch(`${publicUrl}/webhooks/alto/${summary.id}`, { method: 'POST', headers, body: delivery.rawBody });
    expect((await post(delivery.headers)).status).toBe(200);
    expect((await post({ ...delivery.headers, 'x-signature': `${secret}-not` })).status).toBe(401);
    await admin.connections.disconnect({ connectionId: summary.id });
  });
});
