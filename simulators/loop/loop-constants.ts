/**
 * Loop (loop.software) publishes almost nothing about its API: GUID API keys issued per agency
 * team, sent as `x-api-key`, and JSON lists `{results: […]}` with camelCase fields and `pageSize`
 * paging. Everything else here is the conventional shape this simulator chose (see README.md).
 */

/** An agency team: its API keys (GUIDs) see only its own data. */
export interface LoopTeam {
  teamId: string;
  name: string;
  apiKeys: readonly string[];
}

/** The sandbox API key every simulator accepts unless told otherwise. Public; never valid against Loop. */
export const LOOP_DEMO_API_KEY = '8c5f2d0e-3b71-4a9c-9e42-6d1f0a7b5c38';

/** The demo agency team the demo key belongs to. */
export const LOOP_DEMO_TEAM: Readonly<LoopTeam> = Object.freeze({
  teamId: '2d7e4f1a-9c36-4b8e-a5d0-71f3c2b9e604',
  name: 'Propsync Demo Estates',
  apiKeys: Object.freeze([LOOP_DEMO_API_KEY]),
});

/** A GUID in 8-4-4-4-12 hex form (any version; compared case-insensitively). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Loop documents no rate limit. The simulator enforces what Propsync's catalogue paces Loop at:
 * 10 requests in any rolling second and 4 in flight at once, per API key.
 */
export interface LoopRateLimits {
  requestsPerSecond: number;
  maxConcurrent: number;
}

export const LOOP_RATE_LIMITS: Readonly<LoopRateLimits> = Object.freeze({
  requestsPerSecond: 10,
  maxConcurrent: 4,
});

/** `pageSize` bounds of every list endpoint. */
export const LOOP_PAGE_SIZE = Object.freeze({ default: 25, max: 100 });

/** Webhook event types the simulator emits and a subscription may name. */
export const LOOP_WEBHOOK_EVENTS = [
  'contact.created',
  'contact.updated',
  'contact.archived',
  'contact.deleted',
  'appointment.created',
  'appointment.updated',
  'offer.created',
  'offer.updated',
] as const;
export type LoopWebhookEvent = (typeof LOOP_WEBHOOK_EVENTS)[number];

export const LOOP_CONTACT_TYPES = ['vendor', 'landlord', 'applicant', 'tenant'] as const;
export type LoopContactType = (typeof LOOP_CONTACT_TYPES)[number];

export const LOOP_CONSENT_STATUSES = ['optedIn', 'optedOut', 'notAsked'] as const;
export type LoopConsentStatus = (typeof LOOP_CONSENT_STATUSES)[number];

export const LOOP_PHONE_TYPES = ['mobile', 'home', 'work', 'other'] as const;
export type LoopPhoneType = (typeof LOOP_PHONE_TYPES)[number];

export const LOOP_APPOINTMENT_TYPES = ['viewing', 'valuation'] as const;
export type LoopAppointmentType = (typeof LOOP_APPOINTMENT_TYPES)[number];

export const LOOP_APPOINTMENT_STATUSES = ['booked', 'completed', 'cancelled', 'noShow'] as const;
export type LoopAppointmentStatus = (typeof LOOP_APPOINTMENT_STATUSES)[number];

export const LOOP_OFFER_STATUSES = ['submitted', 'negotiating', 'accepted', 'rejected', 'withdrawn'] as const;
export type LoopOfferStatus = (typeof LOOP_OFFER_STATUSES)[number];

export const LOOP_NOTE_TYPES = ['note', 'email', 'call', 'sms', 'letter', 'meeting'] as const;
export type LoopNoteType = (typeof LOOP_NOTE_TYPES)[number];

/** Negotiators of the simulated agency (every team has the same names, with its own ids). */
export const LOOP_NEGOTIATORS = [
  'Jasmine Patel',
  'Rob McKenzie',
  'Lucy Hartley-Brown',
  'Dan Whitfield',
  'Sam Kowalski',
  'Aisha Okafor',
  'Matt Jennings',
  'Chloe Evans',
  'Nia Roberts',
  'Tom Gallagher',
] as const;

export const LOOP_SOURCES = [
  'Rightmove',
  'Zoopla',
  'OnTheMarket',
  'Website',
  'Referral',
  'Walk-in',
  'Board',
] as const;
