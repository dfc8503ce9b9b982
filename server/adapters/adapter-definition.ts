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
  /** Sign-in by OAuth redirect (authorization code with PKCE), where the CRM offers it. */
  oauth?: OAuthSignInSupport<Credentials, Settings>;
  /**
   * Revokes Propsync's access at the CRM when an agency disconnects; throws when the CRM refuses.
   * Omitted where keys can only be removed by an admin in the CRM.
   */
  revokeAccess?: (
    http: ProviderHttp,
    credentials: Credentials,
    settings: Settings,
    grant: AccessGrant | null,
  ) => Promise<Revocation>;
};

/**
 * What revoking achieved: `all_access` — nothing Propsync held still works (a sign-in's tokens, an
 * API key); `token_only` — the token Propsync held is revoked, but the credentials the admin
 * entered (an app's client id and secret) stay valid until deleted in the CRM; `unsupported` — the
 * CRM answered that it cannot revoke.
 */
export type Revocation = 'all_access' | 'token_only' | 'unsupported';

/** Propsync's app registered with a CRM for OAuth sign-in (deployment configuration, not per agency). */
export type OAuthApp = {
  clientId: string;
  clientSecret: string;
  /** Defaults for the connection's settings (e.g. the authorisation server's address). */
  settings?: Record<string, string>;
};

export type OAuthSignInSupport<Credentials, Settings> = {
  /**
   * The settings an admin may choose for a sign-in (e.g. the customer id). Every other setting —
   * above all the addresses the app's secret is sent to — comes only from the deployment's app
   * configuration or the adapter's defaults.
   */
  adminSettings: readonly string[];
  /** Where the admin's browser goes to sign in and allow Propsync. */
  authorizeUrl: (
    settings: Settings,
    request: { clientId: string; redirectUri: string; state: string; codeChallenge: string },
  ) => string;
  /** Exchanges the code the CRM redirected back with for credentials to store (a refresh token). */
  exchangeCode: (
    http: ProviderHttp,
    app: OAuthApp,
    settings: Settings,
    code: { code: string; redirectUri: string; codeVerifier: string },
  ) => Promise<Credentials>;
};

/** Keeps each definition's own credential and settings types while listing them together. */
export function defineAdapter<Credentials, Settings>(
  definition: AdapterDefinition<Credentials, Settings>,
): AdapterDefinition<Credentials, Settings> {
  return definition;
}
