import type { SeededRandom } from './seeded-random.ts';
import { PHONE_STYLES, formatPhone, normaliseEmail, toE164 } from './uk-contact-format.ts';
import { EMAIL_DOMAINS, POSTCODE_UNIT_LETTERS, STREET_NAMES, STREET_SUFFIXES } from './uk-reference-data.ts';

/**
 * The edits an agent makes to a contact in any CRM, for `modifyContacts({randomChange})`: each
 * CRM puts them in its own fields. Every draw is seeded, so the same controls make the same edits.
 */

/**
 * The same mailbox at another provider (`otherDomain`: never the current one; `keepCase`: the
 * mailbox as written, not trimmed and lower-cased). One draw.
 */
export function emailElsewhere(
  random: SeededRandom,
  email: string | null | undefined,
  forename: string | null | undefined,
  options: { otherDomain?: boolean; keepCase?: boolean } = {},
): string {
  const given = email ?? `${(forename ?? 'contact').toLowerCase()}@example.com`;
  const [local = 'contact', domain = ''] = (options.keepCase ? given : normaliseEmail(given)).split('@');
  const domains = options.otherDomain
    ? EMAIL_DOMAINS.filter((candidate) => candidate !== domain)
    : EMAIL_DOMAINS;
  return `${local}@${random.pick(domains)}`;
}

/** The same number written another way, or a new drama-range mobile when there is none. */
export function restyledPhone(random: SeededRandom, number: string | null | undefined): string {
  const e164 = number === null || number === undefined ? null : toE164(number);
  if (e164 === null) return formatPhone(dramaMobile(random), 'national');
  return formatPhone(e164, random.pick(PHONE_STYLES.filter((style) => formatPhone(e164, style) !== number)));
}

/** A new mobile from Ofcom's drama range, in E.164. One draw. */
export function dramaMobile(random: SeededRandom): string {
  return `+447700900${String(random.int(0, 999)).padStart(3, '0')}`;
}

/** A move to another street in the same postcode district (building number, street, postcode). */
export function movedAddress(
  random: SeededRandom,
  postcode: string | null | undefined,
): { number: string; street: string; postcode: string } {
  const number = String(random.int(1, 220));
  const street = newStreet(random);
  return { number, street, postcode: nearbyPostcode(random, postcode) };
}

/** Another postcode in the same outward code (SW11 when there is none). */
export function nearbyPostcode(random: SeededRandom, postcode: string | null | undefined): string {
  return newPostcode((postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11', random);
}

/** A postcode in the outward code `outward`, with a new unit (`SW11 4QT`). */
export function newPostcode(outward: string, random: SeededRandom): string {
  const letter = () => POSTCODE_UNIT_LETTERS.charAt(random.int(0, POSTCODE_UNIT_LETTERS.length - 1));
  return `${outward} ${random.int(1, 9)}${letter()}${letter()}`;
}

/** A street name and suffix (`Orchard Road`). */
export function newStreet(random: SeededRandom): string {
  return `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`;
}

/** Records in creation order, for {@link pickDistinct}'s `order`. */
export const bySequence = (a: { seq: number }, b: { seq: number }): number => a.seq - b.seq;

/**
 * `count` distinct records of `pool` drawn at random, in draw order or `order`; all of them, as
 * pooled, when there are no more.
 */
export function pickDistinct<T>(
  random: SeededRandom,
  pool: readonly T[],
  count: number,
  order?: (a: T, b: T) => number,
): T[] {
  if (count >= pool.length) return [...pool];
  const chosen = new Set<T>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return order === undefined ? [...chosen] : [...chosen].sort(order);
}
