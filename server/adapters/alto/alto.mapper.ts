import type { CanonicalActivity } from '../../../shared/activity.ts';
import type {
  Address,
  CanonicalContact,
  MarketingConsent,
  PropertyProfile,
} from '../../../shared/contact.ts';
import { normaliseEmail, normalisePhone } from '../../core/domain/contact-normalisation.ts';
import {
  AltoOfferContactsSchema,
  type AltoAddress,
  type AltoApplicantRequirement,
  type AltoAppointment,
  type AltoContact,
  type AltoContactListItem,
  type AltoOffer,
  type AltoOfferContacts,
  type AltoPerson,
  type AltoPreferences,
} from './alto.schemas.ts';
import { canonicalAddress, canonicalContact } from '../adapter-kit/contact-fields.ts';
import { renamedNameFields } from '../adapter-kit/contact-writes.ts';
import { blankToNull } from '../adapter-kit/values.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/**
 * What Propsync knows of one Alto contact: the list item (`GET /contacts/all`, the only shape with
 * personas and the created time), the full contact when it could be fetched (address, every phone
 * and email) and the consent preferences when they were read.
 */
export type AltoContactRecord = {
  listItem: AltoContactListItem;
  contact: AltoContact | null;
  preferences: AltoPreferences | null;
};

/** One RFC 6902 operation, as Alto's `application/json-patch+json` endpoints take them. */
export type AltoPatchOperation = { op: 'replace'; path: string; value: unknown };

/** Where a person's name fields are in Alto's JSON Patch. */
const ALTO_NAME_PATHS = { title: '/Title', firstName: '/Forename', lastName: '/Surname' };

/** The limits Alto puts on one person (PostContactRequest). */
export const ALTO_MAX_PHONES_PER_PERSON = 4;
export const ALTO_MAX_EMAILS_PER_PERSON = 2;

const OPT_IN_TO_CONSENT: Record<string, MarketingConsent> = {
  Granted: 'granted',
  Denied: 'denied',
  Unknown: 'not_asked',
};

/** Alto writes seven fractional digits and an offset (`2017-12-25T15:03:30.0000000+00:00`); JS keeps three. */
export function parseAltoTime(raw: string | null | undefined): number {
  return parseCrmTime(raw);
}

/** The `id` of a record that did not parse, when it has one (for the sync log). */
export function rawIdOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

/** Alto contact → canonical contact. Pure, so it is tested without HTTP; throws when unmappable. */
export function toCanonicalContact(record: AltoContactRecord): CanonicalContact {
  const { listItem, contact } = record;
  // One canonical contact is one person: Alto's second person (a partner buying together) shares
  // the record but is another human, so only the lead person's identity is taken.
  const lead = contact?.people?.[0] ?? null;
  const listed = listItem.contactInformation?.[0] ?? null;
  // The full record may have moved on since the listing: the later time describes what was read.
  const times = [parseAltoTime(listItem.modifiedAt), parseAltoTime(contact?.modifiedDate)].filter(
    (ms) => !Number.isNaN(ms),
  );
  const modifiedMs = times.length > 0 ? Math.max(...times) : Number.NaN;
  if (Number.isNaN(modifiedMs)) throw new Error(`contact ${listItem.id} has no readable modification time`);
  const profile = toProfile(listItem, contact);
  return canonicalContact({
    title: lead?.title ?? listed?.title,
    firstName: lead?.forename ?? listed?.foreName,
    lastName: lead?.surname ?? listed?.surname,
    emails: lead ? emailsOf(lead) : [listed?.emailAddress],
    phones: lead ? phonesOf(lead) : [listed?.phoneNumber],
    address: toAddress(contact?.address ?? null),
    marketingConsent: toConsent(record.preferences),
    profile,
    active: listItem.isActive !== false && contact?.archived !== true,
    provenance: { provider: 'alto', externalId: listItem.id, modifiedAt: modifiedMs },
  });
}

