import type { HarnessRequest, SimulatorHarness } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { ALTO_DEMO_CLIENT } from './alto-constants.ts';
import { createAltoSimulator } from './alto-simulator.ts';

/** Points Propsync's Alto hosts (API and token endpoint) at a simulator listening at `url`. */
export function altoOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_ALTO_API_URL: url, PROPSYNC_ALTO_TOKEN_URL: `${url}/token`, ...allowListeners(url) };
}

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && /^\/contacts\/all\/?$/i.test(request.path);
}

/** Drives the Alto simulator for the adapter contract suite (server/adapters/contract.test.ts). */
export const altoHarness: SimulatorHarness = {
  provider: 'alto',
  async start(options) {
    const simulator = createAltoSimulator({
      seed: options.seed ?? 1,
      contactCount: options.contactCount,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      webhookRetryScale: 0.0001,
      ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const running = await simulator.listen(options.port ?? 0);
    const { clientId, clientSecret } = ALTO_DEMO_CLIENT;
    return {
      url: running.url,
      operatorConfig: altoOperatorConfig(running.url),
      connection: {
        credentials: { clientId, clientSecret },
        settings: { agencyRef: simulator.defaultAgencyRef },
      },
      invalidCredentials: { clientId, clientSecret: `${clientSecret}-wrong` },
      // Archived contacts stay listed (isActive false), so every contact is listable.
      listableContactCount: () => simulator.contactCount(),
      listableContactIds: () => simulator.contactIds(),
      modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
      requests: () =>
        simulator.requestLog
          .entries()
          .map(({ method, path, query, status }) => ({ method, path, query, status })),
      clearRequests: () => simulator.requestLog.clear(),
      isContactListRequest: isContactList,
      // Alto binds query names case-insensitively, so `Modified-From` counts too.
      isDeltaListRequest: (request) =>
        isContactList(request) &&
        Object.keys(request.query).some((name) => name.toLowerCase() === 'modified-from'),
      revokeCredentials: () => simulator.controls.revokeClient(clientId),
      restoreCredentials: () => simulator.controls.restoreClient(clientId),
      expireTokens: () => simulator.controls.expireTokens(),
      failNext: (count, status) => simulator.faults.failNext(count, status),
      writeBackRecords: (contactExternalId) => simulator.fileNotes({ contactId: contactExternalId }),
      signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
        const signed = simulator.contactWebhook({
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
