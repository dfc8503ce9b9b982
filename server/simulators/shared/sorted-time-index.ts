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

  at(position: number): T | undefined {
    return this.#items[position];
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

  /** First position whose time is > `time`. */
  upperBound(time: number): number {
    let low = 0;
    let high = this.#items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#timeOf(this.#items[middle] as T) <= time) low = middle + 1;
      else high = middle;
    }
    return low;
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
    if (last === undefined || this.#timeOf(last) < time || (this.#timeOf(last) === time && this.#sequenceOf(last) <= this.#sequenceOf(item))) {
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

  /** Replaces the contents, sorting once. */
  reset(items: T[]): void {
    this.#items = items.sort((a, b) => this.compare(a, b));
  }

  compare(a: T, b: T): number {
    return this.#timeOf(a) - this.#timeOf(b) || this.#sequenceOf(a) - this.#sequenceOf(b);
  }
}
