import { defineHarness, type HarnessActivityType, type HarnessRequest } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY, AGENTOS_LIST_PATHS } from './agentos-constants.ts';
import { createAgentosSimulator, type CreateAppointmentOptions } from './agentos-simulator.ts';

/** Points Propsync's agentOS host at a simulator listening at `url`. */
export function agentosOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_AGENTOS_API_URL: url, ...allowListeners(url) };
}

const LIST_PATHS = Object.values(AGENTOS_LIST_PATHS).join('|');
// `/v4/{tier}/{shortName}/{list}/{offset}/{count}`: a page of one of the five contact lists.
const CONTACT_LIST_PATH = new RegExp(`^/v4/[^/]+/[^/]+/(?:${LIST_PATHS})/\\d+/\\d+/?$`, 'i');

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && CONTACT_LIST_PATH.test(request.path);
}

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
    return {
      operatorConfig: agentosOperatorConfig(url),
      connection: { credentials: { apiKey }, settings: { shortName, tier: AGENTOS_DEFAULT_TIER } },
      invalidCredentials: { apiKey: `${apiKey}-wrong` },
      modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
      isContactListRequest: isContactList,
      // Query names bind case-insensitively (ASP.NET), so `ModifiedSince` counts too.
      isDeltaListRequest: (request) =>
        isContactList(request) &&
        Object.keys(request.query).some((name) => name.toLowerCase() === 'modifiedsince'),
      revokeCredentials: () => simulator.controls.revokeKey(apiKey),
      restoreCredentials: () => simulator.controls.restoreKey(apiKey),
      // The adapter's activity ids are `<kind>:<OID>` (docs/crms/agentos.md). agentOS sends no
      // webhook for appointments or offers, so these changes are seen by polling only.
      createActivity({ contactExternalId: contactId, type }) {
        if (type === 'offer_submitted') return `offer:${simulator.controls.createOffer({ contactId })}`;
        return `appointment:${simulator.controls.createAppointment({ contactId, ...APPOINTMENTS[type] })}`;
      },
      progressActivity(activityExternalId) {
        const [kind, oid = ''] = activityExternalId.split(':');
        if (kind === 'appointment') simulator.controls.setAppointmentStatus(oid, 'Completed');
        else if (kind === 'offer') simulator.controls.setOfferStatus(oid, 'Accepted');
        else throw new RangeError(`${activityExternalId} is not an agentOS activity id`);
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
