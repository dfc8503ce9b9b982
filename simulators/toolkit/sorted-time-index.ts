/**
 * An array of records kept sorted by (time, sequence), for "modified since" queries over large
 * stores: a binary search finds a time range without scanning every record. Records move when
 * their time changes, so callers remove with the OLD time before changing it.
 */
export class SortedTimeIndex<T> {
  readonly #timeOf: (item: T) => number;
  readonly #sequenceOf: (item: T) => number;
  #items: T[] = [];

  constructor(timeOf: (item: T) => number, sequenceOf: (item: T) => number) {
    this.#timeOf = timeOf;
    this.#sequenceOf = sequenceOf;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The sorted records; treat as read-only. */
  get items(): readonly T[] {
    return this.#items;
  }

  /** First position whose (time, sequence) is >= the given pair. */
  lowerBound(time: number, sequence = -Infinity): number {
    let low = 0;
    let high = this.#items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const item = this.#items[middle] as T;
      const itemTime = this.#timeOf(item);
      if (itemTime < time || (itemTime === time && this.#sequenceOf(item) < sequence)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** First position whose time is > `time` (every sequence is below Infinity). */
  upperBound(time: number): number {
    return this.lowerBound(time, Infinity);
  }

  /** Positions [start, end) of records with from <= time <= to (both inclusive, both optional). */
  range(from?: number, to?: number): { start: number; end: number } {
    const start = from === undefined ? 0 : this.lowerBound(from);
    const end = to === undefined ? this.#items.length : this.upperBound(to);
    return { start, end: Math.max(start, end) };
  }

  insert(item: T): void {
    const time = this.#timeOf(item);
    const last = this.#items[this.#items.length - 1];
    // The common case (a record just touched "now") appends without a search.
    if (
      last === undefined ||
      this.#timeOf(last) < time ||
      (this.#timeOf(last) === time && this.#sequenceOf(last) <= this.#sequenceOf(item))
    ) {
      this.#items.push(item);
      return;
    }
    this.#items.splice(this.lowerBound(time, this.#sequenceOf(item)), 0, item);
  }

  /** Removes `item`, which must still be at the position its old time gives. */
  remove(item: T, oldTime: number): boolean {
    let position = this.lowerBound(oldTime, this.#sequenceOf(item));
    if (this.#items[position] !== item) {
      position = this.#items.indexOf(item);
      if (position < 0) return false;
    }
    this.#items.splice(position, 1);
    return true;
  }

  /** Removes many records in one pass (cheaper than repeated splices on big arrays). */
  removeMany(items: ReadonlySet<T>): void {
    if (items.size === 0) return;
    this.#items = this.#items.filter((item) => !items.has(item));
  }

  /** Inserts many records with one sort and one merge. */
  insertMany(items: readonly T[]): void {
    if (items.length === 0) return;
    if (items.length < 16) {
      for (const item of items) this.insert(item);
      return;
    }
    const incoming = [...items].sort((a, b) => this.compare(a, b));
    const merged: T[] = [];
    let i = 0;
    let j = 0;
    const existing = this.#items;
    while (i < existing.length && j < incoming.length) {
      if (this.compare(existing[i] as T, incoming[j] as T) <= 0) merged.push(existing[i++] as T);
      else merged.push(incoming[j++] as T);
    }
    while (i < existing.length) merged.push(existing[i++] as T);
    while (j < incoming.length) merged.push(incoming[j++] as T);
    this.#items = merged;
  }

  /** Replaces the contents, sorting once (a bucket sort: a million records in well under a second). */
  reset(items: T[]): void {
    this.#items = this.#sorted(items);
  }

  #sorted(items: T[]): T[] {
    const count = items.length;
    const times = new Float64Array(count);
    const sequences = new Float64Array(count);
    let inOrder = true;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      const item = items[i] as T;
      const time = this.#timeOf(item);
      times[i] = time;
      sequences[i] = this.#sequenceOf(item);
      if (time < min) min = time;
      if (time > max) max = time;
      if (i > 0 && (times[i - 1]! > time || (times[i - 1] === time && sequences[i - 1]! > sequences[i]!)))
        inOrder = false;
    }
    if (inOrder) return items;
    // Distribute into ~count/8 equal-width time buckets, then sort each small bucket.
    const bucketCount = Math.max(1, count >> 3);
    const width = (max - min) / bucketCount || 1;
    const bucketOf = (i: number) => Math.min(bucketCount - 1, Math.floor((times[i]! - min) / width));
    const starts = new Int32Array(bucketCount + 1);
    for (let i = 0; i < count; i++) starts[bucketOf(i) + 1]!++;
    for (let b = 0; b < bucketCount; b++) starts[b + 1]! += starts[b]!;
    const fill = starts.slice(0, bucketCount);
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[fill[bucketOf(i)]!++] = i;
    const before = (a: number, b: number) => times[a]! - times[b]! || sequences[a]! - sequences[b]!;
    for (let b = 0; b < bucketCount; b++) {
      const from = starts[b]!;
      const to = starts[b + 1]!;
      if (to - from < 2) continue;
      if (to - from > 32) {
        order.subarray(from, to).sort(before);
        continue;
      }
      for (let i = from + 1; i < to; i++) {
        const held = order[i]!;
        let j = i - 1;
        while (j >= from && before(order[j]!, held) > 0) {
          order[j + 1] = order[j]!;
          j--;
        }
        order[j + 1] = held;
      }
    }
    const sorted: T[] = [];
    for (let i = 0; i < count; i++) sorted.push(items[order[i]!] as T);
    return sorted;
  }

  compare(a: T, b: T): number {
    return this.#timeOf(a) - this.#timeOf(b) || this.#sequenceOf(a) - this.#sequenceOf(b);
  }
}
