/** The api-version header every Reapit Foundations call must carry. */
export const REAPIT_API_VERSION = '2020-01-31';

/** Reapit's sandbox customer id. */
export const REAPIT_SANDBOX_CUSTOMER_ID = 'SBOX';

/** A client-credentials app the simulator accepts. */
export interface ReapitClientCredentials {
  clientId: string;
  clientSecret: string;
  /** The customer (agency) the app is installed for; must match the `reapit-customer` header. */
  customerId: string;
  /**
   * Redirect URIs registered for the authorization-code flow, matched exactly. Loopback `http:`
   * URIs (localhost, 127.0.0.1) are accepted without registration in the sandbox.
   */
  redirectUris?: string[];
}

/**
 * The demo app every simulator accepts unless told otherwise. Sandbox-only values, safe to
 * publish; never reuse them against the real Reapit.
 */
export const REAPIT_DEMO_CLIENT: Readonly<ReapitClientCredentials> = Object.freeze({
  clientId: 'propsync-demo',
  clientSecret: 'reapit-sandbox-secret',
  customerId: REAPIT_SANDBOX_CUSTOMER_ID,
});

/** The user every sandbox consent page shows as signed in (there is no login step). */
export const REAPIT_SANDBOX_USER_EMAIL = 'sandbox.user@example.co.uk';

/** Authorization codes are single use and short lived (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const REAPIT_AUTHORIZATION_CODE_LIFETIME_SECONDS = 300;

/** Each refresh token of the authorization-code flow expires this long after it was issued. */
export const REAPIT_REFRESH_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

/** Documented limits: 20 requests/second, 5 concurrent per customer, 250,000 a day. */
export interface ReapitRateLimits {
  requestsPerSecond: number;
  maxConcurrent: number;
  requestsPerDay: number;
  /**
   * What the per-second and daily budgets are counted per. Reapit's docs put concurrency per
   * customer; third-party transcriptions put the other two per application. Default: customer.
   */
  budgetScope: 'customer' | 'application';
}

export const REAPIT_RATE_LIMITS: Readonly<ReapitRateLimits> = Object.freeze({
  requestsPerSecond: 20,
  maxConcurrent: 5,
  requestsPerDay: 250_000,
  budgetScope: 'customer',
});

/** Reapit retries a failed delivery 5 more times, after about 1, 2, 5, 10 and 15 minutes. */
export const REAPIT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  60_000, 120_000, 300_000, 600_000, 900_000,
]);

/** A receiver must answer a webhook within about 10 seconds. */
export const REAPIT_WEBHOOK_TIMEOUT_MS = 10_000;

/** Every topic Reapit documents; a resthook may subscribe to any of them. */
export const REAPIT_TOPICS: readonly string[] = Object.freeze([
  'application.install',
  'application.uninstall',
  'applicants.created',
  'applicants.modified',
  'appointments.cancelled',
  'appointments.confirmed',
  'appointments.created',
  'appointments.modified',
  'companies.created',
  'companies.modified',
  'contacts.created',
  'contacts.landlorddetails.updated',
  'contacts.modified',
  'contacts.optedout',
  'conveyancing.modified',
  'documents.created',
  'documents.modified',
  'enquiries.accepted',
  'enquiries.created',
  'enquiries.modified',
  'enquiries.rejected',
  'identitychecks.created',
  'identitychecks.modified',
  'landlords.created',
  'landlords.modified',
  'offers.accepted',
  'offers.created',
  'offers.modified',
  'offers.rejected',
  'offers.withdrawn',
  'offices.created',
  'offices.modified',
  'properties.created',
  'properties.modified',
  'properties.selling.askingpricechanged',
  'properties.selling.completed',
  'properties.selling.exchanged',
  'properties.selling.withdrawn',
  'properties.selling.instructed',
  'properties.selling.lostinstruction',
  'properties.selling.underoffer',
  'propertyimages.created',
  'propertyimages.modified',
  'referrals.created',
  'referrals.modified',
  'tenancies.created',
  'tenancies.modified',
  'vendors.created',
  'vendors.modified',
  'worksorders.cancelled',
  'worksorders.complete',
  'worksorders.modified',
  'worksorders.raised',
]);

/** Category ids the simulated agency uses to tag contacts by role (Reapit categories are per customer). */
export const REAPIT_ROLE_CATEGORY_IDS = {
  vendor: 'VEN',
  landlord: 'LLD',
  buyerApplicant: 'BUY',
  tenantApplicant: 'REN',
  activeTenant: 'TEN',
} as const;

/**
 * OfferModel's statuses, and `noteOfInterestWithdrawn`, which the Offers filter lists too
 * (platform-schema.ts, `Offers.status`); generated offers use the first five only.
 */
export const REAPIT_OFFER_STATUSES = [
  'pending',
  'withdrawn',
  'rejected',
  'accepted',
  'noteOfInterest',
  'noteOfInterestWithdrawn',
] as const;
export type ReapitOfferStatus = (typeof REAPIT_OFFER_STATUSES)[number];

export const REAPIT_JOURNAL_ASSOCIATED_TYPES = [
  'applicant',
  'contact',
  'landlord',
  'tenancy',
  'vendor',
  'property',
  'company',
  'offer',
  'appointment',
  'worksOrder',
] as const;
