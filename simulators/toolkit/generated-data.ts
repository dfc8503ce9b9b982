import type { DatasetSeed } from './define-simulator.ts';
import type { SeededRandom } from './seeded-random.ts';
import { generatePeople, type GeneratedPeople } from './uk-people.ts';
import { EMAIL_DOMAINS, POSTCODE_UNIT_LETTERS, STREET_NAMES, STREET_SUFFIXES } from './uk-reference-data.ts';

/**
 * What the simulators share when they generate a dataset's people and record times, and when a data control makes
 * "realistic" edits. Each helper draws from `random` in a fixed order, so a CRM's generated data
 * and control picks stay the same for a seed.
 */

/** The shared people of a dataset, formatted the CRM's way (`formatSalt`: the provider id). */
export function peopleOf(seed: DatasetSeed, formatSalt: string): GeneratedPeople {
  return generatePeople({
    seed: seed.seed,
    count: seed.contactCount,
    formatSalt,
    ...(seed.duplicateRate === undefined ? {} : { duplicateRate: seed.duplicateRate }),
  });
}

const DAY_MS = 86_400_000;
const SPAN_MS = 8 * 365 * DAY_MS;

/**
 * Times of generated record `index` of `count`: created within eight years before `anchor`,
 * rising with the index, on whole seconds (an import from older systems); last modified within
 * the last six months (60%) or at any time since creation, never at or after `anchor`.
 */
export function generatedTimes(
  index: number,
  count: number,
  anchor: number,
  random: SeededRandom,
): { created: number; modified: number } {
  const step = SPAN_MS / Math.max(1, count);
  const created = Math.floor((anchor - SPAN_MS + (index + random.next() * 0.9) * step) / 1000) * 1000;
  const candidate = random.chance(0.6)
    ? anchor - Math.floor(random.next() * 180 * DAY_MS)
    : created + Math.floor(random.next() * (anchor - created));
  return { created, modified: Math.min(anchor - 1, Math.max(created, candidate)) };
}

/** `count` distinct records of `pool` picked at random (all of them when it has no more), in sequence order. */
export function pickDistinct<T extends { seq: number }>(
  pool: readonly T[],
  count: number,
  random: SeededRandom,
): T[] {
  if (count >= pool.length) return [...pool];
  const chosen = new Set<T>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return [...chosen].sort((a, b) => a.seq - b.seq);
}

/** The same mailbox at another of the generator's email domains. */
export function emailAtNewDomain(email: string, random: SeededRandom): string {
  return `${email.split('@')[0] ?? 'contact'}@${random.pick(EMAIL_DOMAINS)}`;
}

/** A new mobile from Ofcom's drama range, in E.164. */
export function dramaMobile(random: SeededRandom): string {
  return `+447700900${String(random.int(0, 999)).padStart(3, '0')}`;
}

/** A move to another street in the same postcode district (building number, street, postcode). */
export function movedAddress(
  postcode: string | null | undefined,
  random: SeededRandom,
): { number: string; street: string; postcode: string } {
  const outward = (postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11';
  const letter = () => POSTCODE_UNIT_LETTERS[random.int(0, POSTCODE_UNIT_LETTERS.length - 1)];
  const number = String(random.int(1, 220));
  const street = `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`;
  return { number, street, postcode: `${outward} ${random.int(1, 9)}${letter()}${letter()}` };
}
