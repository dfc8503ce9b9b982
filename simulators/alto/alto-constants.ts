/** Alto's public hosts (documentation only: every test runs against the simulator). */
export const ALTO_PRODUCTION_BASE_URL = 'https://api.alto.zoopla.co.uk';

/**
 * An integration registered in Alto Connect: client-credential keys, the integration id Alto
 * stamps on webhooks, and the agencies (AgencyRef GUIDs) that activated it.
 */
export interface AltoIntegration {
  clientId: string;
  clientSecret: string;
  integrationId: string;
  agencyRefs: readonly string[];
}

/** The AgencyRef of the demo agency (Alto issues one GUID per agency that activates an integration). */
export const ALTO_DEMO_AGENCY_REF = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/**
 * The demo integration every simulator accepts unless told otherwise. Sandbox-only values, safe
 * to publish; never reuse them against the real Alto.
 */
export const ALTO_DEMO_CLIENT: Readonly<AltoIntegration> = Object.freeze({
  clientId: 'propsync-demo',
  clientSecret: 'alto-sandbox-secret',
  integrationId: 'f4e1c2ab-5d6e-4f7a-9b8c-dade0fbeca11',
  agencyRefs: Object.freeze([ALTO_DEMO_AGENCY_REF]),
});

/**
 * Alto publishes no rate limit. The simulator enforces the budget Propsync's catalogue paces Alto
 * at (ALTO_INFO in ../alto.adapter.ts): 10 requests per second and 4 in flight, per integration and agency.
 */
export interface AltoRateLimits {
  requestsPerSecond: number;
  maxConcurrent: number;
  /**
   * Milliseconds taken off the one-second window, so a client pacing at exactly the limit is not
   * refused because its requests reach the server with uneven network delay.
   */
  windowToleranceMs: number;
}

export const ALTO_RATE_LIMITS: Readonly<AltoRateLimits> = Object.freeze({
  requestsPerSecond: 10,
  maxConcurrent: 4,
  windowToleranceMs: 50,
});

/** Tokens are cached for their whole lifetime, as Zoopla's guidance says (one hour). */
export const ALTO_TOKEN_LIFETIME_SECONDS = 3600;

/**
 * Alto retries a failed delivery up to 10 times within 6 hours of the change; the spacing is not
 * published. These delays (30 s doubling-ish to 2 h) add up to 5 h 48 min.
 */
export const ALTO_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = Object.freeze(
  [0.5, 1, 2, 5, 10, 20, 40, 60, 90, 120].map((minutes) => minutes * 60_000),
);

/** How long a receiver may take before a delivery counts as timed out (not published). */
export const ALTO_WEBHOOK_TIMEOUT_MS = 10_000;

/** Every event type in Alto's published webhook catalogue; a subscription may name any of them. */
export const ALTO_EVENT_TYPES = [
  'Contact.Created',
  'Contact.Modified',
  'Property.Created',
  'Property.Modified',
  'Property.MarketingInformationSent',
  'Branch.Modified',
  'Appointment.Created',
  'Appointment.Modified',
  'Tenancy.Created',
  'Tenancy.Modified',
  'Tenancy.ReferencingPassed',
  'Tenancy.Renewed',
  'Tenancy.Vacated',
  'Offer.Created',
  'Offer.Modified',
  'Offer.Accepted',
  'Offer.Withdrawn',
  'SalesProgression.Exchanged',
  'SalesProgression.MilestoneCompleted',
  'Lead.Received',
  'Lead.Accepted',
  'Lead.Modified',
  'Integration.Enabled',
  'Integration.Disabled',
  'Integration.Activated',
  'Integration.Deactivated',
] as const;
export type AltoEventType = (typeof ALTO_EVENT_TYPES)[number];

export const ALTO_CATEGORIES = [
  'Unknown',
  'Client',
  'Solicitor',
  'BuildingSociety',
  'Bank',
  'Publication',
  'EstateAgent',
  'ManagingAgent',
  'Developer',
  'Builder',
  'Utility',
  'Service',
  'PreviousClient',
  'Miscellaneous',
  'FinancialAdvisor',
  'Maintenance',
  'OnSiteSales',
  'ExternalPrinter',
  'OtherCategory1',
  'EstateAgentLocal',
  'Surveyor',
  'Supplier',
  'ContactRelationship',
  'Accountant',
] as const;
export type AltoCategory = (typeof ALTO_CATEGORIES)[number];

export const ALTO_PERSONAS = ['Applicant', 'Vendor', 'Landlord', 'Tenant'] as const;
export type AltoPersona = (typeof ALTO_PERSONAS)[number];

export const ALTO_PHONE_TYPES = ['Unspecified', 'Home', 'Business', 'Mobile', 'Fax', 'Work', 'ISDN'] as const;
export type AltoPhoneType = (typeof ALTO_PHONE_TYPES)[number];

export const ALTO_EMAIL_TYPES = ['Unknown', 'Personal', 'Business'] as const;
export type AltoEmailType = (typeof ALTO_EMAIL_TYPES)[number];

/** Consent is kept per purpose; `GeneralMarketing` is the one nurture email depends on. */
export const ALTO_PREFERENCE_TYPES = [
  'PropertyMatching',
  'GeneralMarketing',
  'FinancialServices',
  'ConveyancingServices',
  'RelocationAgentNetwork',
  'KeyfloViewingNotifications',
] as const;
export type AltoPreferenceType = (typeof ALTO_PREFERENCE_TYPES)[number];
export type AltoOptInStatus = 'Denied' | 'Granted' | 'Unknown';

/** The file note types `POST /file-notes` accepts (Alto reads many more on existing notes). */
export const ALTO_FILE_NOTE_CREATE_TYPES = [
  'Unspecified',
  'DetailsToVendor',
  'DetailsApproved',
  'FileNote',
  'PhoneCall',
  'EMail',
] as const;

export const ALTO_OFFER_STATUSES = ['Received', 'Accepted', 'Rejected', 'Withdrawn', 'Revised'] as const;
export type AltoOfferStatus = (typeof ALTO_OFFER_STATUSES)[number];

export const ALTO_APPOINTMENT_STATUSES = [
  'Unspecified',
  'NotYetBooked',
  'Active',
  'CancelledByOffice',
  'CancelledByOwner',
  'CancelledByApplicant',
  'CancelledByContact',
] as const;
export type AltoAppointmentStatus = (typeof ALTO_APPOINTMENT_STATUSES)[number];
export type AltoAppointmentType = 'Viewing' | 'Valuation';

/** Paging of every kebab-case list endpoint: `max-results` defaults to 50, at most 250. */
export const ALTO_DEFAULT_MAX_RESULTS = 50;
export const ALTO_MAX_RESULTS = 250;
/** `GET /contacts?id=…` takes at most 50 ids. */
export const ALTO_MAX_IDS_PER_REQUEST = 50;

/** The first contact id; ids are opaque integers, scoped by AgencyRef, rising with creation. */
export const ALTO_CONTACT_ID_BASE = 20_000_000;
export const ALTO_APPOINTMENT_ID_BASE = 76_000_000;
export const ALTO_OFFER_ID_BASE = 5_400_000;
export const ALTO_FILE_NOTE_ID_BASE = 910_000_000;
export const ALTO_PROPERTY_ID_BASE = 112_000;
