import type { DatasetSeed } from './define-simulator.ts';
import type { SeededRandom } from './seeded-random.ts';
import { generatePeople, type GeneratedPeople } from './uk-people.ts';
import { newPostcode, newStreet, pickDistinct as pickDistinctInOrder } from './random-edits.ts';
import { generatedCreatedAt, generatedModifiedAt } from './record-history.ts';
import { EMAIL_DOMAINS } from './uk-reference-data.ts';

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

/** Both of `record-history.ts`'s times for generated record `index` of `count`. Three draws. */
export function generatedTimes(
  index: number,
  count: number,
  anchor: number,
  random: SeededRandom,
): { created: number; modified: number } {
  const created = generatedCreatedAt(random, index, count, anchor);
  return { created, modified: generatedModifiedAt(random, created, anchor) };
}

/**
 * A generated appointment's start, within [-120, +21] days of `anchor` on a quarter hour, and
 * when it was booked: 1–14 days before, never before `earliest` (its contact's creation) nor
 * within the last minute before `anchor`. Two draws.
 */
export function generatedBooking(
  random: SeededRandom,
  anchor: number,
  earliest: number,
): { start: number; created: number } {
  const start = Math.round((anchor - 120 * DAY_MS + random.next() * 141 * DAY_MS) / 900_000) * 900_000;
  const created = Math.max(earliest, Math.min(anchor - 60_000, start - random.int(1, 14) * DAY_MS));
  return { start, created };
}

/** `count` distinct records of `pool` picked at random (all of them when it has no more), in sequence order. */
export function pickDistinct<T extends { seq: number }>(
  pool: readonly T[],
  count: number,
  random: SeededRandom,
): T[] {
  return pickDistinctInOrder(random, pool, count, (a, b) => a.seq - b.seq);
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
  return {
    number: String(random.int(1, 220)),
    street: newStreet(random),
    postcode: newPostcode(outward, random),
  };
}
