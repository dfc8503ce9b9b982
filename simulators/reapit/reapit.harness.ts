import type { HarnessRequest, SimulatorHarness } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { REAPIT_DEMO_CLIENT } from './reapit-constants.ts';
import { createReapitSimulator } from './reapit-simulator.ts';

/** Points Propsync's Reapit hosts at a simulator: its API and its Reapit Connect, two listeners. */
export function reapitOperatorConfig(running: { url: string; connectUrl: string }): OperatorConfig {
  return {
    PROPSYNC_REAPIT_API_URL: running.url,
    PROPSYNC_REAPIT_CONNECT_URL: running.connectUrl,
    ...allowListeners(running.url, running.connectUrl),
  };
}

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && /^\/contacts\/?$/.test(request.path);
}

/** Drives the Reapit simulator for the adapter contract suite (server/adapters/contract.test.ts). */
export const reapitHarness: SimulatorHarness = {
  provider: 'reapit',
  async start(options) {
    const simulator = createReapitSimulator({
      seed: options.seed ?? 1,
      contactCount: options.contactCount,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      webhookRetryScale: 0.0001,
      ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const running = await simulator.listen(options.port ?? 0);
    const { clientId, clientSecret, customerId } = REAPIT_DEMO_CLIENT;
    return {
      url: running.url,
      operatorConfig: reapitOperatorConfig(running),
      connection: { credentials: { clientId, clientSecret }, settings: { customerId } },
      // The sandbox app accepts any loopback redirect, so the demo's "Sign in with Reapit" works as is.
      oauthApp: { clientId, clientSecret, settings: { customerId } },
      invalidCredentials: { clientId, clientSecret: `${clientSecret}-wrong` },
      listableContactCount: () => simulator.contactCount(),
      listableContactIds: () => simulator.contactIds(),
      modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
      requests: () =>
        simulator.requestLog
          .entries()
          .map(({ method, path, query, status }) => ({ method, path, query, status })),
      clearRequests: () => simulator.requestLog.clear(),
      isContactListRequest: isContactList,
      // Reapit binds query names case-insensitively, so `ModifiedFrom` counts too.
      isDeltaListRequest: (request) =>
        isContactList(request) &&
        Object.keys(request.query).some((name) => name.toLowerCase() === 'modifiedfrom'),
      revokeCredentials: () => simulator.controls.revokeClient(clientId),
      restoreCredentials: () => simulator.controls.restoreClient(clientId),
      expireTokens: () => simulator.controls.expireTokens(),
      failNext: (count, status) => simulator.faults.failNext(count, status),
      writeBackRecords: (contactExternalId) =>
        simulator
          .journalEntries()
          .filter((entry) => entry.associatedType === 'contact' && entry.associatedId === contactExternalId),
      signedWebhook({ contactExternalId, timestampOffsetSeconds }) {
        const signed = simulator.signedContactWebhook({
          contactId: contactExternalId,
          ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
        });
        return { headers: signed.headers, rawBody: Buffer.from(signed.rawBody) };
      },
      close: () => simulator.close(),
    };
  },
};
