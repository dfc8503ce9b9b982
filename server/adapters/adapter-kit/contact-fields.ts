/** The canonical contact fields that several CRMs' mappers build the same way from their own shapes. */
import type { Address, MarketingConsent } from '../../../shared/contact.ts';
import { normalisePostcode } from '../../core/domain/contact-normalisation.ts';
import { blankToNull } from './values.ts';

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

/** The entries the CRM marks primary first, each group in the CRM's own order. */
export function primaryFirst<T>(entries: readonly T[], isPrimary: (entry: T) => boolean): T[] {
  return [...entries].sort((a, b) => Number(isPrimary(b)) - Number(isPrimary(a)));
}
