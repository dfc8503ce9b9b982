import { defineHarness, hasQueryParameter, type HarnessActivityType } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { REAPIT_DEMO_CLIENT } from './reapit-constants.ts';
import { createReapitSimulator, type ReapitSimulator } from './reapit-simulator.ts';

/** Points Propsync's Reapit hosts at a simulator: its API and its Reapit Connect, two listeners. */
export function reapitOperatorConfig(running: { url: string; connectUrl: string }): OperatorConfig {
  return {
    PROPSYNC_REAPIT_API_URL: running.url,
    PROPSYNC_REAPIT_CONNECT_URL: running.connectUrl,
    ...allowListeners(running.url, running.connectUrl),
  };
}

const HOUR_MS = 3_600_000;

/**
 * Enters an activity as an agent would (docs/crms/reapit.md, activities): a diary appointment
 * (`VW` viewing, `VL` valuation; a completed viewing took place two hours ago and was marked
 * attended) or an offer; answers `<kind>:<Reapit id>`, the id the adapter reports.
 */
function createActivity(
  simulator: ReapitSimulator,
  { contactExternalId: contactId, type }: { contactExternalId: string; type: HarnessActivityType },
): string {
  const { controls, clock } = simulator;
  if (type === 'offer_submitted') return `offer:${controls.createOffer({ contactId })}`;
  const appointment =
    type === 'valuation_booked'
      ? { typeId: 'VL' }
      : type === 'viewing_completed'
        ? { typeId: 'VW', start: clock.now() - 2 * HOUR_MS, attended: 'attended' as const }
        : { typeId: 'VW' };
  return `appointment:${controls.createAppointment({ contactId, ...appointment })}`;
}

/** Drives the Reapit simulator for the adapter contract suite (server/adapters/contract.test.ts). */
export const reapitHarness = defineHarness({
  provider: 'reapit',
  create: createReapitSimulator,
  connect(simulator, _url, running) {
    const { clientId, clientSecret, customerId } = REAPIT_DEMO_CLIENT;
    return {
      operatorConfig: reapitOperatorConfig(running),
      connection: { credentials: { clientId, clientSecret }, settings: { customerId } },
      // The sandbox app accepts any loopback redirect, so the demo's "Sign in with Reapit" works as is.
      oauthApp: { clientId, clientSecret, settings: { customerId } },
      invalidCredentials: { clientId, clientSecret: `${clientSecret}-wrong` },
      contactListPath: /^\/contacts\/?$/,
      // Reapit binds query names case-insensitively, so `ModifiedFrom` counts too.
      isDelta: (request) => hasQueryParameter(request, 'modifiedFrom'),
      revokeCredentials: () => simulator.controls.revokeClient(clientId),
      restoreCredentials: () => simulator.controls.restoreClient(clientId),
      expireTokens: () => simulator.controls.expireTokens(),
      createActivity: (options) => createActivity(simulator, options),
      // The next stage: a viewing marked attended, an offer accepted (each sends its `.modified` webhook).
      progress: {
        appointment: (id) => simulator.controls.updateAppointment({ id, attended: 'attended' }),
        offer: (id) => simulator.controls.updateOffer({ id, status: 'accepted' }),
      },
      writeBackRecords: (contactExternalId) =>
        simulator
          .journalEntries()
          .filter((entry) => entry.associatedType === 'contact' && entry.associatedId === contactExternalId),
      signedWebhook: ({ contactExternalId, timestampOffsetSeconds }) =>
        simulator.signedContactWebhook({
          contactId: contactExternalId,
          ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
        }),
    };
  },
});
