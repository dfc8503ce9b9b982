import { defineHarness, hasQueryParameter, type HarnessActivityType } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY, AGENTOS_LIST_PATHS } from './agentos-constants.ts';
import { createAgentosSimulator, type CreateAppointmentOptions } from './agentos-simulator.ts';

/** Points Propsync's agentOS host at a simulator listening at `url`. */
export function agentosOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_AGENTOS_API_URL: url, ...allowListeners(url) };
}

const LIST_PATHS = Object.values(AGENTOS_LIST_PATHS).join('|');

/** The diary appointment an agent enters for each activity the suite asks for. */
const APPOINTMENTS: Record<
  Exclude<HarnessActivityType, 'offer_submitted'>,
  Omit<CreateAppointmentOptions, 'contactId'>
> = {
  viewing_booked: { systemType: 'Viewing', status: 'Booked' },
  viewing_completed: { systemType: 'Viewing', status: 'Completed' },
  valuation_booked: { systemType: 'SalesAppraisal', status: 'Booked' },
};

/** Drives the agentOS simulator for the adapter contract suite (server/adapters/contract.test.ts). */
export const agentosHarness = defineHarness({
  provider: 'agentos',
  create: createAgentosSimulator,
  connect(simulator, url) {
    const { apiKey, shortName } = AGENTOS_DEMO_KEY;
    const { controls } = simulator;
    return {
      operatorConfig: agentosOperatorConfig(url),
      connection: { credentials: { apiKey }, settings: { shortName, tier: AGENTOS_DEFAULT_TIER } },
      invalidCredentials: { apiKey: `${apiKey}-wrong` },
      modifyContacts: (count) => controls.modifyContacts({ count, randomChange: true }),
      // `/v4/{tier}/{shortName}/{list}/{offset}/{count}`: a page of one of the five contact lists.
      contactListPath: new RegExp(`^/v4/[^/]+/[^/]+/(?:${LIST_PATHS})/\\d+/\\d+/?$`, 'i'),
      // Query names bind case-insensitively (ASP.NET), so `ModifiedSince` counts too.
      isDelta: (request) => hasQueryParameter(request, 'modifiedSince'),
      revokeCredentials: () => controls.revokeKey(apiKey),
      restoreCredentials: () => controls.restoreKey(apiKey),
      // The adapter's activity ids are `<kind>:<OID>` (docs/crms/agentos.md). agentOS sends no
      // webhook for appointments or offers, so these changes are seen by polling only.
      createActivity({ contactExternalId: contactId, type }) {
        if (type === 'offer_submitted') return `offer:${controls.createOffer({ contactId })}`;
        return `appointment:${controls.createAppointment({ contactId, ...APPOINTMENTS[type] })}`;
      },
      progress: {
        appointment: (oid) => controls.setAppointmentStatus(oid, 'Completed'),
        offer: (oid) => controls.setOfferStatus(oid, 'Accepted'),
      },
      writeBackRecords: (contactExternalId) => simulator.logEntries(contactExternalId),
      signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
        if (secret === null)
          throw new Error('agentOS signs webhooks with the secret returned at registration: pass it');
        return simulator.signedDelivery({ id: contactExternalId, secret, timestampOffsetSeconds });
      },
    };
  },
});
