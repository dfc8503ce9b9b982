import { createHash } from 'node:crypto';
import type { CanonicalContact, NurtureCategory, PropertyProfile } from '../../../shared/contact.ts';
import type { MappingOverrides } from '../../../shared/api/connection.dto.ts';

/** An admin's category per applicant type or tenancy status (`applicantType:buyer` → `Applicant`). */
export type CategoryOverrides = MappingOverrides['categories'];

/** Emails compare case-insensitively after trimming; anything without one @ and a dot is not an email. */
export function normaliseEmail(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const email = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null;
}

/**
 * UK-first phone normalisation to E.164. Accepts the formats agents type (`07700 900123`,
 * `+44 7700 900123`, `(07700) 900 123`, `0044…`) and international numbers that carry a `+`.
 */
export function normalisePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  const digits = trimmed.replace(/[^\d]/g, '');
  if (digits.length === 0) return null;
  let e164: string;
  if (trimmed.startsWith('+')) e164 = `+${digits}`;
  else if (digits.startsWith('00')) e164 = `+${digits.slice(2)}`;
  else if (digits.startsWith('0')) e164 = `+44${digits.slice(1)}`;
  else if (digits.startsWith('44') && digits.length === 12) e164 = `+${digits}`;
  else return null;
  // A UK number written as +44 (0)7700… keeps a trunk zero that E.164 drops.
  if (e164.startsWith('+440')) e164 = `+44${e164.slice(4)}`;
  if (e164.startsWith('+44') && e164.length !== 13 && e164.length !== 12) return null;
  return /^\+[1-9]\d{7,14}$/.test(e164) ? e164 : null;
}

/** UK postcodes: upper case with a single space before the inward code (`sw1a1aa` → `SW1A 1AA`). */
export function normalisePostcode(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const compact = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$/.test(compact))
    return compact.length > 0 ? raw.trim().toUpperCase() : null;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

/** A name key for matching: accents, punctuation and case removed (`Zoë O'Brien` → `zoe obrien`). */
export function nameKey(firstName: string | null, lastName: string | null): string | null {
  const clean = (value: string | null) =>
    (value ?? '')
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z\s-]/g, '')
      .replace(/[\s-]+/g, ' ')
      .trim();
  const first = clean(firstName);
  const last = clean(lastName);
  return first && last ? `${first} ${last}` : null;
}

/**
 * docs/product-rules.md: property facts suggest the nurture category; the strongest intent wins.
 * An admin's override replaces what its fact suggests, in the same order of strength: landlords
 * and sellers stay what they are, a tenancy status outranks an applicant type.
 */
export function suggestNurtureCategory(
  profile: PropertyProfile,
  overrides: CategoryOverrides = {},
): NurtureCategory {
  if (profile.isLandlord) return 'Landlord';
  if (profile.isVendor) return 'Seller';
  const byTenancy = profile.tenancyStatus && overrides[`tenancyStatus:${profile.tenancyStatus}`];
  if (byTenancy) return byTenancy;
  if (profile.tenancyStatus === 'active') return 'Active Tenant';
  const byApplicant = profile.applicantType && overrides[`applicantType:${profile.applicantType}`];
  if (byApplicant) return byApplicant;
  if (profile.applicantType === 'buyer') return 'Buyer';
  if (profile.applicantType === 'tenant') return 'Tenant';
  if (profile.propertyInterest) return 'Applicant';
  return 'Unknown';
}

/** A mapped record with the admin's category overrides applied (as it is, when there are none). */
export function withCategoryOverrides(
  contact: CanonicalContact,
  overrides: CategoryOverrides,
): CanonicalContact {
  if (Object.keys(overrides).length === 0) return contact;
  return { ...contact, nurtureCategory: suggestNurtureCategory(contact.profile, overrides) };
}

/**
 * A hash of the contact data Propsync takes from a CRM record. An unchanged hash means the record
 * can be skipped without touching the database (idempotent re-runs, overlapping windows). The
 * concurrency token and modification time are left out on purpose: Propsync's own write-backs
 * (a score in the record's metadata) move both, and a record whose data did not change must not
 * then count as the newest version of every field, overriding newer edits made in another CRM. A
 * push with the older token meets a 412 and is re-applied onto a fresh read.
 */
export function contactContentHash(contact: CanonicalContact): string {
  const { provenance: _provenance, ...data } = contact;
  return createHash('sha256').update(JSON.stringify(data)).digest('base64url');
}
