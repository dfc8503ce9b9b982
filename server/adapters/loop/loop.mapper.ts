import type { CanonicalActivity } from '../../../shared/activity.ts';
import {
  CanonicalContactSchema,
  type CanonicalContact,
  type MarketingConsent,
  type PropertyProfile,
} from '../../../shared/contact.ts';
import type { ContactChange } from '../../core/ports/crm-adapter.ts';
import { normaliseEmail, normalisePhone } from '../../core/domain/contact-normalisation.ts';
import type {
  LoopApplicantProfile,
  LoopAppointment,
  LoopContact,
  LoopOffer,
  LoopPhoneNumber,
} from './loop.schemas.ts';
import {
  canonicalContact,
  canonicalLineAddress,
  namesOf,
  primaryFirst,
} from '../adapter-kit/contact-fields.ts';
import { renamedNameFields } from '../adapter-kit/contact-writes.ts';
import { unique } from '../adapter-kit/values.ts';
import { crmTimeIso } from '../adapter-kit/crm-time.ts';

const LOOP_NAMES = { title: 'title', firstName: 'firstName', lastName: 'lastName' } as const;
const CONSENT: Record<string, MarketingConsent> = {
  optedIn: 'granted',
  optedOut: 'denied',
  notAsked: 'not_asked',
};
const CONSENT_TO_LOOP: Record<MarketingConsent, string> = {
  granted: 'optedIn',
  denied: 'optedOut',
  not_asked: 'notAsked',
};
const TENANCY_STATUS: Record<string, PropertyProfile['tenancyStatus']> = {
  current: 'active',
  pending: 'prospective',
  ended: 'former',
};
const PROPERTY_TYPE_NAMES: Record<string, string> = { semiDetached: 'semi-detached' };
// normaliseEmail is deliberately permissive; the canonical schema is the final word.
const EmailSchema = CanonicalContactSchema.shape.emails.element;
const POUNDS = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

/** A Loop contact → the canonical contact. Pure, so it is tested without HTTP. */
export function toCanonicalContact(contact: LoopContact): CanonicalContact {
  const profile = toProfile(contact);
  return canonicalContact({
    ...namesOf(contact, LOOP_NAMES),
    emails: primaryFirst(contact.emailAddresses ?? [], isPrimary)
      .map((email) => normaliseEmail(email.address))
      .filter((email) => email !== null && EmailSchema.safeParse(email).success),
    phones: primaryFirst(contact.phoneNumbers ?? [], isPrimary).map((phone) => phone.number),
    address: canonicalLineAddress(contact.address, contact.address?.countryCode, false),
    marketingConsent: CONSENT[contact.marketingConsent?.status ?? ''] ?? 'not_asked',
    profile,
    active: contact.archived !== true,
    // Loop has no concurrency token (the catalogue lists no ETags).
    provenance: { provider: 'loop', externalId: contact.id, modifiedAt: contact.updatedAt },
  });
}

/**
 * Property facts (docs/product-rules.md): applicant type from applicant profiles (buying wins over renting,
 * active profiles over ones on hold), tenancy status from the tenancy (or the `tenant` type alone:
 * a current tenant), vendor and landlord from the contact types; the property interest summarises
 * every profile.
 */
export function toProfile(contact: LoopContact): PropertyProfile {
  const types = new Set((contact.contactTypes ?? []).map((type) => type.toLowerCase()));
  const profiles = [...(contact.applicantProfiles ?? [])].sort((a, b) => rankProfile(a) - rankProfile(b));
  const main = profiles[0];
  // The contact type alone still says something when the details behind it were never filled in.
  const typedTenant = types.has('tenant') ? 'active' : null;
  const typedApplicant = types.has('applicant') ? 'Applicant: no requirements recorded' : null;
  return {
    applicantType: main === undefined ? null : main.intent === 'rent' ? 'tenant' : 'buyer',
    tenancyStatus: contact.tenancy ? (TENANCY_STATUS[contact.tenancy.status] ?? null) : typedTenant,
    propertyInterest: profiles.length === 0 ? typedApplicant : profiles.map(describeInterest).join('; '),
    isVendor: types.has('vendor'),
    isLandlord: types.has('landlord'),
  };
}

function rankProfile(profile: LoopApplicantProfile): number {
  return (profile.status === 'onHold' ? 2 : 0) + (profile.intent === 'rent' ? 1 : 0);
}

/** "Buying: 2+ bed flat or terraced in Clapham, Battersea, up to £450,000". */
export function describeInterest(profile: LoopApplicantProfile): string {
  const renting = profile.intent === 'rent';
  const bedrooms = profile.minBedrooms ? `${profile.minBedrooms}+ bed ` : '';
  const kinds = (profile.propertyTypes ?? []).map((type) => PROPERTY_TYPE_NAMES[type] ?? type);
  const what = `${bedrooms}${kinds.length > 0 ? kinds.join(' or ') : 'property'}`;
  const where = profile.areas && profile.areas.length > 0 ? ` in ${profile.areas.join(', ')}` : '';
  const budget = profile.maxBudget
    ? `, up to £${POUNDS.format(profile.maxBudget)}${renting ? ' pcm' : ''}`
    : '';
  const onHold = profile.status === 'onHold' ? ' (on hold)' : '';
  return `${renting ? 'Renting' : 'Buying'}: ${what}${where}${budget}${onHold}`;
}

