import type {
  Address,
  CanonicalContact,
  MarketingConsent,
  PropertyProfile,
} from '../../../shared/contact.ts';
import {
  normaliseEmail,
  normalisePhone,
  suggestNurtureCategory,
} from '../../core/domain/contact-normalisation.ts';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import {
  ReapitAppointmentEventSchema,
  ReapitOfferEventSchema,
  type ReapitContact,
} from './reapit.schemas.ts';
import { canonicalAddress } from '../adapter-kit/contact-fields.ts';
import { blankToNull, unique } from '../adapter-kit/values.ts';

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
): CanonicalContact {
  const profile = toProfile(contact, marketingModes);
  return {
    title: blankToNull(contact.title),
    firstName: blankToNull(contact.forename),
    lastName: blankToNull(contact.surname),
    emails: unique([normaliseEmail(contact.email)]),
    phones: unique([contact.mobilePhone, contact.homePhone, contact.workPhone].map(normalisePhone)),
    address: toAddress(contact.primaryAddress),
    nurtureCategory: suggestNurtureCategory(profile),
    marketingConsent: CONSENT[contact.marketingConsent ?? 'notAsked'] ?? 'not_asked',
    profile,
    active: contact.active !== false && !contact.archivedOn,
    provenance: {
      provider: 'reapit',
      externalId: contact.id,
      modifiedAt: new Date(contact.modified).toISOString(),
      etag: contact._eTag ?? null,
    },
  };
}

/** Canonical fields → a Reapit PATCH body (only the fields given). */
export function toReapitPatch(fields: Partial<CanonicalContact>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (fields.title !== undefined) patch.title = fields.title;
  if (fields.firstName !== undefined) patch.forename = fields.firstName;
  if (fields.lastName !== undefined) patch.surname = fields.lastName;
  if (fields.emails !== undefined) patch.email = fields.emails[0] ?? null;
  if (fields.phones !== undefined) patch.mobilePhone = fields.phones[0] ?? null;
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

/**
 * Appointments and offers as engagement signals (docs/crms/reapit.md). A viewing whose end has passed (and
 * was not cancelled) is completed; an accepted offer has progressed. Each step has its own id, so
 * a viewing booked and later completed counts once for each.
 */
export function toReapitActivities(topicId: string, model: unknown, eventTime: string): CanonicalActivity[] {
  if (topicId.startsWith('appointments.')) {
    const parsed = ReapitAppointmentEventSchema.safeParse(model);
    if (!parsed.success || parsed.data.cancelled) return [];
    const appointment = parsed.data;
    const contactIds = (appointment.attendee?.contacts ?? []).map((contact) => contact.id);
    const details = { appointmentId: appointment.id, typeId: appointment.typeId };
    const steps: Array<{ type: CanonicalActivity['type']; step: string; at: string }> = [];
    if (appointment.typeId === 'VW') {
      steps.push({ type: 'viewing_booked', step: 'booked', at: eventTime });
      if (appointment.end && Date.parse(appointment.end) <= Date.parse(eventTime)) {
        steps.push({ type: 'viewing_completed', step: 'completed', at: appointment.end });
      }
    } else if (appointment.typeId === 'VL') {
      steps.push({ type: 'valuation_booked', step: 'booked', at: eventTime });
    }
    return contactIds.flatMap((contactExternalId) =>
      steps.map((step) => ({
        type: step.type,
        occurredAt: new Date(step.at).toISOString(),
        source: 'reapit' as const,
        externalId: `appointment:${appointment.id}:${step.step}`,
        contactExternalId,
        details,
      })),
    );
  }
  if (topicId.startsWith('offers.')) {
    const parsed = ReapitOfferEventSchema.safeParse(model);
    if (!parsed.success) return [];
    const offer = parsed.data;
    const progressed = offer.status === 'accepted';
    return (offer.related ?? []).map((contact) => ({
      type: progressed ? ('offer_progressed' as const) : ('offer_submitted' as const),
      occurredAt: new Date(eventTime).toISOString(),
      source: 'reapit' as const,
      externalId: `offer:${offer.id}:${progressed ? 'progressed' : 'submitted'}`,
      contactExternalId: contact.id,
      details: { offerId: offer.id, status: offer.status ?? null, amount: offer.amount ?? null },
    }));
  }
  return [];
}
