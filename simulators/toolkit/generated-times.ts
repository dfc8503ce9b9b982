import type { SeededRandom } from './seeded-random.ts';

const DAY_MS = 86_400_000;
const SPAN_MS = 8 * 365 * DAY_MS;

/**
 * When generated record `index` of `count` was created and last changed: creation times spread
 * over the 8 years before `anchor` and rise with the index, as in a real CRM, on whole seconds like
 * an import; 60% changed in the last 180 days, the rest at any time since creation. Three draws.
 */
export function generatedTimes(
  random: SeededRandom,
  index: number,
  count: number,
  anchor: number,
): { created: number; modified: number } {
  const step = SPAN_MS / Math.max(1, count);
  const created = Math.floor((anchor - SPAN_MS + (index + random.next() * 0.9) * step) / 1000) * 1000;
  const candidate = random.chance(0.6)
    ? anchor - Math.floor(random.next() * 180 * DAY_MS)
    : created + Math.floor(random.next() * (anchor - created));
  return { created, modified: Math.min(anchor - 1, Math.max(created, candidate)) };
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
