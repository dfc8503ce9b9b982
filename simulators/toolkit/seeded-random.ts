/**
 * A small deterministic PRNG (sfc32, seeded through splitmix32) for simulators. Same seed, same
 * sequence, on every platform: simulated data and injected faults must be reproducible.
 */

/** Mixes a 32-bit value so nearby inputs give unrelated outputs (murmur3 finaliser). */
function fmix32(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 32-bit FNV-1a hash of a string, finalised; turns labels ("reapit", a customer id) into seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Combines seed parts (numbers or labels) into one 32-bit seed; order matters. */
export function mixSeed(...parts: ReadonlyArray<number | string>): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const value = typeof part === 'string' ? hashString(part) : (part >>> 0) ^ Math.floor(part / 0x100000000);
    h = fmix32(Math.imul(h ^ value, 0x85ebca6b) + 0x6b43a9b5);
  }
  return h;
}

/**
 * sfc32 generator. `reseed` lets hot loops (one person at a time) reuse a single instance
 * instead of allocating a generator per record.
 */
export class SeededRandom {
  // Plain fields, not #private: this is the hottest code in data generation.
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number | string = 1) {
    this.reseed(seed);
  }

  reseed(seed: number | string): this {
    // splitmix32 spreads the seed over the four state words.
    let state = typeof seed === 'string' ? hashString(seed) : mixSeed(seed);
    state = (state + 0x9e3779b9) | 0;
    this.a = fmix32(state);
    state = (state + 0x9e3779b9) | 0;
    this.b = fmix32(state);
    state = (state + 0x9e3779b9) | 0;
    this.c = fmix32(state);
    state = (state + 0x9e3779b9) | 0;
    this.d = fmix32(state);
    // A few rounds so the first outputs do not echo the seed.
    for (let i = 0; i < 4; i++) this.uint32();
    return this;
  }

  /** Next unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `probability` (0..1). */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** One element, uniformly. Throws on an empty list (a programming error, not data). */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One element, weighted; `weights` align with `items` and need not sum to 1. */
  pickWeighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const weight of weights) total += weight;
    let roll = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      roll -= weights[i] ?? 0;
      if (roll < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** Fisher-Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }

  /** An independent generator derived from this one's seed material and a label. */
  fork(label: number | string): SeededRandom {
    return new SeededRandom(mixSeed(this.uint32(), label));
  }
}
