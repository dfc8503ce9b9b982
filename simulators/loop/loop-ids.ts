import { mixSeed } from '../toolkit/seeded-random.ts';

/** The kinds of record that carry a Loop id. */
export type LoopEntityKind =
  'contact' | 'appointment' | 'offer' | 'note' | 'property' | 'branch' | 'negotiator';

const MASK_48 = (1n << 48n) - 1n;
// Any odd multiplier is a bijection modulo 2^48, so the sequence can be read back from an id.
const MULTIPLIER = 0x9e3779b97f4bn;
const INVERSE = inverseModulo48(MULTIPLIER);
const GUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function inverseModulo48(odd: bigint): bigint {
  // Newton's iteration doubles the correct low bits each round: 3 → 6 → … → 96 ≥ 48.
  let inverse = odd;
  for (let i = 0; i < 5; i++) inverse = (inverse * (2n - odd * inverse)) & MASK_48;
  return inverse;
}

/** A 48-bit offset per (salt, kind), so equal sequences of different kinds or teams look unrelated. */
function offsetOf(salt: number, kind: LoopEntityKind): bigint {
  return (BigInt(mixSeed(salt, kind, 'high') & 0xffff) << 32n) | BigInt(mixSeed(salt, kind));
}

function hex(value: number, digits: number): string {
  return (value >>> 0)
    .toString(16)
    .padStart(8, '0')
    .slice(8 - digits);
}

/**
 * Deterministic, random-looking GUIDs (version 4 layout) that encode a record's sequence number,
 * so a million contacts need no id → record map: the last 12 hex digits are the scrambled sequence
 * and the other digits a keyed hash of it. `salt` separates teams, `kind` separates record types.
 */
export function loopId(salt: number, kind: LoopEntityKind, seq: number): string {
  const scrambled = (BigInt(seq) * MULTIPLIER + offsetOf(salt, kind)) & MASK_48;
  const low = Number(scrambled & 0xffffffffn);
  const high = Number(scrambled >> 32n);
  const first = mixSeed(salt, kind, low, high);
  const second = mixSeed(first, 'b');
  const third = mixSeed(first, 'c');
  const variant = (8 + (third & 3)).toString(16);
  return `${hex(first, 8)}-${hex(second >>> 16, 4)}-4${hex(second, 3)}-${variant}${hex(third >>> 2, 3)}-${scrambled.toString(16).padStart(12, '0')}`;
}

/** The sequence number behind an id of this salt and kind, or null for any other string. */
export function seqOfLoopId(salt: number, kind: LoopEntityKind, id: string): number | null {
  const lower = id.toLowerCase();
  if (!GUID_V4.test(lower)) return null;
  const scrambled = BigInt(`0x${lower.slice(24)}`);
  const seq = Number(((scrambled - offsetOf(salt, kind)) * INVERSE) & MASK_48);
  if (seq < 1 || seq > 2 ** 40) return null;
  return loopId(salt, kind, seq) === lower ? seq : null;
}
