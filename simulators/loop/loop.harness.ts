import type { HarnessRequest, SimulatorHarness } from '../toolkit/contract-harness.ts';
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

/** Drives the Loop simulator for the adapter contract suite (server/adapters/contract.test.ts). */
export const loopHarness: SimulatorHarness = {
  provider: 'loop',
  async start(options) {
    const simulator = createLoopSimulator({
      seed: options.seed ?? 1,
      contactCount: options.contactCount,
      webhookRetryScale: 0.0001,
      ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const running = await simulator.listen(options.port ?? 0);
    return {
      url: running.url,
      operatorConfig: loopOperatorConfig(running.url),
      connection: { credentials: { apiKey: LOOP_DEMO_API_KEY }, settings: {} },
      invalidCredentials: { apiKey: UNKNOWN_API_KEY },
      // The adapter lists with includeArchived=true, so archived contacts count (as inactive).
      listableContactCount: () => simulator.contactCount(),
      listableContactIds: () => simulator.contactIds(),
      modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
      requests: () =>
        simulator.requestLog
          .entries()
          .map(({ method, path, query, status }) => ({ method, path, query, status })),
      clearRequests: () => simulator.requestLog.clear(),
      isContactListRequest: isContactList,
      isDeltaListRequest: (request) => isContactList(request) && request.query.updatedSince !== undefined,
      revokeCredentials: () => simulator.controls.revokeApiKey(LOOP_DEMO_API_KEY),
      restoreCredentials: () => simulator.controls.restoreApiKey(LOOP_DEMO_API_KEY),
      // API keys do not expire.
      expireTokens: () => {},
      failNext: (count, status) => simulator.faults.failNext(count, status),
      writeBackRecords: (contactExternalId) => simulator.notes({ contactId: contactExternalId }),
      signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
        const signed = simulator.signedContactWebhook({
          contactId: contactExternalId,
          secret,
          ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
        });
        return { headers: signed.headers, rawBody: Buffer.from(signed.rawBody) };
      },
      close: () => simulator.close(),
    };
  },
};
