/** Every path of the open API lives under this prefix (the base URL a connection stores ends with it). */
export const CUSTOM_API_BASE_PATH = '/v1';

/** The contract version the simulator implements (docs/openapi/propsync-custom-crm.yaml `info.version`). */
export const CUSTOM_API_VERSION = '1.1.0';

/** What an API key may do. */
export const CUSTOM_SCOPES = [
  'contacts:read',
  'contacts:write',
  'activities:read',
  'activities:write',
  'webhooks:manage',
] as const;
export type CustomScope = (typeof CUSTOM_SCOPES)[number];

/** An API key the simulator accepts. */
export interface CustomApiKey {
  key: string;
  /** Default: every scope. */
  scopes?: readonly CustomScope[];
  /** A non-secret name for logs and the control surface. */
  label?: string;
}

/**
 * The demo agency's key every simulator accepts unless told otherwise. Sandbox-only, safe to
 * publish; it means nothing to a real CRM.
 */
export const CUSTOM_DEMO_API_KEY = 'psk_sandbox_7c1f0e4b9a2d4c6e8f1a3b5d7e9f0a2c';

/**
 * Documented limits (docs/crms/custom.md, "Rate limits"): 20 requests per rolling second and 5 in
 * flight, per API key; no daily cap. The simulator keeps its own copy so it never shares the
 * adapter's reading of the contract.
 */
export interface CustomRateLimits {
  requestsPerSecond: number;
  maxConcurrent: number;
}

export const CUSTOM_RATE_LIMITS: Readonly<CustomRateLimits> = Object.freeze({
  requestsPerSecond: 20,
  maxConcurrent: 5,
});

/** Webhook events of the contract. */
export const CUSTOM_WEBHOOK_EVENTS = [
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'activity.created',
  'activity.updated',
] as const;
export type CustomWebhookEvent = (typeof CUSTOM_WEBHOOK_EVENTS)[number];

/** Subscriptions one account may hold. */
export const CUSTOM_MAX_WEBHOOKS = 10;

/** How long an Idempotency-Key's first answer is kept. */
export const CUSTOM_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export const CUSTOM_ACTIVITY_TYPES = ['viewing', 'valuation', 'offer', 'call', 'email', 'note'] as const;
export type CustomActivityType = (typeof CUSTOM_ACTIVITY_TYPES)[number];

export const CUSTOM_ACTIVITY_STATUSES = {
  viewing: ['booked', 'completed', 'cancelled', 'no_show'],
  valuation: ['booked', 'completed', 'cancelled'],
  offer: ['submitted', 'countered', 'accepted', 'rejected', 'withdrawn'],
  call: [],
  email: [],
  note: [],
} as const satisfies Record<CustomActivityType, readonly string[]>;
export type CustomActivityStatus = (typeof CUSTOM_ACTIVITY_STATUSES)[CustomActivityType][number];

/** Page sizes of list endpoints. */
export const CUSTOM_PAGE_LIMITS = Object.freeze({ default: 50, max: 200 });
