import type { z } from 'zod';
import { CanonicalActivitySchema, type CanonicalActivity } from '../../../shared/activity.ts';
import type { Address, CanonicalContact, PropertyProfile } from '../../../shared/contact.ts';
import type { ContactChange } from '../../core/ports/crm-adapter.ts';
import {
  AGENTOS_CONTACT_TYPES,
  AgentosAppointmentSchema,
  AgentosContactSchema,
  AgentosOfferSchema,
  parseAgentosTime,
  type AgentosAddress,
  type AgentosAppointment,
  type AgentosContact,
  type AgentosContactType,
  type AgentosOffer,
} from './agentos.schemas.ts';
import {
  describeIssue,
  mapToCanonical,
  type MappedActivity,
  type MappedContact,
} from '../adapter-kit/record-mapping.ts';
import {
  canonicalAddress,
  canonicalContact,
  chosenFirst,
  consentFromFlag,
  namesOf,
} from '../adapter-kit/contact-fields.ts';
import { flagFromConsent, renamedNameFields } from '../adapter-kit/contact-writes.ts';
import { UK_COUNTRY_NAMES, blankToNull } from '../adapter-kit/values.ts';

/** Propsync's id for a record: `<ContactType>:<OID>`. OIDs alone do not say which list to write to. */
export function toExternalId(type: AgentosContactType, oid: string): string {
  return `${type}:${oid}`;
}

/** The list and OID behind an external id, or null when it is not one of ours. */
export function parseExternalId(externalId: string): { type: AgentosContactType; oid: string } | null {
  const at = externalId.indexOf(':');
  if (at <= 0) return null;
  const type = externalId.slice(0, at);
  const oid = externalId.slice(at + 1);
  if (!(AGENTOS_CONTACT_TYPES as readonly string[]).includes(type) || oid.length === 0) return null;
  return { type: type as AgentosContactType, oid };
}

const AGENTOS_NAMES = { title: 'Title', firstName: 'Forename', lastName: 'Surname' } as const;

const TENANCY_STATUSES: Record<string, PropertyProfile['tenancyStatus']> = {
  current: 'active',
  active: 'active',
  former: 'former',
  ended: 'former',
  prospective: 'prospective',
  pending: 'prospective',
};

const money = (amount: number) => `£${Math.round(amount).toLocaleString('en-GB')}`;

/** What an applicant's requirements say they are looking for, in words an agent would write. */
function describeRequirements(contact: AgentosContact, verb: 'To rent' | 'To buy'): string | null {
  const requirements = contact.Requirements;
  if (!requirements) return null;
  const parts: string[] = [];
  if (typeof requirements.MinBedrooms === 'number' && requirements.MinBedrooms > 0)
    parts.push(`${requirements.MinBedrooms}+ bedrooms`);
  const areas = (requirements.Areas ?? []).filter((area) => area.trim() !== '');
  if (areas.length > 0) parts.push(`in ${areas.join(', ')}`);
  if (verb === 'To rent' && typeof requirements.MaxRentPcm === 'number')
    parts.push(`up to ${money(requirements.MaxRentPcm)} pcm`);
  if (verb === 'To buy' && typeof requirements.MaxPrice === 'number')
    parts.push(`up to ${money(requirements.MaxPrice)}`);
  const position = requirements.BuyingPosition ? ` (${requirements.BuyingPosition})` : '';
  return parts.length === 0 ? `${verb}${position}` : `${verb}: ${parts.join(' ')}${position}`;
}

/** The property facts (docs/product-rules.md), from the list the record came from and its role fields. */
export function toProfile(contact: AgentosContact, type: AgentosContactType): PropertyProfile {
  switch (type) {
    case 'Tenant': {
      const tenancyStatus = TENANCY_STATUSES[(contact.TenancyStatus ?? 'current').toLowerCase()] ?? null;
      return {
        // A prospective tenant is still renting-in-progress: nurture them as a tenant applicant.
        applicantType: tenancyStatus === 'prospective' ? 'tenant' : null,
        tenancyStatus,
        propertyInterest: null,
        isVendor: false,
        isLandlord: false,
      };
    }
    case 'Landlord':
      return {
        applicantType: null,
        tenancyStatus: null,
        propertyInterest:
          typeof contact.PropertyCount === 'number' && contact.PropertyCount > 0
            ? `Letting ${contact.PropertyCount} propert${contact.PropertyCount === 1 ? 'y' : 'ies'}`
            : null,
        isVendor: false,
        isLandlord: true,
      };
    case 'LettingsApplicant':
      return {
        applicantType: 'tenant',
        tenancyStatus: null,
        propertyInterest: describeRequirements(contact, 'To rent'),
        isVendor: false,
        isLandlord: false,
      };
    case 'SalesApplicant':
      return {
        applicantType: 'buyer',
        tenancyStatus: null,
        propertyInterest: describeRequirements(contact, 'To buy'),
        isVendor: false,
        isLandlord: false,
      };
    case 'Vendor':
      return {
        applicantType: null,
        tenancyStatus: null,
        propertyInterest: contact.SaleStatus ? `Selling (${contact.SaleStatus})` : 'Selling',
        isVendor: true,
        isLandlord: false,
      };
  }
}

