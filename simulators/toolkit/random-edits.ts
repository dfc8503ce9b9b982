import type { SeededRandom } from './seeded-random.ts';
import { PHONE_STYLES, formatPhone, normaliseEmail, toE164 } from './uk-contact-format.ts';
import { EMAIL_DOMAINS, POSTCODE_UNIT_LETTERS, STREET_NAMES, STREET_SUFFIXES } from './uk-reference-data.ts';

/**
 * The small, plausible edits a negotiator makes to a contact, for the simulators' `randomChange`
 * controls. Each takes its draws from `random` in a fixed order, so a seeded run repeats.
 */

/** `count` distinct records of `pool` (all of them when fewer), in pick order. */
export function pickDistinct<T>(pool: readonly T[], count: number, random: SeededRandom): T[] {
  if (count >= pool.length) return [...pool];
  const chosen = new Set<T>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return [...chosen];
}

/** The same mailbox name at another provider. */
export function changedEmail(current: string, random: SeededRandom): string {
  const local = normaliseEmail(current).split('@')[0] ?? 'contact';
  return `${local}@${random.pick(EMAIL_DOMAINS)}`;
}

/** The same number typed another way; a drama-range mobile when there is none to restyle. */
export function restyledPhone(current: string | null, random: SeededRandom): string {
  const e164 = current === null ? null : toE164(current);
  if (e164 === null)
    return formatPhone(`+447700900${String(random.int(0, 999)).padStart(3, '0')}`, 'national');
  return formatPhone(e164, random.pick(PHONE_STYLES.filter((style) => formatPhone(e164, style) !== current)));
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
