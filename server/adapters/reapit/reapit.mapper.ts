import type {
  Address,
  CanonicalContact,
  MarketingConsent,
  PropertyProfile,
} from '../../../shared/contact.ts';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import {
  ReapitAppointmentSchema,
  ReapitOfferSchema,
  type ReapitAppointment,
  type ReapitContact,
  type ReapitOffer,
} from './reapit.schemas.ts';
import { canonicalAddress, canonicalContact, chosenFirst, namesOf } from '../adapter-kit/contact-fields.ts';
import { renamedNameFields } from '../adapter-kit/contact-writes.ts';
import { blankToNull } from '../adapter-kit/values.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

const REAPIT_NAMES = { title: 'title', firstName: 'forename', lastName: 'surname' } as const;
const CONSENT: Record<string, MarketingConsent> = { grant: 'granted', deny: 'denied', notAsked: 'not_asked' };
const CONSENT_TO_REAPIT: Record<MarketingConsent, string> = {
  granted: 'grant',
  denied: 'deny',
  not_asked: 'notAsked',
};

/** Reapit ContactModel → canonical contact. Pure, so it is tested without HTTP. */
export function toCanonicalContact(
  contact: ReapitContact,
  /** Each applicant role's `marketingMode` (from the ApplicantModel), where it was read. */
  marketingModes: ReadonlyMap<string, string | null> = new Map(),
  /** The phone field the admin chose as primary (the mapping review); mobilePhone by default. */
  primaryPhone?: string,
): CanonicalContact {
  const profile = toProfile(contact, marketingModes);
  return canonicalContact({
    ...namesOf(contact, REAPIT_NAMES),
    emails: [contact.email],
    phones: chosenFirst(
      { mobilePhone: contact.mobilePhone, homePhone: contact.homePhone, workPhone: contact.workPhone },
      primaryPhone,
    ),
    address: toAddress(contact.primaryAddress),
    marketingConsent: CONSENT[contact.marketingConsent ?? 'notAsked'] ?? 'not_asked',
    profile,
    active: contact.active !== false && !contact.archivedOn,
    provenance: {
      provider: 'reapit',
      externalId: contact.id,
      modifiedAt: contact.modified,
      etag: contact._eTag,
    },
  });
}

/** Canonical fields → a Reapit PATCH body (only the fields given). */
export function toReapitPatch(
  fields: Partial<CanonicalContact>,
  /** The field the primary phone is read from, and so written to. */
  primaryPhone = 'mobilePhone',
): Record<string, unknown> {
  const patch: Record<string, unknown> = renamedNameFields(fields, REAPIT_NAMES);
  if (fields.emails !== undefined) patch.email = fields.emails[0] ?? null;
  if (fields.phones !== undefined) patch[primaryPhone] = fields.phones[0] ?? null;
  if (fields.marketingConsent !== undefined)
    patch.marketingConsent = CONSENT_TO_REAPIT[fields.marketingConsent];
  return patch;
}

/**
 * Roles come from the ContactRoleModel (type, id, archived); whether an applicant buys or rents
 * only from its ApplicantModel's `marketingMode` (buying or renting). An applicant whose mode was
 * not read stays unknown rather than becoming a buyer.
 */
function toProfile(
  contact: ReapitContact,
  marketingModes: ReadonlyMap<string, string | null>,
): PropertyProfile {
  const roles = contact.relationships ?? [];
  const current = roles.filter((role) => role.fromArchive !== true);
  const typeOf = (role: (typeof roles)[number]) => role.associatedType.toLowerCase();
  const types = new Set(current.map(typeOf));
  const modes = new Set(
    current
      .filter((role) => typeOf(role) === 'applicant' && role.associatedId)
      .map((role) => marketingModes.get(role.associatedId!)?.toLowerCase()),
  );
  const buying = modes.has('buying');
  const renting = modes.has('renting');
  const hadTenancy = roles.some((role) => typeOf(role) === 'tenancy');
  return {
    applicantType: buying ? 'buyer' : renting ? 'tenant' : null,
    tenancyStatus: types.has('tenancy') ? 'active' : hadTenancy ? 'former' : null,
    propertyInterest: buying ? 'buying' : renting ? 'renting' : null,
    isVendor: types.has('vendor'),
    isLandlord: types.has('landlord'),
  };
}

function toAddress(address: ReapitContact['primaryAddress']): Address | null {
  if (!address) return null;
  const street = [address.buildingNumber, address.line1].filter(Boolean).join(' ');
  return canonicalAddress(
    {
      lines: [address.buildingName, street, address.line2],
      town: blankToNull(address.line3) ?? blankToNull(address.line4),
      postcode: address.postcode,
      countryCode: blankToNull(address.countryId),
    },
    false,
  );
}

/** Reapit's diary and offers, the two lists Propsync reads activities from. */
export type ReapitActivityKind = 'appointment' | 'offer';

/** What one appointment or offer becomes: an activity, nothing (not a signal), or why it cannot be read. */
export type ReapitActivityMapping = { activity: CanonicalActivity | null } | { error: string };

/** Appointment types that are signals: `VW` viewing, `VL` valuation (docs/crms/reapit.md, activities). */
export const SIGNAL_APPOINTMENT_TYPES = ['VW', 'VL'] as const;

