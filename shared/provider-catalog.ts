import type { AuthKind, CrmProvider } from './providers.ts';

export type RateLimits = {
  /** Requests allowed per rolling window. */
  requests: number;
  windowSeconds: number;
  /** Separate, lower budget for writes, where the provider documents one. */
  writeRequests?: number;
  maxConcurrent?: number;
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

/**
 * What Propsync knows about one CRM (its public API's facts: docs/crms/<id>.md). Each adapter folder
 * declares its own; the providers router serves them to the UI.
 */
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
  };
  /**
   * What an admin enters to connect: credentials (stored encrypted) and settings (not secret).
   * The server validates again with the adapter's schemas and names any field it cannot accept.
   */
  connectFields: { credentials: readonly ConnectField[]; settings: readonly ConnectField[] };
};
