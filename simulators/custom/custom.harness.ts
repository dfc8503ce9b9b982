import { defineHarness, type HarnessRequest } from '../toolkit/contract-harness.ts';
import { allowListeners } from '../toolkit/operator-config.ts';
import { CUSTOM_API_BASE_PATH, CUSTOM_DEMO_API_KEY } from './custom-constants.ts';
import { createCustomSimulator } from './custom-simulator.ts';

const CONTACT_LIST_PATH = `${CUSTOM_API_BASE_PATH}/contacts`;

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && request.path.replace(/\/$/, '') === CONTACT_LIST_PATH;
}

/** Drives the custom (Propsync open API) simulator for the adapter contract suite. */
export const customHarness = defineHarness({
  provider: 'custom',
  create: createCustomSimulator,
  connect: (simulator, url) => ({
    // A custom CRM's address is the admin's to type: the operator only allows it (it is on loopback).
    operatorConfig: allowListeners(url),
    connection: {
      credentials: { apiKey: CUSTOM_DEMO_API_KEY },
      settings: { baseUrl: `${url}${CUSTOM_API_BASE_PATH}` },
    },
    invalidCredentials: { apiKey: `${CUSTOM_DEMO_API_KEY}-wrong` },
    modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
    isContactListRequest: isContactList,
    isDeltaListRequest: (request) =>
      isContactList(request) && typeof request.query.updated_since === 'string',
    revokeCredentials: () => simulator.controls.revokeApiKey(),
    restoreCredentials: () => simulator.controls.restoreApiKey(),
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
  }),
});
