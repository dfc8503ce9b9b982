import { defineHarness, type HarnessActivityType, type HarnessRequest } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { STREET_API_BASE_PATH, STREET_DEMO_API_TOKEN } from './street-constants.ts';
import { createStreetSimulator, type StreetSimulator } from './street-simulator.ts';

/** Points Propsync's Street host at a simulator listening at `url` (its API under the base path). */
export function streetOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_STREET_API_URL: `${url}${STREET_API_BASE_PATH}`, ...allowListeners(url) };
}

const PEOPLE_PATH = `${STREET_API_BASE_PATH}/people`;

function isPeopleList(request: HarnessRequest): boolean {
  return request.method === 'GET' && (request.path === PEOPLE_PATH || request.path === `${PEOPLE_PATH}/`);
}

/**
 * Enters an activity for a person as an agent would in Street; answers `<type>:<uuid>`, the id the
 * adapter reports. Viewings and offers are made by the person's sales applicant: a person without
 * one is first registered as a sales applicant, as an agent must in Street before booking a viewing.
 */
function createActivity(simulator: StreetSimulator, personId: string, type: HarnessActivityType): string {
  if (type === 'valuation_booked')
    return `valuation:${simulator.controls.createValuation({ personId, status: 'booked' })}`;
  const applicants = simulator.applicantKinds(personId);
  if (!applicants.includes('sales'))
    simulator.controls.modifyPeople({ ids: [personId], fields: { applicants: [...applicants, 'sales'] } });
  if (type === 'offer_submitted')
    return `sales_offer:${simulator.controls.createOffer({ personId, kind: 'sales', status: 'pending' })}`;
  const status = type === 'viewing_completed' ? 'completed' : 'confirmed';
  return `viewing:${simulator.controls.createViewing({ personId, kind: 'sales', status })}`;
}

/** Moves an activity to its next stage: a booked viewing completed, a pending offer accepted. */
function progressActivity(simulator: StreetSimulator, activityId: string): void {
  const [type, id = ''] = activityId.split(':');
  if (type === 'viewing') simulator.controls.setViewingStatus(id, 'completed');
  else if (type === 'sales_offer' || type === 'lettings_offer')
    simulator.controls.setOfferStatus(id, 'accepted');
  else throw new RangeError(`Street activity ${activityId} has no next stage the harness knows`);
}

/**
 * Drives the Street simulator for the adapter contract suite (server/adapters/contract.test.ts).
 * Street's API tokens do not expire, so token lifetimes and expiry do not apply.
 */
export const streetHarness = defineHarness({
  provider: 'street',
  create: createStreetSimulator,
  connect(simulator, url) {
    const { apiToken, tokenId } = STREET_DEMO_API_TOKEN;
    return {
      operatorConfig: streetOperatorConfig(url),
      connection: { credentials: { apiToken }, settings: {} },
      invalidCredentials: { apiToken: `${apiToken}-wrong` },
      modifyContacts: (count) => simulator.controls.modifyPeople({ count, randomChange: true }),
      isContactListRequest: isPeopleList,
      isDeltaListRequest: (request) =>
        isPeopleList(request) && typeof request.query['filter[updated_from]'] === 'string',
      revokeCredentials: () => simulator.controls.revokeToken(tokenId),
      restoreCredentials: () => simulator.controls.restoreToken(tokenId),
      writeBackRecords: (contactExternalId) => simulator.notes(contactExternalId),
      createActivity: ({ contactExternalId, type }) => createActivity(simulator, contactExternalId, type),
      progressActivity: (activityId) => progressActivity(simulator, activityId),
      signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
        if (secret === null)
          throw new Error('Street signs webhooks with the secret returned when they were registered');
        return simulator.signedPersonWebhook({ personId: contactExternalId, secret, timestampOffsetSeconds });
      },
    };
  },
});
