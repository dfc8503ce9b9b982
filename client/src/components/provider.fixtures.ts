import type { ProviderListing } from '../lib/router-types.ts';
import type { ConnectableProvider } from './ConnectForm.tsx';

/** What the OAuth client-credentials CRMs (Reapit, Alto) ask for. */
const CLIENT_CREDENTIAL_FIELDS: ConnectableProvider['connectFields']['credentials'] = [
  { name: 'clientId', label: 'Client id', required: true },
  { name: 'clientSecret', label: 'Client secret', secret: true, required: true },
];

/** CRMs as the providers API describes them (trimmed to what the connect form reads), for stories. */
export const agentosProvider: ConnectableProvider = {
  id: 'agentos',
  displayName: 'agentOS',
  authKind: 'api_key',
  connectFields: {
    credentials: [
      {
        name: 'apiKey',
        label: 'API key',
        secret: true,
        required: true,
        hint: 'Generated in agentOS under Settings › API.',
      },
    ],
    settings: [
      {
        name: 'shortName',
        label: 'Agency short name',
        required: true,
        hint: 'The name in your agentOS web address.',
      },
    ],
  },
};

export const reapitProvider: ConnectableProvider = {
  id: 'reapit',
  displayName: 'Reapit',
  authKind: 'oauth_client_credentials',
  connectFields: {
    credentials: CLIENT_CREDENTIAL_FIELDS,
    settings: [
      {
        name: 'customerId',
        label: 'Customer id',
        required: true,
        hint: 'Your Reapit customer code, e.g. SBOX.',
      },
    ],
  },
};

export const streetProvider: ConnectableProvider = {
  id: 'street',
  displayName: 'Street',
  authKind: 'bearer_token',
  connectFields: {
    credentials: [
      {
        name: 'apiToken',
        label: 'API token',
        secret: true,
        required: true,
        hint: 'Generated in Street under Settings › API.',
      },
    ],
    settings: [],
  },
};

export const altoProvider: ConnectableProvider = {
  id: 'alto',
  displayName: 'Alto',
  authKind: 'oauth_client_credentials',
  connectFields: {
    credentials: [
      ...CLIENT_CREDENTIAL_FIELDS,
      {
        name: 'webhookSecret',
        label: 'Webhook secret',
        secret: true,
        hint: 'Only when Alto Connect support set up your webhooks: the shared secret they gave you',
      },
    ],
    settings: [{ name: 'agencyRef', label: 'Agency reference', required: true }],
  },
};

/** A CRM as `providers.list` answers it: the connect form's fields plus the catalogue's facts. */
export function providerListing(provider: ConnectableProvider, vendor: string): ProviderListing {
  return {
    ...provider,
    vendor,
    rateLimits: { requests: 100, windowSeconds: 60 },
    rateLimitsDocumented: true,
    pagingStyle: 'page_number',
    capabilities: {
      webhooks: true,
      etags: false,
      writeBack: 'notes',
      activities: {
        polledTypes: [
          'viewing_booked',
          'viewing_completed',
          'valuation_booked',
          'offer_submitted',
          'offer_progressed',
        ],
        webhooks: true,
        kinds: 'viewings, valuations and offers',
      },
    },
    oauthSignIn: provider.oauthSignIn ?? false,
  };
}
