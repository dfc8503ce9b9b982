import type { CanonicalActivity } from '../../../shared/activity.ts';
import type { Address, CanonicalContact, PropertyProfile } from '../../../shared/contact.ts';
import type { ContactChange } from '../../core/ports/crm-adapter.ts';
import {
  StreetApplicantSchema,
  type StreetActivity,
  type StreetApplicant,
  type StreetIdentifier,
  type StreetPerson,
} from './street.schemas.ts';
import {
  canonicalAddress,
  canonicalContact,
  consentFromFlag,
  namesOf,
  primaryFirst,
} from '../adapter-kit/contact-fields.ts';
import { flagFromConsent, renamedNameFields } from '../adapter-kit/contact-writes.ts';
import { UK_COUNTRY_NAMES, blankToNull } from '../adapter-kit/values.ts';
import { crmTimeIso, parseCrmTime } from '../adapter-kit/crm-time.ts';

const STREET_NAMES = { title: 'title', firstName: 'first_name', lastName: 'last_name' } as const;

/** Side-loaded resources of a document, by `type:id`. */
export type IncludedIndex = ReadonlyMap<string, unknown>;

export function indexIncluded(included: readonly unknown[] | null | undefined): IncludedIndex {
  const index = new Map<string, unknown>();
  for (const resource of included ?? []) {
    const { type, id } = (resource ?? {}) as { type?: unknown; id?: unknown };
    if (typeof type === 'string' && typeof id === 'string') index.set(`${type}:${id}`, resource);
  }
  return index;
}

/** The identifiers a relationship names (to-one or to-many). */
export function relatedIds(
  resource: {
    relationships?: Record<string, { data?: StreetIdentifier | StreetIdentifier[] | null }> | null;
  },
  name: string,
): StreetIdentifier[] {
  const data = resource.relationships?.[name]?.data;
  if (data === null || data === undefined) return [];
  return Array.isArray(data) ? data : [data];
}

/** The person's applicants found among the side-loaded resources (`include=applicants`). */
export function applicantsOf(person: StreetPerson, included: IncludedIndex): StreetApplicant[] {
  return relatedIds(person, 'applicants')
    .map((identifier) => StreetApplicantSchema.safeParse(included.get(`applicant:${identifier.id}`)))
    .filter((parsed) => parsed.success)
    .map((parsed) => parsed.data);
}

/**
 * Street person → canonical contact. Pure, so it is tested without HTTP. `applicants` are the
 * person's side-loaded applicants; without them the contact still maps, with less profile.
 */
export function toCanonicalContact(
  person: StreetPerson,
  applicants: readonly StreetApplicant[] = [],
): CanonicalContact {
  const attributes = person.attributes;
  const profile = toProfile(person, applicants);
  return canonicalContact({
    ...namesOf(attributes, STREET_NAMES),
    emails: primaryValuesFirst(attributes.email_addresses),
    phones: primaryValuesFirst(attributes.telephone_numbers),
    address: toAddress(attributes.address),
    marketingConsent: consentFromFlag(attributes.marketing_consent),
    profile,
    active: !person.meta?.deleted_at,
    // Street has no ETags or version numbers.
    provenance: { provider: 'street', externalId: person.id, modifiedAt: attributes.updated_at },
  });
}

/**
 * Property facts (docs/product-rules.md) from Street: `statuses` (vendor / landlord / tenant, each `Current`,
 * `Previous` or null) and the person's sales and lettings applicants with their requirements.
 * Only a current role makes someone a seller or landlord today; a previous tenancy is kept as
 * `former`.
 */
export function toProfile(person: StreetPerson, applicants: readonly StreetApplicant[]): PropertyProfile {
  const statuses = person.attributes.statuses;
  const live = applicants.filter((applicant) => applicant.attributes.active !== false);
  const considered = live.length > 0 ? live : applicants;
  const kinds = new Set(considered.map((applicant) => applicant.attributes.applicant_type?.toLowerCase()));
  const tenant = statuses?.tenant?.toLowerCase();
  return {
    // A person looking to buy and to rent is nurtured as a buyer (the stronger intent).
    applicantType: kinds.has('sales') ? 'buyer' : kinds.has('lettings') ? 'tenant' : null,
    tenancyStatus: tenant === 'current' ? 'active' : tenant === 'previous' ? 'former' : null,
    propertyInterest: describeInterest(considered),
    isVendor: statuses?.vendor?.toLowerCase() === 'current',
    isLandlord: statuses?.landlord?.toLowerCase() === 'current',
  };
}

const POUNDS = new Intl.NumberFormat('en-GB', {
  style: 'currency',
  currency: 'GBP',
  maximumFractionDigits: 0,
});

/** "buying: 2+ bedrooms in Didsbury, £150,000–£250,000; renting: …" from the applicants' requirements. */
function describeInterest(applicants: readonly StreetApplicant[]): string | null {
  const parts = applicants.map((applicant) => {
    const kind = applicant.attributes.applicant_type?.toLowerCase();
    const verb = kind === 'sales' ? 'buying' : kind === 'lettings' ? 'renting' : 'looking';
    const requirements = applicant.attributes.requirements;
    const details: string[] = [];
    if (requirements?.min_bedrooms) details.push(`${requirements.min_bedrooms}+ bedrooms`);
    if (requirements?.areas && requirements.areas.length > 0)
      details.push(`in ${requirements.areas.join(', ')}`);
    const min = requirements?.min_price;
    const max = requirements?.max_price;
    const perMonth = kind === 'lettings' ? ' pcm' : '';
    const price =
      min && max
        ? `${POUNDS.format(min)}–${POUNDS.format(max)}${perMonth}`
        : max
          ? `up to ${POUNDS.format(max)}${perMonth}`
          : min
            ? `from ${POUNDS.format(min)}${perMonth}`
            : null;
    const text = [details.join(' '), price].filter((part) => part !== null && part !== '').join(', ');
    return text === '' ? verb : `${verb}: ${text}`;
  });
  return parts.length === 0 ? null : parts.join('; ');
}

