import type { ActivityType, CanonicalActivity } from '../../../shared/activity.ts';
import type { CanonicalContact, MarketingConsent, PropertyProfile } from '../../../shared/contact.ts';
import type { CustomActivity, CustomContact } from './custom.schemas.ts';
import {
  canonicalContact,
  canonicalLineAddress,
  namesOf,
  primaryFirst,
} from '../adapter-kit/contact-fields.ts';
import { renamedNameFields } from '../adapter-kit/contact-writes.ts';
import { blankToNull } from '../adapter-kit/values.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

const CUSTOM_NAMES = { title: 'title', firstName: 'first_name', lastName: 'last_name' } as const;
const CONSENTS: ReadonlySet<string> = new Set<MarketingConsent>(['granted', 'denied', 'not_asked']);

/** Open API contact → canonical contact. Pure, so it is tested without HTTP. */
export function toCanonicalContact(contact: CustomContact): CanonicalContact {
  const profile = toProfile(contact);
  return canonicalContact({
    ...namesOf(contact, CUSTOM_NAMES),
    emails: primaryFirst(contact.emails ?? [], isPrimary).map((email) => email.address),
    phones: primaryFirst(contact.phones ?? [], isPrimary).map((phone) => phone.number),
    address: canonicalLineAddress(contact.address, contact.address?.country_code, true),
    marketingConsent:
      contact.marketing_consent && CONSENTS.has(contact.marketing_consent)
        ? (contact.marketing_consent as MarketingConsent)
        : 'not_asked',
    profile,
    active: contact.archived !== true,
    provenance: {
      provider: 'custom',
      externalId: contact.id,
      modifiedAt: contact.updated_at,
      etag: contact.etag,
    },
  });
}

/**
 * Canonical fields → a JSON merge patch of the open API (only the fields given). Emails and
 * phones are replaced whole, the first one primary; a phone's type is inferred from its number.
 */
export function toCustomPatch(fields: Partial<CanonicalContact>): Record<string, unknown> {
  const patch: Record<string, unknown> = renamedNameFields(fields, CUSTOM_NAMES);
  if (fields.emails !== undefined)
    patch.emails = fields.emails.map((address, i) => ({ address, primary: i === 0 }));
  if (fields.phones !== undefined) {
    patch.phones = fields.phones.map((number, i) => ({
      number,
      type: number.startsWith('+447') ? 'mobile' : number.startsWith('+44') ? 'home' : 'other',
      primary: i === 0,
    }));
  }
  if (fields.marketingConsent !== undefined) patch.marketing_consent = fields.marketingConsent;
  return patch;
}

/** What each status signals (docs/crms/custom.md); a status in WITHDRAWN withdraws the signal. */
const SIGNALS: Record<string, Record<string, ActivityType>> = {
  viewing: {
    booked: 'viewing_booked',
    completed: 'viewing_completed',
    cancelled: 'viewing_booked',
    no_show: 'viewing_booked',
  },
  valuation: { booked: 'valuation_booked', completed: 'valuation_booked', cancelled: 'valuation_booked' },
  offer: {
    submitted: 'offer_submitted',
    countered: 'offer_progressed',
    accepted: 'offer_progressed',
    rejected: 'offer_submitted',
    withdrawn: 'offer_submitted',
  },
};
/** Statuses that say the record will not happen: the signal of its earlier stage is withdrawn. */
const WITHDRAWN: ReadonlySet<string> = new Set(['cancelled', 'no_show', 'rejected', 'withdrawn']);

/** The open API's activity types that can be a signal: what Propsync asks `GET /activities` for. */
export const SIGNAL_ACTIVITY_TYPES = [...Object.keys(SIGNALS), 'call', 'note'];

/**
 * The canonical id of an open API activity, whichever its stage: the API has one activity list,
 * so one kind, and a viewing booked then completed stays one activity (the store upgrades its type).
 */
export function activityExternalId(activityId: string): string {
  return `activity:${activityId}`;
}

/**
 * Open API activity → canonical engagement signal at the stage it has reached (withdrawn once
 * cancelled, no-show, rejected or withdrawn), or null when it is none. Activities written through the API (`source: api`) are integrations' write-back
 * (Propsync's own emails among them), never CRM engagement, so they map to nothing.
 */
export function toCanonicalActivity(activity: CustomActivity): CanonicalActivity | null {
  if (activity.source === 'api') return null;
  let type: ActivityType | undefined;
  if (activity.type === 'call') type = 'call';
  else if (activity.type === 'note') type = 'note';
  else type = SIGNALS[activity.type]?.[activity.status ?? ''];
  if (type === undefined) return null;
  return {
    type,
    occurredAt: new Date(parseCrmTime(activity.occurred_at)).toISOString(),
    source: 'custom',
    externalId: activityExternalId(activity.id),
    contactExternalId: activity.contact_id,
    details: {
      activityId: activity.id,
      activityType: activity.type,
      status: activity.status ?? null,
      propertyId: activity.property?.id ?? null,
      propertyAddress: activity.property?.address ?? null,
      startsAt: activity.starts_at ?? null,
      amount: activity.amount ?? null,
      subject: activity.subject ?? null,
    },
    ...(WITHDRAWN.has(activity.status ?? '') ? { withdrawn: true } : {}),
  };
}

function toProfile(contact: CustomContact): PropertyProfile {
  const applicant = contact.applicant ?? null;
  return {
    applicantType: applicant?.type ?? null,
    tenancyStatus: contact.tenancy?.status ?? null,
    propertyInterest:
      blankToNull(applicant?.property_interest) ??
      (applicant ? (applicant.type === 'buyer' ? 'buying' : 'renting') : null),
    isVendor: contact.is_vendor === true,
    isLandlord: contact.is_landlord === true,
  };
}

function isPrimary(entry: { primary?: boolean | null | undefined }): boolean {
  return entry.primary === true;
}