/** Consent to general marketing (what nurture email depends on); unread or Unknown is not asked. */
export function toConsent(preferences: AltoPreferences | null): MarketingConsent {
  const general = preferences?.find((preference) => preference.type === 'GeneralMarketing');
  return OPT_IN_TO_CONSENT[general?.optInStatus ?? 'Unknown'] ?? 'not_asked';
}

/**
 * The property facts (docs/product-rules.md) from Alto's personas, potential-owner flags and applicant
 * requirements. The simulator and Alto's list both expose personas; a full contact alone (no
 * personas) still yields the flags and requirements.
 */
export function toProfile(
  listItem: AltoContactListItem | null,
  contact: AltoContact | null,
): PropertyProfile {
  const personas = new Set((listItem?.contactType?.persona ?? []).map((persona) => persona.toLowerCase()));
  const requirements = (contact?.applicantRequirements ?? listItem?.applicantRequirements ?? []).filter(
    (requirement) => requirement.isActiveProfile !== false,
  );
  const intentions = new Set(requirements.map((requirement) => requirement.profileIntention?.toLowerCase()));
  const statedIntention = (contact?.intention?.name ?? listItem?.intention ?? '').toLowerCase();
  const isApplicant = personas.has('applicant') || requirements.length > 0;
  // Buying outranks renting when someone has both profiles: it is the bigger transaction.
  const applicantType =
    intentions.has('buy') || (isApplicant && statedIntention === 'buy')
      ? 'buyer'
      : intentions.has('rent') || (isApplicant && statedIntention === 'rent')
        ? 'tenant'
        : isApplicant
          ? 'buyer'
          : null;
  return {
    applicantType,
    tenancyStatus: personas.has('tenant') ? 'active' : null,
    propertyInterest:
      describeInterest(requirements) ?? (isApplicant && statedIntention ? statedIntention : null),
    isVendor:
      personas.has('vendor') || listItem?.potentialVendor === true || contact?.potentialVendor === true,
    isLandlord:
      personas.has('landlord') || listItem?.potentialLandlord === true || contact?.potentialLandlord === true,
  };
}

/** A short human summary of the first active requirement, e.g. "buy, 3+ beds, £250,000–£350,000". */
export function describeInterest(requirements: readonly AltoApplicantRequirement[]): string | null {
  const requirement = requirements.find((candidate) => candidate.profileIntention);
  if (!requirement) return null;
  const money = (value: number) => `£${value.toLocaleString('en-GB')}`;
  const perMonth = requirement.rentalIntention ? ' pcm' : '';
  const from = requirement.priceFrom ?? null;
  const to = requirement.priceTo ?? null;
  const price =
    from !== null && to !== null
      ? `${money(from)}–${money(to)}${perMonth}`
      : to !== null
        ? `up to ${money(to)}${perMonth}`
        : from !== null
          ? `from ${money(from)}${perMonth}`
          : null;
  const beds = requirement.bedsMin ? `${requirement.bedsMin}+ beds` : null;
  return [requirement.profileIntention!.toLowerCase(), beds, price].filter(Boolean).join(', ');
}

function emailsOf(person: AltoPerson): Array<string | null | undefined> {
  return byPreference(person.emailAddresses ?? []).map((email) => email.address);
}

function phonesOf(person: AltoPerson): Array<string | null | undefined> {
  return byPreference(person.phoneNumbers ?? []).map((phone) => phone.number);
}

function byPreference<T extends { preferenceOrder?: number | null | undefined }>(items: readonly T[]): T[] {
  return [...items].sort(
    (a, b) => (a.preferenceOrder ?? Number.MAX_SAFE_INTEGER) - (b.preferenceOrder ?? Number.MAX_SAFE_INTEGER),
  );
}

