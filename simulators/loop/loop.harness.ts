import { defineHarness, type HarnessRequest } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { LOOP_DEMO_API_KEY } from './loop-constants.ts';
import { createLoopSimulator } from './loop-simulator.ts';

/** Points Propsync's Loop host at a simulator listening at `url`. */
export function loopOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_LOOP_API_URL: url, ...allowListeners(url) };
}

// A well-formed GUID that no simulated team was issued.
const UNKNOWN_API_KEY = '00000000-0000-4000-8000-000000000000';

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && /^\/v1\/contacts\/?$/.test(request.path);
}

/**
 * Drives the Loop simulator for the adapter contract suite (server/adapters/contract.test.ts).
 * The adapter lists with includeArchived=true, so archived contacts count (as inactive).
 */
export const loopHarness = defineHarness({
  provider: 'loop',
  create: createLoopSimulator,
  connect: (simulator, url) => ({
    operatorConfig: loopOperatorConfig(url),
    connection: { credentials: { apiKey: LOOP_DEMO_API_KEY }, settings: {} },
    invalidCredentials: { apiKey: UNKNOWN_API_KEY },
    modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
    isContactListRequest: isContactList,
    isDeltaListRequest: (request) => isContactList(request) && request.query.updatedSince !== undefined,
    revokeCredentials: () => simulator.controls.revokeApiKey(LOOP_DEMO_API_KEY),
    restoreCredentials: () => simulator.controls.restoreApiKey(LOOP_DEMO_API_KEY),
    writeBackRecords: (contactExternalId) => simulator.notes({ contactId: contactExternalId }),
    signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
      const signed = simulator.signedContactWebhook({
        contactId: contactExternalId,
        secret,
        ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
      });
      return { headers: signed.headers, rawBody: Buffer.from(signed.rawBody) };
    },
  }),
});
