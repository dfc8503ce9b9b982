import type { CrmProvider } from '../../../shared/providers.ts';

export type ConnectField = {
  name: string;
  label: string;
  /** Secrets use a password input and are never echoed back. */
  secret?: boolean;
  required?: boolean;
  hint?: string;
  placeholder?: string;
};

/**
 * What each CRM asks for when connecting: credentials (stored encrypted) and settings (not
 * secret). The server validates again and names any field it cannot accept.
 */
export const CONNECT_FIELDS: Record<CrmProvider, { credentials: ConnectField[]; settings: ConnectField[] }> =
  {
    agentos: {
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
        { name: 'baseUrl', label: 'API address', placeholder: 'https://live-api.letmc.com' },
      ],
    },
    reapit: {
      credentials: [
        { name: 'clientId', label: 'Client id', required: true },
        { name: 'clientSecret', label: 'Client secret', secret: true, required: true },
      ],
      settings: [
        {
          name: 'customerId',
          label: 'Customer id',
          required: true,
          hint: 'Your Reapit customer code, e.g. SBOX.',
        },
        { name: 'baseUrl', label: 'API address', placeholder: 'https://platform.reapit.cloud' },
      ],
    },
    alto: {
      credentials: [
        { name: 'clientId', label: 'Client id', required: true },
        { name: 'clientSecret', label: 'Client secret', secret: true, required: true },
      ],
      settings: [
        { name: 'agencyRef', label: 'Agency reference', required: true },
        { name: 'baseUrl', label: 'API address' },
      ],
    },
    street: {
      credentials: [
        {
          name: 'apiToken',
          label: 'API token',
          secret: true,
          required: true,
          hint: 'Generated in Street under Settings › API.',
        },
      ],
      settings: [{ name: 'baseUrl', label: 'API address' }],
    },
    loop: {
      credentials: [{ name: 'apiKey', label: 'API key', secret: true, required: true }],
      settings: [
        { name: 'baseUrl', label: 'API address', required: true, hint: 'Loop sends it with your API key.' },
      ],
    },
    custom: {
      credentials: [{ name: 'apiKey', label: 'API key', secret: true, required: true }],
      settings: [
        {
          name: 'baseUrl',
          label: 'API address',
          required: true,
          placeholder: 'https://crm.example.co.uk/propsync/v1',
        },
      ],
    },
  };