function toAddress(address: StreetPerson['attributes']['address']): Address | null {
  if (!address) return null;
  // line_1 already holds "number street"; fall back to the parts when it is blank.
  const streetLine =
    blankToNull(address.line_1) ??
    blankToNull([address.building_number, address.street].filter(Boolean).join(' '));
  const country = blankToNull(address.country)?.toLowerCase();
  const hasPostcode = blankToNull(address.postcode) !== null;
  return canonicalAddress(
    {
      lines: [address.building_name, streetLine, address.line_2],
      town: blankToNull(address.town) ?? blankToNull(address.line_3),
      postcode: address.postcode,
      // Street stores the country as a name; a UK address (or none given with a UK postcode) is GB.
      countryCode:
        country === undefined ? (hasPostcode ? 'GB' : null) : UK_COUNTRY_NAMES.has(country) ? 'GB' : null,
      udprn: address.udprn === null || address.udprn === undefined ? null : String(address.udprn),
    },
    false,
  );
}

/**
 * Canonical fields → `PATCH /people/{id}` attributes (only the fields given; JSON:API keeps the
 * rest). Emails and phones replace Street's lists, the first one becoming primary.
 */
export function toStreetAttributes(fields: ContactChange['fields']): Record<string, unknown> {
  const attributes: Record<string, unknown> = renamedNameFields(fields, STREET_NAMES, [
    'firstName',
    'lastName',
  ]);
  if (fields.emails !== undefined)
    attributes.email_addresses = fields.emails.map((value, i) => ({ value, primary: i === 0 }));
  if (fields.phones !== undefined)
    attributes.telephone_numbers = fields.phones.map((value, i) => ({ value, primary: i === 0 }));
  if (fields.marketingConsent !== undefined)
    attributes.marketing_consent = flagFromConsent(fields.marketingConsent);
  return attributes;
}

/** Street keeps entry order, so the primary value is not always first: put it first. */
function primaryValuesFirst(
  values:
    | ReadonlyArray<{ value?: string | null | undefined; primary?: boolean | null | undefined }>
    | null
    | undefined,
): Array<string | null> {
  return primaryFirst(values ?? [], (entry) => entry.primary === true).map((entry) => entry.value ?? null);
}

const BOOKED_VIEWING = new Set(['unconfirmed', 'confirmed']);
const BOOKED_VALUATION = new Set(['provisional', 'booked', 'completed']);
const PROGRESSED_OFFER = new Set(['put_to_vendor', 'put_to_landlord', 'accepted']);
/** Statuses that say a record will not happen: a rejected, cancelled or missed viewing, an ended offer. */
const NOT_HAPPENING = new Set(['rejected', 'cancelled', 'missed', 'withdrawn']);

/** The stage a Street record has reached, as a signal type; null when it is no engagement. */
function stageOf(activity: StreetActivity): CanonicalActivity['type'] | null {
  const status = activity.attributes.status?.toLowerCase() ?? '';
  switch (activity.type) {
    case 'viewing':
      return status === 'completed'
        ? 'viewing_completed'
        : BOOKED_VIEWING.has(status) || NOT_HAPPENING.has(status)
          ? 'viewing_booked'
          : null;
    case 'valuation':
      return BOOKED_VALUATION.has(status) || NOT_HAPPENING.has(status) ? 'valuation_booked' : null;
    case 'sales_offer':
    case 'lettings_offer':
      // Offer statuses are not public: anything not progressed counts as submitted.
      return PROGRESSED_OFFER.has(status) ? 'offer_progressed' : 'offer_submitted';
  }
}

/**
 * A Street viewing, valuation or offer → ONE engagement signal (docs/crms/street.md): its external
 * id is `<type>:<uuid>` whatever the stage, its type the stage reached, so a booking later completed
 * (or an offer later accepted) is the same activity upgraded, whether it came by poll or webhook.
 * Bookings and submissions are dated by creation, completion and progress by the last update.
 * A cancelled, rejected, missed or withdrawn record withdraws its signal (`withdrawn`).
 */
export function toCanonicalActivity(
  activity: StreetActivity,
  contactExternalId: string,
  fallbackTime: string,
): CanonicalActivity | null {
  const type = stageOf(activity);
  if (type === null) return null;
  const attributes = activity.attributes;
  const dated =
    type === 'viewing_completed' || type === 'offer_progressed'
      ? attributes.updated_at
      : attributes.created_at;
  return {
    type,
    occurredAt: isoOr(dated, fallbackTime),
    source: 'street',
    externalId: `${activity.type}:${activity.id}`,
    contactExternalId,
    details: {
      streetType: activity.type,
      status: attributes.status ?? null,
      ...(attributes.start ? { start: attributes.start } : {}),
      ...(attributes.amount !== null && attributes.amount !== undefined ? { amount: attributes.amount } : {}),
      ...(attributes.viewing_type ? { market: attributes.viewing_type } : {}),
      ...(attributes.valuation_type ? { market: attributes.valuation_type } : {}),
      ...(activity.type === 'sales_offer'
        ? { market: 'sales' }
        : activity.type === 'lettings_offer'
          ? { market: 'lettings' }
          : {}),
    },
    ...(NOT_HAPPENING.has(attributes.status?.toLowerCase() ?? '') ? { withdrawn: true } : {}),
  };
}

function isoOr(value: string | null | undefined, fallback: string): string {
  return crmTimeIso(value, new Date(parseCrmTime(fallback)).toISOString());
}
