/**
 * The API's shapes for CRMs and their connect forms. Like every `*.dto.ts` in shared/api, plain
 * TypeScript with no imports beyond shared/api: the embed package publishes these declarations.
 */

/** A CRM's id as registered in `server/adapters/registry.ts` (e.g. "reapit"). */
export type CrmProvider = string;

export const CONNECTION_STATUSES = ['active', 'error', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const AUTH_KINDS = ['api_key', 'oauth_client_credentials', 'bearer_token'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export type RateLimits = {
  /** Requests allowed per rolling window. */
  requests: number;
  windowSeconds: number;
  /** Separate, lower budget for writes, where the provider documents one. */
  writeRequests?: number;
  maxConcurrent?: number;
  /**
   * Requests per UTC day, where the CRM documents a daily cap (its source in docs/crms/<crm>.md).
   * Counted per CRM customer across every Propsync process; when used up, requests wait for the next day.
   */
  perDay?: number;
};

/** One input of a CRM's connect form. */
export type ConnectField = {
  name: string;
  label: string;
  /** Secrets use a password input and are never echoed back. */
  secret?: boolean;
  required?: boolean;
  hint?: string;
  placeholder?: string;
};

/** What Propsync knows about one CRM. Each adapter folder declares its own. */
export type ProviderInfo = {
  id: CrmProvider;
  displayName: string;
  vendor: string;
  authKind: AuthKind;
  /** Documented limits; where a provider publishes none we pace conservatively and say so. */
  rateLimits: RateLimits;
  rateLimitsDocumented: boolean;
  pagingStyle: 'page_number' | 'offset' | 'next_token';
  capabilities: {
    webhooks: boolean;
    etags: boolean;
    /** Where nurture outcomes are written back in this CRM. */
    writeBack: string;
    /**
     * Which engagement activities Propsync reads from this CRM, and how. `polledTypes`: the
     * activity types each delta cycle reads (empty where the CRM's public API lists none by
     * change); `webhooks`: whether its webhooks bring activities; `kinds`: the same in words,
     * for the card.
     */
    activities: { polledTypes: readonly string[]; webhooks: boolean; kinds: string };
  };
  /**
   * What an admin enters to connect: credentials (stored encrypted) and settings (not secret).
   * The server validates again with the adapter's schemas and names any field it cannot accept.
   */
  connectFields: { credentials: readonly ConnectField[]; settings: readonly ConnectField[] };
  /**
   * Where the CRM's support, not its API, sets webhooks up: what the admin asks them for, said
   * with the connection's webhook address when registering through the API fails.
   */
  webhooksByHand?: string;
};

/** `providers.list`: a CRM as the registry describes it, and whether sign-in by redirect is set up here. */
export type ProviderListing = ProviderInfo & { oauthSignIn: boolean };