/** Alto's `nameNumber` holds "12", "Rose Cottage" or "Rose Cottage, 12": the number joins the street. */
export function toAddress(address: AltoAddress | null): Address | null {
  if (!address) return null;
  const nameNumber = blankToNull(address.nameNumber);
  const street = blankToNull(address.street);
  const split = nameNumber?.match(/^(.*?),?\s*(\d+[A-Za-z]?(?:-\d+[A-Za-z]?)?)$/);
  const buildingName = split ? blankToNull(split[1]) : nameNumber;
  const buildingNumber = split ? split[2]! : null;
  const streetLine = blankToNull([buildingNumber, street].filter(Boolean).join(' '));
  return canonicalAddress(
    {
      lines: [address.subDwelling, buildingName, streetLine, address.locality],
      town: address.town,
      postcode: address.postcode,
      countryCode: blankToNull(address.countryCode)?.toUpperCase() ?? null,
      uprn: address.uprn,
    },
    true,
  );
}

/**
 * Canonical field changes → a JSON Patch for `PATCH /contacts/{id}/persons/{personId}` (Alto
 * patches names, phones and emails on the person, not the contact). Numbers and addresses that
 * already exist keep their Alto type, description and formatting; new ones are added.
 */
export function toPersonPatch(
  fields: Partial<Pick<CanonicalContact, 'title' | 'firstName' | 'lastName' | 'emails' | 'phones'>>,
  current: AltoPerson,
): AltoPatchOperation[] {
  const names = renamedNameFields(fields, ALTO_NAME_PATHS);
  const operations: AltoPatchOperation[] = Object.entries(names).map(([path, value]) => ({
    op: 'replace',
    path,
    value,
  }));
  if (fields.emails !== undefined) {
    const existing = byPreference(current.emailAddresses ?? []);
    const value = fields.emails.slice(0, ALTO_MAX_EMAILS_PER_PERSON).map((address) => {
      const kept = existing.find((email) => normaliseEmail(email.address) === normaliseEmail(address));
      return { address: kept?.address ?? address, type: kept?.type ?? 'Personal' };
    });
    operations.push({ op: 'replace', path: '/EmailAddresses', value });
  }
  if (fields.phones !== undefined) {
    const existing = byPreference(current.phoneNumbers ?? []);
    const value = fields.phones.slice(0, ALTO_MAX_PHONES_PER_PERSON).map((e164) => {
      const kept = existing.find((phone) => normalisePhone(phone.number) === e164);
      return {
        number: kept?.number ?? e164,
        type: kept?.type ?? (e164.startsWith('+447') ? 'Mobile' : 'Home'),
        description: (kept as { description?: string | null } | undefined)?.description ?? null,
      };
    });
    operations.push({ op: 'replace', path: '/PhoneNumbers', value });
  }
  return operations;
}

/** Consent → the `POST /contacts/{id}/preferences` body; "not asked" cannot be written back (Alto takes Granted or Denied). */
export function toPreferencesRequest(
  consent: MarketingConsent,
): { items: Array<{ type: string; optIn: string; notes: string }> } | null {
  if (consent === 'not_asked') return null;
  return {
    items: [
      {
        type: 'GeneralMarketing',
        optIn: consent === 'granted' ? 'Granted' : 'Denied',
        notes: 'Updated by Propsync',
      },
    ],
  };
}

/** The activity id of an Alto appointment or offer, at every stage (and once Alto has deleted it). */
export const appointmentActivityId = (appointmentId: string) => `appointment:${appointmentId}`;
export const offerActivityId = (offerId: string) => `offer:${offerId}`;

/** Diary entries that are engagement signals (Alto's appointment `type`). */
const SIGNAL_APPOINTMENTS = new Set(['viewing', 'valuation']);

/**
 * An appointment → its one engagement signal (docs/crms/alto.md), the same whether a webhook or
 * the list brought it: a booked viewing or valuation, or a completed viewing once it has the
 * applicant's feedback or ended over a day ago. The id is `appointment:<id>` at every stage, so a
 * completion upgrades the booking instead of adding a second signal; a cancellation withdraws it.
 * Other diary entries and appointments with no contact signal nothing (null).
 */
