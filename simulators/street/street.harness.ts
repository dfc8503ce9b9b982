import { defineHarness, type HarnessActivityType } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { STREET_API_BASE_PATH, STREET_DEMO_API_TOKEN } from './street-constants.ts';
import { createStreetSimulator, type StreetSimulator } from './street-simulator.ts';

/** Points Propsync's Street host at a simulator listening at `url` (its API under the base path). */
export function streetOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_STREET_API_URL: `${url}${STREET_API_BASE_PATH}`, ...allowListeners(url) };
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

/**
 * Drives the Street simulator for the adapter contract suite (server/adapters/contract.test.ts).
 * Street's API tokens do not expire, so token lifetimes and expiry do not apply.
 */
export const streetHarness = defineHarness({
  provider: 'street',
  create: createStreetSimulator,
  connect(simulator, url) {
    const { apiToken, tokenId } = STREET_DEMO_API_TOKEN;
    const { controls } = simulator;
    return {
      operatorConfig: streetOperatorConfig(url),
      connection: { credentials: { apiToken }, settings: {} },
      invalidCredentials: { apiToken: `${apiToken}-wrong` },
      modifyContacts: (count) => controls.modifyPeople({ count, randomChange: true }),
      contactListPath: new RegExp(`^${STREET_API_BASE_PATH}/people/?$`),
      isDelta: (request) => typeof request.query['filter[updated_from]'] === 'string',
      revokeCredentials: () => controls.revokeToken(tokenId),
      restoreCredentials: () => controls.restoreToken(tokenId),
      writeBackRecords: (contactExternalId) => simulator.notes(contactExternalId),
      createActivity: ({ contactExternalId, type }) => createActivity(simulator, contactExternalId, type),
      // The next stage: a booked viewing completed, a pending offer accepted.
      progress: {
        viewing: (id) => controls.setViewingStatus(id, 'completed'),
        sales_offer: (id) => controls.setOfferStatus(id, 'accepted'),
        lettings_offer: (id) => controls.setOfferStatus(id, 'accepted'),
      },
      signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
        if (secret === null)
          throw new Error('Street signs webhooks with the secret returned when they were registered');
        return simulator.signedPersonWebhook({ personId: contactExternalId, secret, timestampOffsetSeconds });
      },
    };
  },
});