/**
 * One appointment or offer (from `GET /appointments|/offers` or a webhook's `new`, the same
 * model) → at most one activity, id `<kind>:<Reapit id>` whatever its stage, typed by the stage it
 * has reached (docs/crms/reapit.md, activities):
 * - a viewing is completed once marked `attended`, or when its end has passed by `asOf` with
 *   attendance not recorded (agents often leave it unset); otherwise booked;
 * - a valuation is booked; another type is nothing;
 * - an accepted offer has progressed; any other is submitted;
 * - a cancelled or no-show appointment, a rejected or withdrawn offer (a note of interest withdrawn
 *   too), is its signal withdrawn.
 * The activity goes to the record's first contact: one record is one activity (the store keys it
 * by id), so a joint applicant's other contacts are listed in `details.contactIds` only.
 */
export function toReapitActivity(
  kind: ReapitActivityKind,
  model: unknown,
  asOf: string,
): ReapitActivityMapping {
  if (kind === 'appointment') {
    const parsed = ReapitAppointmentSchema.safeParse(model);
    return parsed.success ? appointmentActivity(parsed.data, asOf) : unexpectedShape(kind, parsed.error);
  }
  const parsed = ReapitOfferSchema.safeParse(model);
  return parsed.success ? offerActivity(parsed.data, asOf) : unexpectedShape(kind, parsed.error);
}

function appointmentActivity(appointment: ReapitAppointment, asOf: string): ReapitActivityMapping {
  const signal = appointment.typeId === 'VW' || appointment.typeId === 'VL';
  if (!signal) return { activity: null };
  const withdrawn = appointment.cancelled === true || appointment.attended === 'noShow';
  const ended = appointment.end != null && parseCrmTime(appointment.end) <= parseCrmTime(asOf);
  const completed =
    appointment.typeId === 'VW' &&
    !withdrawn &&
    (appointment.attended === 'attended' || (ended && (appointment.attended ?? 'notSet') === 'notSet'));
  const type =
    appointment.typeId === 'VL' ? 'valuation_booked' : completed ? 'viewing_completed' : 'viewing_booked';
  const contactIds = (appointment.attendee?.contacts ?? []).map((contact) => contact.id);
  return activityFor('appointment', appointment.id, contactIds, {
    type,
    occurredAt: completed ? (appointment.end ?? asOf) : (appointment.created ?? asOf),
    details: {
      appointmentId: appointment.id,
      typeId: appointment.typeId,
      propertyId: appointment.propertyId ?? null,
      attended: appointment.attended ?? null,
    },
    withdrawn,
  });
}

/**
 * Offer statuses that take the signal back: OfferModel documents `withdrawn` and `rejected`, and the
 * Offers filter also lists `noteOfInterestWithdrawn` (platform-schema.ts, `Offers.status`).
 */
const WITHDRAWN_OFFER_STATUSES = new Set(['withdrawn', 'rejected', 'noteOfInterestWithdrawn']);

function offerActivity(offer: ReapitOffer, asOf: string): ReapitActivityMapping {
  const withdrawn = WITHDRAWN_OFFER_STATUSES.has(offer.status ?? '');
  const progressed = offer.status === 'accepted';
  return activityFor(
    'offer',
    offer.id,
    (offer.related ?? []).map((contact) => contact.id),
    {
      type: progressed ? 'offer_progressed' : 'offer_submitted',
      // Accepting an offer is its last change that matters, so its modification time dates the acceptance.
      occurredAt: progressed ? (offer.modified ?? asOf) : (offer.created ?? asOf),
      details: {
        offerId: offer.id,
        status: offer.status ?? null,
        amount: offer.amount ?? null,
        applicantId: offer.applicantId ?? null,
        propertyId: offer.propertyId ?? null,
      },
      withdrawn,
    },
  );
}

function activityFor(
  kind: ReapitActivityKind,
  id: string,
  contactIds: string[],
  stage: Pick<CanonicalActivity, 'type' | 'occurredAt' | 'details'> & { withdrawn: boolean },
): ReapitActivityMapping {
  const [contactExternalId] = contactIds;
  if (contactExternalId === undefined) {
    // A record cancelled before anyone was attached never gave a signal: nothing to withdraw, and
    // no error to log on every poll that reads it again.
    if (stage.withdrawn) return { activity: null };
    return { error: `Reapit ${kind} ${id} names no contact` };
  }
  const occurredMs = parseCrmTime(stage.occurredAt);
  if (Number.isNaN(occurredMs)) return { error: `Reapit ${kind} ${id} has no readable date and time` };
  return {
    activity: {
      type: stage.type,
      occurredAt: new Date(occurredMs).toISOString(),
      source: 'reapit',
      externalId: `${kind}:${id}`,
      contactExternalId,
      details: { ...stage.details, contactIds },
      ...(stage.withdrawn ? { withdrawn: true } : {}),
    },
  };
}

/** A record the mapping cannot read, named by its first problem. */
function unexpectedShape(
  kind: ReapitActivityKind,
  error: { issues: Array<{ path: PropertyKey[]; message: string }> },
): ReapitActivityMapping {
  const issue = error.issues[0];
  const problem = issue ? `${issue.path.map(String).join('.') || 'body'}: ${issue.message}` : 'unknown';
  return { error: `Reapit ${kind} did not match the expected shape: ${problem}` };
}