export function toAppointmentActivity(appointment: AltoAppointment, now: number): CanonicalActivity | null {
  const cancelled = appointment.isCancelled === true || appointment.status?.startsWith('Cancelled') === true;
  const kind = appointment.type.toLowerCase();
  const contactId = appointment.contacts?.find((contact) => contact.id)?.id;
  if (!SIGNAL_APPOINTMENTS.has(kind) || !contactId) return null;
  const feedback = blankToNull(appointment.viewingDetails?.applicantFeedback);
  // Diary times have no offset: they are UK local times, so "has it happened" uses the end with a day's margin.
  const endedMs = Date.parse(`${appointment.endDate ?? appointment.startDate ?? ''}Z`);
  const completed = kind === 'viewing' && !cancelled && (feedback !== null || endedMs + 86_400_000 < now);
  const type = kind === 'valuation' ? 'valuation_booked' : completed ? 'viewing_completed' : 'viewing_booked';
  const occurredAt = completed ? appointment.modifiedDate : appointment.createdDate;
  const activity = altoActivity(appointmentActivityId(appointment.id), contactId, type, occurredAt, now, {
    appointmentId: appointment.id,
    start: appointment.startDate ?? null,
    end: appointment.endDate ?? null,
    propertyId: appointment.properties?.[0]?.id ?? null,
    status: appointment.status ?? null,
    ...(feedback !== null ? { applicantFeedback: feedback } : {}),
  });
  return cancelled ? { ...activity, withdrawn: true } : activity;
}

/** Offer statuses that withdraw the signal: the buyer is no longer in the running. */
const ENDED_OFFERS = new Set(['rejected', 'withdrawn']);

/**
 * An offer → its one engagement signal: `offer_submitted` while it stands (received or revised),
 * `offer_progressed` once accepted; a rejected or withdrawn offer withdraws it. The
 * contact is the main applicant in `contactsJson`, else the first one, else `fallbackContactIds`
 * (a notification's related contacts). The id is `offer:<id>` at every stage.
 */
export function toOfferActivity(
  offer: AltoOffer,
  fallbackContactIds: readonly string[],
  now: number,
): CanonicalActivity | null {
  const status = offer.status.toLowerCase();
  const listed = offerContacts(offer.contactsJson);
  const contactId =
    (listed.find((contact) => contact.isMainApplicant) ?? listed[0])?.contactId ?? fallbackContactIds[0];
  if (!contactId) return null;
  const accepted = status === 'accepted';
  const type = accepted ? 'offer_progressed' : 'offer_submitted';
  const activity = altoActivity(
    offerActivityId(offer.id),
    contactId,
    type,
    accepted ? offer.modifiedDate : offer.insertDate,
    now,
    {
      offerId: offer.id,
      status: offer.status,
      amount: offer.offerAmount ?? null,
      currency: offer.currencyCode ?? null,
      propertyId: offer.propertyId ?? null,
      kind: offer.recordType ?? null,
    },
  );
  return ENDED_OFFERS.has(status) ? { ...activity, withdrawn: true } : activity;
}

/** One Alto signal, dated by the record's own time (`now` when Alto sent none readable). */
function altoActivity(
  externalId: string,
  contactExternalId: string,
  type: CanonicalActivity['type'],
  time: string | null | undefined,
  now: number,
  details: CanonicalActivity['details'],
): CanonicalActivity {
  const occurredMs = parseAltoTime(time);
  const occurredAt = new Date(Number.isNaN(occurredMs) ? now : occurredMs).toISOString();
  return { type, occurredAt, source: 'alto', externalId, contactExternalId, details };
}

/** `contactsJson` is a JSON string Alto fills in; unreadable, it names no contact. */
function offerContacts(contactsJson: string | null | undefined): AltoOfferContacts {
  try {
    const parsed = AltoOfferContactsSchema.safeParse(JSON.parse(contactsJson ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
