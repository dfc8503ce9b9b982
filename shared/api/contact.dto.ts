import type { CrmProvider } from './provider.dto.ts';

export const NURTURE_CATEGORIES = [
  'Seller',
  'Landlord',
  'Buyer',
  'Tenant',
  'Active Tenant',
  'Applicant',
  'Unknown',
] as const;
export type NurtureCategory = (typeof NURTURE_CATEGORIES)[number];

/** Property facts that suggest a category (docs/product-rules.md), which an admin may override. */
export const APPLICANT_TYPES = ['buyer', 'tenant'] as const;
export const TENANCY_STATUSES = ['prospective', 'active', 'former'] as const;

export const MARKETING_CONSENTS = ['granted', 'denied', 'not_asked'] as const;
export type MarketingConsent = (typeof MARKETING_CONSENTS)[number];

/** A contact's identity in one CRM, and which fields matched it to the contact when it was linked. */
export type ContactExternalIdView = {
  provider: CrmProvider;
  providerName: string;
  connectionId: string;
  externalId: string;
  active: boolean;
  crmModifiedAt: string | null;
  matchedOn: string[];
  linkedAt: string;
};

/** `contacts.lookup`: a contact, where it first came from and its id in every CRM. */
export type ContactLookupResult = {
  id: string;
  name: string;
  emails: string[];
  phones: string[];
  postcode: string | null;
  nurtureCategory: NurtureCategory;
  marketingConsent: MarketingConsent;
  createdAt: string;
  updatedAt: string;
  /** Where the contact first came from: the earliest linked CRM identity, if any. */
  provenance: ContactExternalIdView | null;
  externalIds: ContactExternalIdView[];
};

/** Who a contact is, as every contact the host reads starts. */
export type ContactIdentity = {
  id: string;
  title: string | null;
  firstName: string | null;
  lastName: string | null;
  emails: string[];
  phones: string[];
};

/** A contact as the host's feed gives it: identity, category, consent, score and its CRM links. */
export type FeedContact = ContactIdentity & {
  postcode: string | null;
  nurtureCategory: NurtureCategory;
  marketingConsent: MarketingConsent;
  intentScore: number;
  hotLeadAt: string | null;
  updatedAt: string;
  links: Array<{ provider: CrmProvider; connectionId: string; externalId: string; active: boolean }>;
};

/**
 * `contacts.list`: one page of the feed. Keep `nextCursor` and pass it back: after the first full
 * read (`hasMore` false) it carries on with every change since, so polling it is incremental.
 */
export type ContactFeedPage = {
  contacts: FeedContact[];
  nextCursor: string;
  /** More pages are ready now; false means caught up (poll again later with `nextCursor`). */
  hasMore: boolean;
};

/** `contacts.recordConsent`: an explicit consent or opt-out the person gave the host platform. */
export type RecordConsentInput = {
  contactId: string;
  channel: 'email' | 'sms' | 'phone' | 'post';
  status: 'granted' | 'denied';
  source: string;
  at: string;
};

/** `contacts.update`: new values for fields the agency's field policy gives the platform. */
export type ContactUpdateInput = { contactId: string; fields: Record<string, unknown>; source?: string };

/** What a recorded consent or update did: the audit row, and the CRM connections it is queued to. */
export type PlatformChangeResult = {
  changeId: string;
  /** False for a consent older than the channel's newest record: kept in the audit, changes nothing. */
  applied: boolean;
  /** One write to each CRM the contact is actively linked to (none for a channel no CRM holds). */
  queuedConnectionIds: string[];
};
