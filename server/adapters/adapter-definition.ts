import type { z } from 'zod';
import type { ProviderInfo } from '../../shared/provider-catalog.ts';
import type { Logger } from '../logger.ts';
import type { CrmAdapter } from '../ports/crm-adapter.ts';
import type { AccessGrant } from './shared/credential-session.ts';
import type { ProviderHttp } from './shared/provider-http.ts';

/** What the shared layer hands an adapter: authorised, paced HTTP and the connection's own values. */
export type AdapterContext<Credentials, Settings> = {
  http: ProviderHttp;
  credentials: Credentials;
  settings: Settings;
  /** The secret agreed when webhooks were registered (agentOS HMAC, Standard Webhooks), if any. */
  webhookSecret: string | null;
  logger: Logger;
};

/**
 * Everything Propsync needs to know to speak to one CRM. One of these per folder under
 * `server/adapters/<provider>/`, registered with one line in `registry.ts`.
 */
export type AdapterDefinition<Credentials = unknown, Settings = unknown> = {
  info: ProviderInfo;
  /** What an admin enters to connect (validated before anything is stored). */
  credentialsSchema: z.ZodType<Credentials>;
  /** Non-secret per-connection settings (base URL, customer id). */
  settingsSchema: z.ZodType<Settings>;
  /** Exchanges stored credentials for an access grant; omitted when the key itself is sent. */
  authenticate?: (
    http: ProviderHttp,
    credentials: Credentials,
    settings: Settings,
    /** The grant being replaced (its refresh token, for providers that rotate them), if any. */
    previous: AccessGrant | null,
  ) => Promise<AccessGrant>;
  /** Headers that authorise one request. */
  authorise: (
    grant: AccessGrant | null,
    credentials: Credentials,
    settings: Settings,
  ) => Record<string, string>;
  /** Base URL of the API for these settings. */
  baseUrl: (settings: Settings) => string;
  create: (context: AdapterContext<Credentials, Settings>) => CrmAdapter;
};

/** Keeps each definition's own credential and settings types while listing them together. */
export function defineAdapter<Credentials, Settings>(
  definition: AdapterDefinition<Credentials, Settings>,
): AdapterDefinition<Credentials, Settings> {
  return definition;
}