function toAddress(address: AgentosAddress | null | undefined): Address | null {
  if (!address) return null;
  const streetLine = [blankToNull(address.Number), blankToNull(address.Street)].filter(Boolean).join(' ');
  const country = (blankToNull(address.Country) ?? '').toLowerCase();
  return canonicalAddress(
    {
      lines: [address.Name, streetLine, address.Locality],
      town: address.Town,
      postcode: address.Postcode,
      countryCode: country === '' || UK_COUNTRY_NAMES.has(country) ? 'GB' : null,
    },
    true,
  );
}

/** One agentOS record of list `type` → canonical contact. Pure, so it is tested without HTTP. */
export function toCanonicalContact(
  contact: AgentosContact,
  type: AgentosContactType,
  /** The phone field the admin chose as primary (the mapping review); MobilePhone by default. */
  primaryPhone?: string,
): CanonicalContact {
  const profile = toProfile(contact, type);
  return canonicalContact({
    ...namesOf(contact, AGENTOS_NAMES),
    emails: [contact.EmailAddress],
    phones: chosenFirst(
      { MobilePhone: contact.MobilePhone, HomePhone: contact.HomePhone, WorkPhone: contact.WorkPhone },
      primaryPhone,
    ),
    address: toAddress(contact.Address),
    marketingConsent: consentFromFlag(contact.ThirdPartyMarketingConsent),
    profile,
    active: contact.IsArchived !== true,
    provenance: {
      provider: 'agentos',
      externalId: toExternalId(type, contact.OID),
      modifiedAt: parseAgentosTime(contact.ModifiedDate),
      etag: contact.ETag,
    },
  });
}

/** Canonical fields → an agentOS PATCH body (only the fields given). */
export function toAgentosPatch(
  fields: ContactChange['fields'],
  /** The field the primary phone is read from, and so written to. */
  primaryPhone = 'MobilePhone',
): Record<string, unknown> {
  // agentOS requires a surname: clearing it is not something Propsync can ask for.
  const patch: Record<string, unknown> = renamedNameFields(fields, AGENTOS_NAMES, ['lastName']);
  if (fields.emails !== undefined) patch.EmailAddress = fields.emails[0] ?? null;
  if (fields.phones !== undefined) patch[primaryPhone] = fields.phones[0] ?? null;
  if (fields.marketingConsent !== undefined)
    patch.ThirdPartyMarketingConsent = flagFromConsent(fields.marketingConsent);
  return patch;
}

function refToExternalId(ref: { ContactType: string; OID: string }): string | null {
  return (AGENTOS_CONTACT_TYPES as readonly string[]).includes(ref.ContactType)
    ? toExternalId(ref.ContactType as AgentosContactType, ref.OID)
    : null;
}

/** Activity lists, named as the kind in each activity's id: `appointment:<OID>`, `offer:<OID>`. */
export type AgentosActivityKind = 'appointment' | 'offer';

/** A record read as an activity; `activity` null when it is no signal (an inspection…). */
/** Appointment statuses that mean it did not or will not happen: its signal is withdrawn. */
const NOT_HAPPENING = new Set(['cancelled', 'canceled', 'noshow', 'no show', 'no-show']);

/** Which lists fit the people an appointment is for: applicants view, vendors and landlords are valued. */
const ATTENDEE_LISTS: Readonly<Record<string, readonly string[]>> = {
  Viewing: ['SalesApplicant', 'LettingsApplicant'],
  SalesAppraisal: ['Vendor'],
  ViewAndValue: ['Landlord'],
};

/**
 * A diary appointment → one engagement signal (docs/crms/agentos.md): a viewing booked or
 * completed, a valuation booked, for the attendee it is about (the first whose list fits, else the
 * first contact). One appointment is one activity whatever its stage, so its id has no stage in it;
 * a cancelled or no-show one withdraws it.
 */
