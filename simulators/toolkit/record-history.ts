import type { SeededRandom } from './seeded-random.ts';

const DAY_MS = 86_400_000;
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
