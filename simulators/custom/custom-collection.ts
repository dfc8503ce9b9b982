import { SortedTimeIndex } from '../toolkit/sorted-time-index.ts';

/** Anything stored with a sequence number and a modification time (ms). */
export interface KeyedRecord {
  seq: number;
  modified: number;
}

/** A position in (modified, seq) order: the last record a page returned. */
export interface KeysetPosition {
  time: number;
  seq: number;
}

export interface KeysetQuery<T> {
  /** Inclusive bounds on `modified`. */
  from?: number | undefined;
  to?: number | undefined;
  /** Start strictly after this position. */
  after?: KeysetPosition | null | undefined;
  /** Start from these records (an index lookup) instead of the whole collection. */
  candidates?: readonly T[] | undefined;
  predicate?: ((record: T) => boolean) | undefined;
}

/**
 * Records ordered by (modified, seq), paged by keyset. A page is a binary search plus the records
 * it returns, so a "modified since" page costs the same over a million records as over ten, and a
 * record edited while a client pages moves behind its cursor instead of shifting the others.
 */
export class KeysetCollection<T extends KeyedRecord> {
  readonly byModified = new SortedTimeIndex<T>(
    (record) => record.modified,
    (record) => record.seq,
  );
  #bySeq: Array<T | undefined> = [];
  #count = 0;
  #version = 0;
  #totals = new Map<string, { version: number; total: number }>();

  /** Bumped by every write. */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#count;
  }

  /** Replaces the contents (initial generation). */
  load(records: T[]): void {
    this.#bySeq = [];
    for (const record of records) this.#bySeq[record.seq - 1] = record;
    this.#count = records.length;
    this.byModified.reset([...records]);
    this.#version++;
  }

  get(seq: number): T | undefined {
    return this.#bySeq[seq - 1];
  }

  /** Records in sequence (creation) order. */
  *values(): IterableIterator<T> {
    for (const record of this.#bySeq) if (record !== undefined) yield record;
  }

  add(record: T): void {
    this.#bySeq[record.seq - 1] = record;
    this.#count++;
    this.byModified.insert(record);
    this.#version++;
  }

  /** Applies `mutate` (which may change `modified`) and keeps the index sorted. */
  update(record: T, mutate: (record: T) => void): void {
    this.byModified.remove(record, record.modified);
    mutate(record);
    this.byModified.insert(record);
    this.#version++;
  }

  /** Like {@link update} for many records, with one pass over the index instead of one per record. */
  updateMany(records: readonly T[], mutate: (record: T) => void): void {
    if (records.length < 32) {
      for (const record of records) this.update(record, mutate);
      return;
    }
    this.byModified.removeMany(new Set(records));
    for (const record of records) mutate(record);
    this.byModified.insertMany(records);
    this.#version++;
  }

  remove(record: T): void {
    if (this.#bySeq[record.seq - 1] !== record) return;
    this.#bySeq[record.seq - 1] = undefined;
    this.#count--;
    this.byModified.remove(record, record.modified);
    this.#version++;
  }

  /** Up to `limit` records after the query's position, and whether more follow. */
  page(query: KeysetQuery<T>, limit: number): { items: T[]; hasMore: boolean } {
    const { items, start, end } = this.#span(query);
    const page: T[] = [];
    for (let i = start; i < end; i++) {
      const record = items[i] as T;
      if (query.predicate !== undefined && !query.predicate(record)) continue;
      if (page.length === limit) return { items: page, hasMore: true };
      page.push(record);
    }
    return { items: page, hasMore: false };
  }

  /** How many records match the query's filters (its position ignored); cached until the next write. */
  count(cacheKey: string, query: Omit<KeysetQuery<T>, 'after'>): number {
    const cached = this.#totals.get(cacheKey);
    if (cached !== undefined && cached.version === this.#version) return cached.total;
    const { items, start, end } = this.#span(query);
    let total = end - start;
    if (query.predicate !== undefined) {
      total = 0;
      for (let i = start; i < end; i++) if (query.predicate(items[i] as T)) total++;
    }
    if (this.#totals.size >= 64) this.#totals.delete(this.#totals.keys().next().value as string);
    this.#totals.set(cacheKey, { version: this.#version, total });
    return total;
  }

  /** The sorted records and the [start, end) slice the bounds and position select. */
  #span(query: KeysetQuery<T>): { items: readonly T[]; start: number; end: number } {
    const after = query.after ?? null;
    if (query.candidates !== undefined) {
      const items = query.candidates
        .filter(
          (record) =>
            (query.from === undefined || record.modified >= query.from) &&
            (query.to === undefined || record.modified <= query.to) &&
            (after === null ||
              record.modified > after.time ||
              (record.modified === after.time && record.seq > after.seq)),
        )
        .sort((a, b) => a.modified - b.modified || a.seq - b.seq);
      return { items, start: 0, end: items.length };
    }
    const index = this.byModified;
    let start = query.from === undefined ? 0 : index.lowerBound(query.from);
    if (after !== null) start = Math.max(start, index.lowerBound(after.time, after.seq + 1));
    const end = query.to === undefined ? index.size : index.upperBound(query.to);
    return { items: index.items, start, end: Math.max(start, end) };
  }
}
