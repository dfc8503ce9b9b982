import { defineHarness, type HarnessRequest } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { STREET_API_BASE_PATH, STREET_DEMO_API_TOKEN } from './street-constants.ts';
import { createStreetSimulator } from './street-simulator.ts';

/** Points Propsync's Street host at a simulator listening at `url` (its API under the base path). */
export function streetOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_STREET_API_URL: `${url}${STREET_API_BASE_PATH}`, ...allowListeners(url) };
}

const PEOPLE_PATH = `${STREET_API_BASE_PATH}/people`;

function isPeopleList(request: HarnessRequest): boolean {
  return request.method === 'GET' && (request.path === PEOPLE_PATH || request.path === `${PEOPLE_PATH}/`);
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
      signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
        if (secret === null)
          throw new Error('Street signs webhooks with the secret returned when they were registered');
        return simulator.signedPersonWebhook({
          personId: contactExternalId,
          secret,
          ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
        });
      },
    };
  },
});