/**
 * Canonical fields → a Loop PATCH body (only the fields given). With the current record, numbers
 * and addresses that are kept stay as the agent typed them, and phones keep their type.
 */
export function toLoopPatch(
  fields: ContactChange['fields'],
  current: LoopContact | null = null,
): Record<string, unknown> {
  const patch: Record<string, unknown> = renamedNameFields(fields, LOOP_NAMES);
  if (fields.emails !== undefined) {
    const existing = new Map(
      (current?.emailAddresses ?? []).map((email) => [normaliseEmail(email.address), email.address]),
    );
    patch.emailAddresses = unique(fields.emails).map((email, i) => ({
      address: existing.get(email) ?? email,
      isPrimary: i === 0,
    }));
  }
  if (fields.phones !== undefined) {
    const existing = new Map<string, LoopPhoneNumber>();
    for (const phone of current?.phoneNumbers ?? []) {
      const e164 = normalisePhone(phone.number);
      if (e164 !== null && !existing.has(e164)) existing.set(e164, phone);
    }
    patch.phoneNumbers = unique(fields.phones).map((e164, i) => {
      const kept = existing.get(e164);
      return {
        number: kept?.number ?? e164,
        type: kept?.type ?? (e164.startsWith('+447') ? 'mobile' : 'other'),
        isPrimary: i === 0,
      };
    });
  }
  if (fields.marketingConsent !== undefined)
    patch.marketingConsent = { status: CONSENT_TO_LOOP[fields.marketingConsent] };
  return patch;
}

/**
 * Propsync metadata → Loop custom fields: scalar values as they are (null removes a field),
 * anything else as JSON; names reduced to the letters, digits and underscores Loop accepts.
 */
export function toCustomFields(
  metadata: Record<string, unknown>,
): Record<string, string | number | boolean | null> {
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const name = key
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/^[^A-Za-z]/, 'x$&')
      .slice(0, 64);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') fields[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) fields[name] = value;
    else if (value !== undefined) fields[name] = JSON.stringify(value);
  }
  return fields;
}

/** Appointment and offer statuses that say the record will not happen: its signal is withdrawn. */
const NOT_HAPPENING: ReadonlySet<string> = new Set(['cancelled', 'noShow', 'rejected', 'withdrawn']);

/**
 * A Loop appointment → the engagement signal it is (docs/crms/loop.md). One appointment is one
 * activity, `appointment:<id>`, whatever its stage: a viewing is `viewing_booked` until it is
 * completed, then `viewing_completed` under the same id (the store upgrades it); a valuation is
 * `valuation_booked` whether booked or done; a cancelled or no-show one withdraws the signal.
 */
export function appointmentToActivity(appointment: LoopAppointment): CanonicalActivity | null {
  const status = appointment.status;
  const known = status === 'booked' || status === 'completed' || NOT_HAPPENING.has(status);
  let type: CanonicalActivity['type'] | null = null;
  if (appointment.type === 'viewing' && known)
    type = status === 'completed' ? 'viewing_completed' : 'viewing_booked';
  else if (appointment.type === 'valuation' && known) type = 'valuation_booked';
  if (type === null) return null;
  return {
    type,
    occurredAt: isoOf(appointment.updatedAt),
    source: 'loop',
    externalId: `appointment:${appointment.id}`,
    contactExternalId: appointment.contactId,
    details: withoutNulls({
      appointmentType: appointment.type,
      status: appointment.status,
      startsAt: appointment.startsAt ?? null,
      endsAt: appointment.endsAt ?? null,
      propertyId: appointment.property?.id ?? null,
      propertyAddress: appointment.property?.displayAddress ?? null,
    }),
    ...(NOT_HAPPENING.has(appointment.status) ? { withdrawn: true } : {}),
  };
}

/**
 * A Loop offer → `offer_submitted`, then `offer_progressed` once negotiating or accepted, always as
 * `offer:<id>`; withdrawn once it fell through (rejected, withdrawn).
 */
export function offerToActivity(offer: LoopOffer): CanonicalActivity | null {
  const type =
    offer.status === 'submitted' || NOT_HAPPENING.has(offer.status)
      ? 'offer_submitted'
      : offer.status === 'negotiating' || offer.status === 'accepted'
        ? 'offer_progressed'
        : null;
  if (type === null) return null;
  return {
    type,
    occurredAt: isoOf(type === 'offer_submitted' ? (offer.submittedAt ?? offer.updatedAt) : offer.updatedAt),
    source: 'loop',
    externalId: `offer:${offer.id}`,
    contactExternalId: offer.contactId,
    details: withoutNulls({
      offerType: offer.type ?? null,
      status: offer.status,
      amount: offer.amount ?? null,
      frequency: offer.frequency ?? null,
      propertyId: offer.property?.id ?? null,
      propertyAddress: offer.property?.displayAddress ?? null,
    }),
    ...(NOT_HAPPENING.has(offer.status) ? { withdrawn: true } : {}),
  };
}

function isPrimary(entry: { isPrimary?: boolean | null | undefined }): boolean {
  return entry.isPrimary === true;
}

function isoOf(value: string): string {
  return crmTimeIso(value, value);
}

function withoutNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null));
}
