/** The canonical contact fields that several CRMs' mappers build the same way from their own shapes. */
import type { Address, CanonicalContact, MarketingConsent } from '../../../shared/contact.ts';
import {
  normaliseEmail,
  normalisePhone,
  normalisePostcode,
  suggestNurtureCategory,
} from '../../core/domain/contact-normalisation.ts';
import { parseCrmTime } from './crm-time.ts';
import { blankToNull, unique } from './values.ts';

/**
 * What a CRM's record says of a person, as the CRM wrote it: names, emails and phones raw (in the
 * CRM's order of preference), the rest already canonical.
 */
export type ContactParts = Pick<CanonicalContact, 'address' | 'marketingConsent' | 'profile' | 'active'> & {
  /** Where the record came from; its modification time as the CRM's text or in ms, its ETag if it has one. */
  provenance: Pick<CanonicalContact['provenance'], 'provider' | 'externalId'> & {
    modifiedAt: string | number;
    etag?: string | null | undefined;
  };
  title: string | null | undefined;
  firstName: string | null | undefined;
  lastName: string | null | undefined;
  emails: ReadonlyArray<string | null | undefined>;
  phones: ReadonlyArray<string | null | undefined>;
};

/**
 * The canonical contact every mapper builds the same way: blank names dropped, emails and phones
 * normalised (unusable ones dropped) and each kept once, the nurture category suggested by the profile,
 * the modification time as ISO text.
 */
export function canonicalContact(parts: ContactParts): CanonicalContact {
  return {
    title: blankToNull(parts.title),
    firstName: blankToNull(parts.firstName),
    lastName: blankToNull(parts.lastName),
    emails: unique(parts.emails.map(normaliseEmail)),
    phones: unique(parts.phones.map(normalisePhone)),
    address: parts.address,
    nurtureCategory: suggestNurtureCategory(parts.profile),
    marketingConsent: parts.marketingConsent,
    profile: parts.profile,
    active: parts.active,
    provenance: {
      provider: parts.provenance.provider,
      externalId: parts.provenance.externalId,
      modifiedAt: new Date(
        typeof parts.provenance.modifiedAt === 'number'
          ? parts.provenance.modifiedAt
          : parseCrmTime(parts.provenance.modifiedAt),
      ).toISOString(),
      etag: parts.provenance.etag ?? null,
    },
  };
}

/** A CRM's address, already picked out of its own field names. */
export type AddressParts = {
  /** In the order they are written; blank ones are dropped. */
  lines: ReadonlyArray<string | null | undefined>;
  town: string | null | undefined;
  /** As the CRM sent it; normalised here. */
  postcode: string | null | undefined;
  countryCode: string | null;
  uprn?: string | null | undefined;
  udprn?: string | null | undefined;
};

/**
 * The canonical address, or null when nothing in it locates a place: no line and no postcode, and
 * (unless `townAloneLocates`) no town either. The CRMs differ there, each as its doc describes.
 */
export function canonicalAddress(parts: AddressParts, townAloneLocates: boolean): Address | null {
  const lines = parts.lines.map(blankToNull).filter((line): line is string => line !== null);
  const town = blankToNull(parts.town);
  const postcode = normalisePostcode(parts.postcode);
  if (lines.length === 0 && !postcode && !(townAloneLocates && town)) return null;
  return {
    lines,
    town,
    postcode,
    countryCode: parts.countryCode,
    uprn: blankToNull(parts.uprn),
    udprn: blankToNull(parts.udprn),
  };
}

/** The conventional line address (adapter-kit/lenient-schemas.ts `LINE_ADDRESS_FIELDS`), as a CRM sends it. */
export type LineAddress = {
  line1?: string | null;
  line2?: string | null;
  line3?: string | null;
  town?: string | null;
  postcode?: string | null;
  uprn?: string | null;
};

/** A conventional line address as canonical (`canonicalAddress`), with its country as the CRM names it. */
export function canonicalLineAddress(
  address: LineAddress | null | undefined,
  countryCode: string | null | undefined,
  townAloneLocates: boolean,
): Address | null {
  if (!address) return null;
  const { line1, line2, line3, town, postcode, uprn } = address;
  return canonicalAddress(
    { lines: [line1, line2, line3], town, postcode, countryCode: blankToNull(countryCode), uprn },
    townAloneLocates,
  );
}

/** A yes/no consent flag (agentOS, Street): unset means the contact was never asked. */
export function consentFromFlag(value: boolean | null | undefined): MarketingConsent {
  if (value === true) return 'granted';
  if (value === false) return 'denied';
  return 'not_asked';
}

/**
 * The values of a CRM's alternative fields for one canonical field, the chosen field's first and
 * the others in their declared order (`fields` lists them in that order; an unknown choice keeps it).
 */
export function chosenFirst<T>(fields: Readonly<Record<string, T>>, chosen: string | undefined): T[] {
  const names = Object.keys(fields);
  const first = chosen !== undefined && names.includes(chosen) ? chosen : names[0];
  return [first, ...names.filter((name) => name !== first)].flatMap((name) => (name ? [fields[name]!] : []));
}

/**
 * The alternatives of a CRM with three phone fields, named in the order its mapper reads them
 * (mobile, home, work): the admin may choose which one is the primary phone.
 */
export function primaryPhoneAlternatives(mobile: string, home: string, work: string) {
  const choice = (value: string, kind: string) => ({ value, label: `${kind} (${value})` });
  return {
    phones: {
      label: 'Primary phone',
      choices: [choice(mobile, 'Mobile'), choice(home, 'Home'), choice(work, 'Work')],
    },
  };
}

/** The CRM's own name for each of a contact's name fields: one table for reading and for writing. */
export type NameFieldNames = Readonly<Record<'title' | 'firstName' | 'lastName', string>>;

/** A record's name fields, read under the CRM's own names. */
export function namesOf<Title extends string, First extends string, Last extends string>(
  record: Readonly<Partial<Record<Title | First | Last, string | null>>>,
  names: { title: Title; firstName: First; lastName: Last },
): Pick<ContactParts, keyof NameFieldNames> {
  return { title: record[names.title], firstName: record[names.firstName], lastName: record[names.lastName] };
}

/** The entries the CRM marks primary first, each group in the CRM's own order. */
export function primaryFirst<T>(entries: readonly T[], isPrimary: (entry: T) => boolean): T[] {
  return [...entries].sort((a, b) => Number(isPrimary(b)) - Number(isPrimary(a)));
}