export function appointmentToActivity(appointment: AgentosAppointment): CanonicalActivity | null {
  const status = (appointment.Status ?? 'Booked').toLowerCase();
  const withdrawn = NOT_HAPPENING.has(status);
  let type: CanonicalActivity['type'] | null = null;
  if (appointment.SystemType === 'Viewing')
    type = status === 'completed' ? 'viewing_completed' : 'viewing_booked';
  if (appointment.SystemType === 'SalesAppraisal' || appointment.SystemType === 'ViewAndValue')
    type = 'valuation_booked';
  const contacts = (appointment.Attendees ?? []).filter((attendee) => refToExternalId(attendee) !== null);
  const fitting = ATTENDEE_LISTS[appointment.SystemType] ?? [];
  const attendee = contacts.find((candidate) => fitting.includes(candidate.ContactType)) ?? contacts[0];
  if (type === null || attendee === undefined) return null;
  return {
    type,
    occurredAt: new Date(parseAgentosTime(appointment.StartDateTime)).toISOString(),
    source: 'agentos',
    externalId: `appointment:${appointment.OID}`,
    contactExternalId: refToExternalId(attendee)!,
    details: {
      systemType: appointment.SystemType,
      status: appointment.Status ?? null,
      subject: appointment.Subject ?? null,
      propertyId: appointment.PropertyOID ?? null,
    },
    ...(withdrawn ? { withdrawn } : {}),
  };
}

/**
 * A sales offer → offer submitted, or progressed (negotiating, accepted); a rejected or withdrawn
 * one withdraws the signal. One offer is one activity whatever its stage, so its id has no stage in it.
 */
export function offerToActivity(offer: AgentosOffer): CanonicalActivity | null {
  const status = offer.Status.toLowerCase();
  const withdrawn = status === 'rejected' || status === 'withdrawn';
  const type =
    status === 'submitted' || withdrawn
      ? 'offer_submitted'
      : status === 'negotiating' || status === 'accepted'
        ? 'offer_progressed'
        : null;
  const contactExternalId = refToExternalId(offer.Applicant);
  if (type === null || contactExternalId === null) return null;
  // DateOffered is free text to the schema: one that is not a date (a UK "31/12/2025", say) dates
  // the offer by its last change instead, as an offer without one is.
  const offered =
    offer.DateOffered && type === 'offer_submitted' ? parseAgentosTime(offer.DateOffered) : Number.NaN;
  const when = Number.isNaN(offered) ? parseAgentosTime(offer.ModifiedDate) : offered;
  return {
    type,
    occurredAt: new Date(when).toISOString(),
    source: 'agentos',
    externalId: `offer:${offer.OID}`,
    contactExternalId,
    details: { amount: offer.Amount ?? null, status: offer.Status, propertyId: offer.PropertyOID ?? null },
    ...(withdrawn ? { withdrawn } : {}),
  };
}

/** A raw appointment or offer → its activity, none, or the reason it cannot be read (a rejected record). */
export function mapActivity(kind: AgentosActivityKind, raw: unknown): MappedActivity {
  return kind === 'appointment'
    ? mapActivityWith(raw, AgentosAppointmentSchema, appointmentToActivity, kind)
    : mapActivityWith(raw, AgentosOfferSchema, offerToActivity, kind);
}

function mapActivityWith<T>(
  raw: unknown,
  schema: z.ZodType<T>,
  toActivity: (record: T) => CanonicalActivity | null,
  kind: AgentosActivityKind,
): MappedActivity {
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      reason: describeIssue(`agentOS ${kind} did not match the expected shape`, parsed.error, 'record'),
    };
  const activity = toActivity(parsed.data);
  if (activity === null) return { ok: true, activity: null };
  const checked = CanonicalActivitySchema.safeParse(activity);
  if (!checked.success)
    return {
      ok: false,
      reason: describeIssue(`agentOS ${kind} could not be mapped`, checked.error, 'record'),
    };
  return { ok: true, activity: checked.data };
}

/** Raw record → canonical contact, or the reason it cannot be one (stored as a rejected record). */
export function mapContact(raw: unknown, type: AgentosContactType, primaryPhone?: string): MappedContact {
  return mapToCanonical(
    raw,
    AgentosContactSchema,
    (contact) => toCanonicalContact(contact, type, primaryPhone),
    {
      unreadable: `agentOS ${type} record did not match the expected shape`,
      unmappable: `agentOS ${type} record could not be mapped`,
      whole: 'record',
    },
  );
}
