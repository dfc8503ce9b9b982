import { defineHarness, hasQueryParameter } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { ALTO_DEMO_CLIENT } from './alto-constants.ts';
import { createAltoSimulator } from './alto-simulator.ts';

/** Points Propsync's Alto hosts (API and token endpoint) at a simulator listening at `url`. */
export function altoOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_ALTO_API_URL: url, PROPSYNC_ALTO_TOKEN_URL: `${url}/token`, ...allowListeners(url) };
}

const DAY_MS = 86_400_000;
const VIEWING_FEEDBACK = 'Liked it; would like a second viewing.';

/**
 * Drives the Alto simulator for the adapter contract suite (server/adapters/contract.test.ts).
 * Archived contacts stay listed (isActive false), so every contact is listable.
 */
export const altoHarness = defineHarness({
  provider: 'alto',
  create: createAltoSimulator,
  connect(simulator, url) {
    const { clientId, clientSecret } = ALTO_DEMO_CLIENT;
    const { controls } = simulator;
    return {
      operatorConfig: altoOperatorConfig(url),
      connection: {
        credentials: { clientId, clientSecret },
        settings: { agencyRef: simulator.defaultAgencyRef },
      },
      invalidCredentials: { clientId, clientSecret: `${clientSecret}-wrong` },
      contactListPath: /^\/contacts\/all\/?$/i,
      // Alto binds query names case-insensitively, so `Modified-From` counts too.
      isDelta: (request) => hasQueryParameter(request, 'modified-from'),
      revokeCredentials: () => controls.revokeClient(clientId),
      restoreCredentials: () => controls.restoreClient(clientId),
      expireTokens: () => controls.expireTokens(),
      // Ids as the adapter reports them: `appointment:<id>` and `offer:<id>`. Only valuations are polled;
      // viewings and offers reach the adapter by the webhooks these controls fire (docs/crms/alto.md).
      createActivity({ contactExternalId: contactId, type }) {
        if (type === 'offer_submitted') return `offer:${controls.createOffer({ contactId })}`;
        const completed = type === 'viewing_completed';
        const id = controls.createAppointment({
          contactId,
          type: type === 'valuation_booked' ? 'Valuation' : 'Viewing',
          // A completed viewing took place two days ago and has the applicant's feedback.
          ...(completed ? { start: simulator.clock.now() - 2 * DAY_MS } : {}),
        });
        if (completed) controls.updateAppointment(id, 'Active', { applicantFeedback: VIEWING_FEEDBACK });
        return `appointment:${id}`;
      },
      progress: {
        offer: (id) => controls.setOfferStatus(id, 'Accepted'),
        appointment: (id) =>
          controls.updateAppointment(id, 'Active', { applicantFeedback: VIEWING_FEEDBACK }),
      },
      // Alto sends no webhook for what happened before the subscription: a buyer views and offers live.
      demoAgentActivity() {
        for (const contactId of simulator.contactIds()) {
          try {
            this.createActivity!({ contactExternalId: contactId, type: 'offer_submitted' });
          } catch {
            continue;
          }
          this.createActivity!({ contactExternalId: contactId, type: 'viewing_completed' });
          return;
        }
      },
      writeBackRecords: (contactExternalId) => simulator.fileNotes({ contactId: contactExternalId }),
      // The contract checks tampered and stale deliveries are refused, which only the HMAC variant
      // can show; Alto's documented shared value is covered in alto.adapter.test.ts.
      signedWebhook: ({ contactExternalId, secret, timestampOffsetSeconds }) =>
        simulator.contactWebhook({
          contactId: contactExternalId,
          secret,
          signing: 'hmac-sha256',
          ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
        }),
    };
  },
});
