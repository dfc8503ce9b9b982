import type { SeededRandom } from './seeded-random.ts';
import { PHONE_STYLES, formatPhone, normaliseEmail, toE164 } from './uk-contact-format.ts';
import { EMAIL_DOMAINS, POSTCODE_UNIT_LETTERS, STREET_NAMES, STREET_SUFFIXES } from './uk-reference-data.ts';

/**
 * The edits an agent makes to a contact in any CRM, for `modifyContacts({randomChange})`: each
 * CRM puts them in its own fields. Every draw is seeded, so the same controls make the same edits.
 */

/** The same mailbox at another provider (`otherDomain`: never the current one). */
export function emailElsewhere(
  random: SeededRandom,
  email: string | null | undefined,
  forename: string | null | undefined,
  options: { otherDomain?: boolean } = {},
): string {
  const [local = 'contact', domain = ''] = normaliseEmail(
    email ?? `${(forename ?? 'contact').toLowerCase()}@example.com`,
  ).split('@');
  const domains = options.otherDomain
    ? EMAIL_DOMAINS.filter((candidate) => candidate !== domain)
    : EMAIL_DOMAINS;
  return `${local}@${random.pick(domains)}`;
}

/** The same number written another way, or a new drama-range mobile when there is none. */
export function restyledPhone(random: SeededRandom, number: string | null | undefined): string {
  const e164 = number === null || number === undefined ? null : toE164(number);
  if (e164 === null)
    return formatPhone(`+447700900${String(random.int(0, 999)).padStart(3, '0')}`, 'national');
  return formatPhone(e164, random.pick(PHONE_STYLES.filter((style) => formatPhone(e164, style) !== number)));
}

/** Another postcode in the same outward code (SW11 when there is none). */
export function nearbyPostcode(random: SeededRandom, postcode: string | null | undefined): string {
  const outward = (postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11';
  const letter = () => POSTCODE_UNIT_LETTERS[random.int(0, POSTCODE_UNIT_LETTERS.length - 1)] ?? 'A';
  return `${outward} ${random.int(1, 9)}${letter()}${letter()}`;
}

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

/** The same mailbox name at another provider. */
export function changedEmail(current: string, random: SeededRandom): string {
  const local = normaliseEmail(current).split('@')[0] ?? 'contact';
  return `${local}@${random.pick(EMAIL_DOMAINS)}`;
}

/** A postcode in the same outward code, with a new unit (`SW11 4QT`). */
export function newPostcode(outward: string, random: SeededRandom): string {
  const letters = POSTCODE_UNIT_LETTERS;
  const letter = () => letters.charAt(random.int(0, letters.length - 1));
  return `${outward} ${random.int(1, 9)}${letter()}${letter()}`;
}

/** A street name and suffix (`Orchard Road`). */
export function newStreet(random: SeededRandom): string {
  return `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`;
}
