import { generatedCreatedAt, generatedModifiedAt } from './record-history.ts';
import type { SeededRandom } from './seeded-random.ts';

const DAY_MS = 86_400_000;

/** Both of `record-history.ts`'s times for generated record `index` of `count`. Three draws. */
export function generatedTimes(
  random: SeededRandom,
  index: number,
  count: number,
  anchor: number,
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
