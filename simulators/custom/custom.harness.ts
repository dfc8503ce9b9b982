import type { HarnessRequest, SimulatorHarness } from '../toolkit/contract-harness.ts';
import { allowListeners } from '../toolkit/operator-config.ts';
import { CUSTOM_API_BASE_PATH, CUSTOM_DEMO_API_KEY } from './custom-constants.ts';
import { createCustomSimulator } from './custom-simulator.ts';

const CONTACT_LIST_PATH = `${CUSTOM_API_BASE_PATH}/contacts`;

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && request.path.replace(/\/$/, '') === CONTACT_LIST_PATH;
}

/** Drives the custom (Propsync open API) simulator for the adapter contract suite. */
export const customHarness: SimulatorHarness = {
  provider: 'custom',
  async start(options) {
    const simulator = createCustomSimulator({
      seed: options.seed ?? 1,
      contactCount: options.contactCount,
      webhookRetryScale: 0.0001,
      ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const running = await simulator.listen(options.port ?? 0);
    return {
      url: running.url,
      // A custom CRM's address is the admin's to type: the operator only allows it (it is on loopback).
      operatorConfig: allowListeners(running.url),
      connection: {
        credentials: { apiKey: CUSTOM_DEMO_API_KEY },
        settings: { baseUrl: `${running.url}${CUSTOM_API_BASE_PATH}` },
      },
      invalidCredentials: { apiKey: `${CUSTOM_DEMO_API_KEY}-wrong` },
      listableContactCount: () => simulator.contactCount(),
      listableContactIds: () => simulator.contactIds(),
      modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
      requests: () =>
        simulator.requestLog
          .entries()
          .map(({ method, path, query, status }) => ({ method, path, query, status })),
      clearRequests: () => simulator.requestLog.clear(),
      isContactListRequest: isContactList,
      isDeltaListRequest: (request) =>
        isContactList(request) && typeof request.query.updated_since === 'string',
      revokeCredentials: () => simulator.controls.revokeApiKey(),
      restoreCredentials: () => simulator.controls.restoreApiKey(),
      // API keys do not expire.
      expireTokens: () => {},
      failNext: (count, status) => simulator.controls.failNext(count, status),
      writeBackRecords: (contactExternalId) => simulator.writeBackRecords(contactExternalId),
      signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
        if (secret === null)
          throw new Error('the custom CRM signs with the per-subscription secret: register webhooks first');
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
