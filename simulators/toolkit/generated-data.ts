import type { DatasetSeed } from './define-simulator.ts';
import { SeededRandom, mixSeed } from './seeded-random.ts';
import { generatePeople, type GeneratedPeople, type PersonRole, type UkPerson } from './uk-people.ts';

/**
 * What the simulators share when they generate a dataset: its people and its records' times. Each
 * helper draws from `random` in a fixed order, so a CRM's generated data stays the same for a seed
 * (the edits data controls make later are in `random-edits.ts`).
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

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
const HISTORY_MS = 8 * 365 * DAY_MS;

/**
 * When the `index`-th of `count` generated records was created: rising with the index over eight
 * years before `anchor`, in whole seconds, like an import. Draws one number.
 */
export function generatedCreatedAt(
  random: SeededRandom,
  index: number,
  count: number,
  anchor: number,
): number {
  const step = HISTORY_MS / Math.max(1, count);
  return Math.floor((anchor - HISTORY_MS + (index + random.next() * 0.9) * step) / 1000) * 1000;
}

/**
 * When a record created at `created` was last modified: 60 % within the 180 days before `anchor`,
 * the rest any time since creation; never before creation, always before `anchor`. Draws two
 * numbers.
 */
export function generatedModifiedAt(random: SeededRandom, created: number, anchor: number): number {
  const candidate = random.chance(0.6)
    ? anchor - Math.floor(random.next() * 180 * DAY_MS)
    : created + Math.floor(random.next() * (anchor - created));
  return Math.min(anchor - 1, Math.max(created, candidate));
}

/** Both of the times above for generated record `index` of `count`. Three draws. */
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
 * One record per generated person, in order: its sequence (from 1), its generated times (drawn
 * from a stream seeded with `timestampSeed`) and what `fields` adds.
 */
export function generatedRecords<R>(
  people: readonly UkPerson[],
  anchor: number,
  timestampSeed: number,
  fields: (person: UkPerson, seq: number) => R,
): Array<{ seq: number; created: number; modified: number } & R> {
  const random = new SeededRandom(timestampSeed);
  return people.map((person, i) => ({
    seq: i + 1,
    ...generatedTimes(i, people.length, anchor, random),
    ...fields(person, i + 1),
  }));
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

/**
 * A generated appointment's start and booking time ({@link generatedBooking}), and its last edit:
 * some time in the first 30 % of what was left before `anchor`. Three draws.
 */
export function generatedAppointmentTimes(
  random: SeededRandom,
  anchor: number,
  earliest: number,
): { start: number; created: number; modified: number } {
  const { start, created } = generatedBooking(random, anchor, earliest);
  const modified = Math.min(
    anchor - 1,
    created + Math.floor(random.next() * Math.max(0, anchor - created) * 0.3),
  );
  return { start, created, modified };
}

/**
 * A generated offer's times: made within the 180 days before `anchor` (never before `earliest`,
 * its contact's creation), last changed in the first half of what was left. Two draws.
 */
export function generatedOfferTimes(
  random: SeededRandom,
  anchor: number,
  earliest: number,
): { created: number; modified: number } {
  const created = Math.max(earliest, anchor - Math.floor(random.next() * 180 * DAY_MS));
  return {
    created,
    modified: Math.min(anchor - 1, created + Math.floor(random.next() * (anchor - created) * 0.5)),
  };
}

/** How many viewings a generated applicant booked: one to three for 45 % of them, else none. */
export function generatedViewingCount(random: SeededRandom, applicant: boolean): number {
  return applicant && random.chance(0.45) ? random.int(1, 3) : 0;
}

/**
 * Visits each generated contact whose person holds a role, in order, with `random` reseeded from
 * (`activitySeed`, seq) first: one contact's activities never shift another's.
 */
export function forEachContactWithRoles<C extends { seq: number; person: UkPerson | null }>(
  contacts: readonly C[],
  random: SeededRandom,
  activitySeed: number,
  visit: (contact: C, roles: readonly PersonRole[]) => void,
): void {
  for (const contact of contacts) {
    const roles = contact.person?.roles ?? [];
    if (roles.length === 0) continue;
    random.reseed(mixSeed(activitySeed, contact.seq));
    visit(contact, roles);
  }
}
