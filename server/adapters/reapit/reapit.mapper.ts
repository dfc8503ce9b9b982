import type { Address, CanonicalContact, MarketingConsent, PropertyProfile } from '../../../shared/contact.ts';
import { normaliseEmail, normalisePhone, normalisePostcode, suggestNurtureCategory } from '../../domain/contact-normalisation.ts';
import type { ReapitContact } from './reapit.schemas.ts';

const CONSENT: Record<string, MarketingConsent> = { grant: 'granted', deny: 'denied', notAsked: 'not_asked' };
const CONSENT_TO_REAPIT: Record<MarketingConsent, string> = { granted: 'grant', denied: 'deny', not_asked: 'notAsked' };

/** Reapit ContactModel → canonical contact. Pure, so it is tested without HTTP. */
export function toCanonicalContact(contact: ReapitContact): CanonicalContact {
  const profile = toProfile(contact);
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
  if (fields.marketingConsent !== undefined) patch.marketingConsent = CONSENT_TO_REAPIT[fields.marketingConsent];
  return patch;
}

function toProfile(contact: ReapitContact): PropertyProfile {
  const relationships = contact.relationships ?? [];
  const types = new Set(relationships.map((relationship) => relationship.associatedType.toLowerCase()));
  const applicant = relationships.find((relationship) => relationship.associatedType.toLowerCase() === 'applicant');
  const tenancy = relationships.find((relationship) => relationship.associatedType.toLowerCase() === 'tenancy');
  const mode = applicant?.marketingMode?.toLowerCase();
  return {
    applicantType: applicant ? (mode === 'renting' || mode === 'letting' ? 'tenant' : 'buyer') : null,
    tenancyStatus: tenancy ? (tenancy.status?.toLowerCase() === 'ended' ? 'former' : 'active') : null,
    propertyInterest: applicant ? (mode ?? 'buying') : null,
    isVendor: types.has('vendor'),
    isLandlord: types.has('landlord'),
  };
}

function toAddress(address: ReapitContact['primaryAddress']): Address | null {
  if (!address) return null;
  const street = [address.buildingNumber, address.line1].filter(Boolean).join(' ');
  const lines = [address.buildingName, street, address.line2].map(blankToNull).filter((line): line is string => line !== null);
  const postcode = normalisePostcode(address.postcode);
  if (lines.length === 0 && !postcode) return null;
  return {
    lines,
    town: blankToNull(address.line3) ?? blankToNull(address.line4),
    postcode,
    countryCode: blankToNull(address.countryId),
    uprn: null,
    udprn: null,
  };
}

function blankToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function unique(values: Array<string | null>): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))];
}
