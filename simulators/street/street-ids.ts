import { mixSeed } from '../toolkit/seeded-random.ts';

/** The kinds of record that carry a Street UUID; each kind has its own id space. */
export type StreetEntityKind =
  | 'person'
  | 'applicant'
  | 'property'
  | 'owner'
  | 'viewing'
  | 'valuation'
  | 'sales_offer'
  | 'lettings_offer'
  | 'note';

const HALF_BITS = 24;
const HALF_MASK = 0xffffff;
const ROUNDS = 4;
const MAX_SEQ = 2 ** (2 * HALF_BITS) - 1;

// Round keys per (seed, kind), kept between calls: ids are made and read on every request.
const keyCache = new Map<string, number[]>();
function keysFor(seed: number, kind: StreetEntityKind): number[] {
  const cacheKey = `${seed}:${kind}`;
  let keys = keyCache.get(cacheKey);
  if (keys === undefined) {
    keys = Array.from({ length: ROUNDS }, (_, round) => mixSeed(seed, kind, 'feistel', round));
    if (keyCache.size > 256) keyCache.clear();
    keyCache.set(cacheKey, keys);
  }
  return keys;
}

function roundFunction(half: number, key: number): number {
  return mixSeed(key, half) & HALF_MASK;
}

/** A keyed 48-bit permutation (4-round Feistel): sequence numbers look random but decode back. */
function permute(seq: number, keys: readonly number[]): number {
  let left = Math.floor(seq / 2 ** HALF_BITS) & HALF_MASK;
  let right = seq & HALF_MASK;
  for (const key of keys) {
    const next = left ^ roundFunction(right, key);
    left = right;
    right = next;
  }
  return left * 2 ** HALF_BITS + right;
}

function unpermute(value: number, keys: readonly number[]): number {
  let left = Math.floor(value / 2 ** HALF_BITS) & HALF_MASK;
  let right = value & HALF_MASK;
  for (let round = keys.length - 1; round >= 0; round--) {
    const previous = right ^ roundFunction(left, keys[round] as number);
    right = left;
    left = previous;
  }
  return left * 2 ** HALF_BITS + right;
}

function hex(value: number, digits: number): string {
  return (value >>> 0).toString(16).padStart(8, '0').slice(-digits);
}

/**
 * The UUID (version 4 layout) of the record `seq` of a kind. Deterministic in (seed, kind, seq),
 * and reversible: the last group encodes the sequence, so lookups need no id → record map even
 * with a million records.
 */
export function streetUuid(seed: number, kind: StreetEntityKind, seq: number): string {
  if (!Number.isInteger(seq) || seq < 1 || seq > MAX_SEQ)
    throw new RangeError(`sequence ${seq} out of range`);
  const a = mixSeed(seed, kind, seq, 1);
  const b = mixSeed(seed, kind, seq, 2);
  const variant = '89ab'[b & 3] ?? '8';
  const encoded = permute(seq, keysFor(seed, kind)).toString(16).padStart(12, '0');
  return `${hex(a, 8)}-${hex(b >>> 8, 4)}-4${hex(b >>> 2, 3)}-${variant}${hex(a >>> 12, 3)}-${encoded}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-([0-9a-f]{12})$/;

/** The sequence behind a UUID of this kind, or null when the text is not one of ours. */
export function seqOfStreetUuid(seed: number, kind: StreetEntityKind, uuid: string): number | null {
  const match = UUID_PATTERN.exec(uuid.toLowerCase());
  if (match === null) return null;
  const seq = unpermute(Number.parseInt(match[1] as string, 16), keysFor(seed, kind));
  if (seq < 1 || seq > MAX_SEQ) return null;
  return streetUuid(seed, kind, seq) === uuid.toLowerCase() ? seq : null;
}
