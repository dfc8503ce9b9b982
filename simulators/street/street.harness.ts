import type { HarnessRequest, SimulatorHarness } from '../toolkit/contract-harness.ts';
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

/** Drives the Street simulator for the adapter contract suite (server/adapters/contract.test.ts). */
export const streetHarness: SimulatorHarness = {
  provider: 'street',
  async start(options) {
    // tokenLifetimeSeconds is ignored: Street's API tokens do not expire.
    const simulator = createStreetSimulator({
      seed: options.seed ?? 1,
      contactCount: options.contactCount,
      webhookRetryScale: 0.0001,
      ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const running = await simulator.listen(options.port ?? 0);
    const { apiToken, tokenId } = STREET_DEMO_API_TOKEN;
    return {
      url: running.url,
      operatorConfig: streetOperatorConfig(running.url),
      connection: {
        credentials: { apiToken },
        settings: {},
      },
      invalidCredentials: { apiToken: `${apiToken}-wrong` },
      listableContactCount: () => simulator.contactCount(),
      listableContactIds: () => simulator.contactIds(),
      modifyContacts: (count) => simulator.controls.modifyPeople({ count, randomChange: true }),
      requests: () =>
        simulator.requestLog
          .entries()
          .map(({ method, path, query, status }) => ({ method, path, query, status })),
      clearRequests: () => simulator.requestLog.clear(),
      isContactListRequest: isPeopleList,
      isDeltaListRequest: (request) =>
        isPeopleList(request) && typeof request.query['filter[updated_from]'] === 'string',
      revokeCredentials: () => simulator.controls.revokeToken(tokenId),
      restoreCredentials: () => simulator.controls.restoreToken(tokenId),
      // Street's tokens never expire, so there is nothing to expire.
      expireTokens: () => {},
      failNext: (count, status) => simulator.faults.failNext(count, status),
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
      close: () => simulator.close(),
    };
  },
};
