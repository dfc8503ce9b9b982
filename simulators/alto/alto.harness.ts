import { defineHarness, hasQueryParameter, type HarnessRequest } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { ALTO_DEMO_CLIENT } from './alto-constants.ts';
import { createAltoSimulator } from './alto-simulator.ts';

/** Points Propsync's Alto hosts (API and token endpoint) at a simulator listening at `url`. */
export function altoOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_ALTO_API_URL: url, PROPSYNC_ALTO_TOKEN_URL: `${url}/token`, ...allowListeners(url) };
}

const DAY_MS = 86_400_000;
const VIEWING_FEEDBACK = 'Liked it; would like a second viewing.';

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && /^\/contacts\/all\/?$/i.test(request.path);
}

/**
 * Drives the Alto simulator for the adapter contract suite (server/adapters/contract.test.ts).
 * Archived contacts stay listed (isActive false), so every contact is listable.
 */
export const altoHarness = defineHarness({
  provider: 'alto',
  create: (options, harness) =>
    createAltoSimulator({ ...options, tokenLifetimeSeconds: harness.tokenLifetimeSeconds ?? 3600 }),
  connect(simulator, url) {
    const { clientId, clientSecret } = ALTO_DEMO_CLIENT;
    return {
      operatorConfig: altoOperatorConfig(url),
      connection: {
        credentials: { clientId, clientSecret },
        settings: { agencyRef: simulator.defaultAgencyRef },
      },
      invalidCredentials: { clientId, clientSecret: `${clientSecret}-wrong` },
      isContactListRequest: isContactList,
      // Alto binds query names case-insensitively, so `Modified-From` counts too.
      isDeltaListRequest: (request) => isContactList(request) && hasQueryParameter(request, 'modified-from'),
      revokeCredentials: () => simulator.controls.revokeClient(clientId),
      restoreCredentials: () => simulator.controls.restoreClient(clientId),
      expireTokens: () => simulator.controls.expireTokens(),
      // Ids as the adapter reports them: `appointment:<id>` and `offer:<id>`. Only valuations are polled;
      // viewings and offers reach the adapter by the webhooks these controls fire (docs/crms/alto.md).
      createActivity({ contactExternalId: contactId, type }) {
        const { controls } = simulator;
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
      progressActivity(activityExternalId) {
        const [kind, id = ''] = activityExternalId.split(':');
        if (kind === 'offer') simulator.controls.setOfferStatus(id, 'Accepted');
        else simulator.controls.updateAppointment(id, 'Active', { applicantFeedback: VIEWING_FEEDBACK });
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
      signedWebhook: ({ contactExternalId, secret, timestampOffsetSeconds }) =>
        simulator.contactWebhook({
          contactId: contactExternalId,
          secret,
          ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
        }),
    };
  },
});
