/** Where Street serves its Open API (production `https://street.co.uk/open-api/v1`); the simulator uses the same path. */
export const STREET_API_BASE_PATH = '/open-api/v1';

/** Every request and response body is JSON:API. */
export const STREET_MEDIA_TYPE = 'application/vnd.api+json';

/** An API token an agency admin created in Street (Settings → Applications). Long-lived; no refresh. */
export interface StreetApiToken {
  /** Non-secret label used to revoke the token (the number before `|`, as Laravel Sanctum prints it). */
  tokenId: string;
  /** The bearer token itself: `<tokenId>|<40 characters>`. */
  apiToken: string;
  /** The agency the token belongs to. */
  companyName: string;
}

/**
 * The token every simulator accepts unless told otherwise. Sandbox-only value, safe to publish;
 * it means nothing to the real Street.
 */
export const STREET_DEMO_API_TOKEN: Readonly<StreetApiToken> = Object.freeze({
  tokenId: '1',
  apiToken: '1|propsyncStreetSandboxToken7Hq2Lm9Xv4Rt8Wc',
  companyName: 'Propsync Demo Estates',
});

/**
 * Documented (docs/crms/street.md, "Rate limits"): 600 GET requests and 100 POST/PUT/PATCH/DELETE
 * requests a minute, per token, as separate budgets. The simulator's own copy, not the adapter's.
 */
export interface StreetRateLimits {
  readsPerMinute: number;
  writesPerMinute: number;
}

export const STREET_RATE_LIMITS: Readonly<StreetRateLimits> = Object.freeze({
  readsPerMinute: 600,
  writesPerMinute: 100,
});

/** `page[size]` bounds: values above the maximum are capped, not refused. */
export const STREET_DEFAULT_PAGE_SIZE = 25;
export const STREET_MAX_PAGE_SIZE = 100;

export const STREET_VIEWING_STATUSES = [
  'unconfirmed',
  'rejected',
  'confirmed',
  'cancelled',
  'completed',
  'missed',
] as const;
export type StreetViewingStatus = (typeof STREET_VIEWING_STATUSES)[number];

/** Not public: the simulator's choice (see README). */
export const STREET_VALUATION_STATUSES = ['provisional', 'booked', 'completed', 'cancelled'] as const;
export type StreetValuationStatus = (typeof STREET_VALUATION_STATUSES)[number];

export const STREET_SALES_OFFER_STATUSES = [
  'pending',
  'put_to_vendor',
  'accepted',
  'rejected',
  'withdrawn',
] as const;
/** Not public for lettings: the sales list minus `put_to_vendor`, with `put_to_landlord`. */
export const STREET_LETTINGS_OFFER_STATUSES = [
  'pending',
  'put_to_landlord',
  'accepted',
  'rejected',
  'withdrawn',
] as const;
export type StreetOfferStatus =
  (typeof STREET_SALES_OFFER_STATUSES)[number] | (typeof STREET_LETTINGS_OFFER_STATUSES)[number];
export type StreetOfferKind = 'sales' | 'lettings';

/**
 * Webhook events the simulator emits. Street's payloads and subscription API are not public;
 * `person.marketing-preferences.updated` is the one person event Street has announced.
 */
export const STREET_WEBHOOK_EVENTS = [
  'person.created',
  'person.updated',
  'person.deleted',
  'person.marketing-preferences.updated',
  'viewing.created',
  'viewing.updated',
  'valuation.created',
  'valuation.updated',
  'sales-offer.created',
  'sales-offer.updated',
  'lettings-offer.created',
  'lettings-offer.updated',
] as const;
export type StreetWebhookEvent = (typeof STREET_WEBHOOK_EVENTS)[number];
