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
};

/**
 * What Propsync knows about each CRM (from ../shared/reference/crm-apis.md). Typed as a record
 * over every provider, so a new provider that is not described here fails to compile.
 */
export const PROVIDER_CATALOG = {
  agentos: {
    id: 'agentos',
    displayName: 'agentOS',
    vendor: 'LetMC',
    authKind: 'api_key',
    rateLimits: { requests: 50, windowSeconds: 60 },
    rateLimitsDocumented: true,
    pagingStyle: 'offset',
    capabilities: { webhooks: true, etags: true, writeBack: 'contact log entries and engagement fields' },
  },
  reapit: {
    id: 'reapit',
    displayName: 'Reapit',
    vendor: 'Reapit Ltd',
    authKind: 'oauth_client_credentials',
    rateLimits: { requests: 20, windowSeconds: 1, maxConcurrent: 5, perDay: 250_000 },
    rateLimitsDocumented: true,
    pagingStyle: 'page_number',
    capabilities: { webhooks: true, etags: true, writeBack: 'journal entries and contact metadata' },
  },
  alto: {
    id: 'alto',
    displayName: 'Alto',
    vendor: 'Zoopla Property Group',
    authKind: 'oauth_client_credentials',
    rateLimits: { requests: 10, windowSeconds: 1, maxConcurrent: 4 },
    rateLimitsDocumented: false,
    pagingStyle: 'next_token',
    capabilities: { webhooks: true, etags: false, writeBack: 'file notes' },
  },
  street: {
    id: 'street',
    displayName: 'Street',
    vendor: 'Street.co.uk',
    authKind: 'bearer_token',
    rateLimits: { requests: 600, windowSeconds: 60, writeRequests: 100 },
    rateLimitsDocumented: true,
    pagingStyle: 'page_number',
    capabilities: { webhooks: true, etags: false, writeBack: 'notes on the person' },
  },
  loop: {
    id: 'loop',
    displayName: 'Loop',
    vendor: 'Loop Software',
    authKind: 'api_key',
    rateLimits: { requests: 10, windowSeconds: 1, maxConcurrent: 4 },
    rateLimitsDocumented: false,
    pagingStyle: 'page_number',
    capabilities: { webhooks: true, etags: false, writeBack: 'contact notes' },
  },
  custom: {
    id: 'custom',
    displayName: 'Custom CRM',
    vendor: 'Any CRM implementing the Propsync open API',
    authKind: 'api_key',
    rateLimits: { requests: 20, windowSeconds: 1, maxConcurrent: 5 },
    rateLimitsDocumented: true,
    pagingStyle: 'next_token',
    capabilities: { webhooks: true, etags: true, writeBack: 'activities and contact fields' },
  },
} as const satisfies { [P in CrmProvider]: ProviderInfo & { id: P } };
