import { SortedTimeIndex } from './sorted-time-index.ts';

/** Anything stored with a sequence number and created/modified times (ms). */
export interface TimedRecord {
  seq: number;
  created: number;
  modified: number;
}

/**
 * The matches of a list query, in order, without copying when possible: a slice [start, end) of
 * `items`, read backwards when `descending`.
 */
export interface ResultView<T> {
  items: readonly T[];
  start: number;
  end: number;
  descending: boolean;
}

export function viewSize<T>(view: ResultView<T>): number {
  return view.end - view.start;
}

/** One page (1-based) of a view. */
export function pageOfView<T>(view: ResultView<T>, pageNumber: number, pageSize: number): T[] {
  const total = viewSize(view);
  const skip = (pageNumber - 1) * pageSize;
  if (skip >= total) return [];
  const take = Math.min(pageSize, total - skip);
  const page: T[] = [];
  for (let i = 0; i < take; i++) {
    const position = view.descending ? view.end - 1 - skip - i : view.start + skip + i;
    page.push(view.items[position] as T);
  }
  return page;
}

export type TimeField = 'created' | 'modified';

/** Whether the record's `field` time lies within [from, to] (either bound optional). */
function within(record: TimedRecord, field: TimeField, from?: number, to?: number): boolean {
  return (from === undefined || record[field] >= from) && (to === undefined || record[field] <= to);
}

/** A list view of plain records, in the order given. */
export function viewOf<T>(items: readonly T[]): ResultView<T> {
  return { items, start: 0, end: items.length, descending: false };
}

/** How to answer a list query; the collection picks the cheapest route. */
export interface QueryPlan<T> {
  /**
   * A time range (both bounds inclusive, either optional): answered from that time's index, or
   * applied to `candidates` when given. Without either bound it filters nothing.
   */
  range?: { field: TimeField; from?: number | undefined; to?: number | undefined } | undefined;
  /** Start from these records (an id or email lookup) instead of an index. */
  candidates?: readonly T[] | undefined;
  /** The other filters; a null one (its parameter not given) is skipped. */
  filters?: ReadonlyArray<((record: T) => boolean) | null>;
  /** Result order; a time field answered from its own index needs no sort. */
  sort: { field: TimeField; descending: boolean } | { compare: (a: T, b: T) => number; descending: boolean };
}

/** A position in (modified, seq) order: the last record a keyset page returned. */
export interface KeysetPosition {
  time: number;
  seq: number;
}

/** A keyset-paged query over `modified` (cursor APIs, where offset paging would skip records). */
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
 * Records indexed by sequence, creation and modification time. Given `isListed`, the time indexes
 * hold only the records the API shows (e.g. consented contacts), kept up to date as records
 * change; everything else still counts in `size` and `get`. A "modified since" query is a
 * binary search, not a scan; results of repeated queries (paging through them) are cached until
 * the next write.
 */
export class TimedCollection<T extends TimedRecord> {
  readonly byCreated = new SortedTimeIndex<T>(
    (record) => record.created,
    (record) => record.seq,
  );
  readonly byModified = new SortedTimeIndex<T>(
    (record) => record.modified,
    (record) => record.seq,
  );
  #bySeq: Array<T | undefined> = [];
  #count = 0;
  #version = 0;
  #cache = new Map<string, { version: number; view: ResultView<T> }>();
  #totals = new Map<string, { version: number; total: number }>();
  readonly #isListed: (record: T) => boolean;

  constructor(isListed: (record: T) => boolean = () => true) {
    this.#isListed = isListed;
  }

  /** Records the indexes hold (all of them without `isListed`). */
  get listedCount(): number {
    return this.byCreated.size;
  }

  /** Listed records in creation order. */
  listed(): readonly T[] {
    return this.byCreated.items;
  }

  get size(): number {
    return this.#count;
  }

  /** Replaces the contents (initial generation). */
  load(records: T[]): void {
    this.#bySeq = [];
    for (const record of records) this.#bySeq[record.seq - 1] = record;
    this.#count = records.length;
    const listed = records.filter(this.#isListed);
    this.byCreated.reset([...listed]);
    this.byModified.reset(listed);
    this.#written();
  }

  get(seq: number): T | undefined {
    return this.#bySeq[seq - 1];
  }

  /** Records in sequence order. */
  *values(): IterableIterator<T> {
    for (const record of this.#bySeq) if (record !== undefined) yield record;
  }

  add(record: T): void {
    this.#bySeq[record.seq - 1] = record;
    this.#count++;
    if (this.#isListed(record)) {
      this.byCreated.insert(record);
      this.byModified.insert(record);
    }
    this.#written();
  }

  /** Applies `mutate` (which may change `modified`, or whether the record is listed) and re-indexes it. */
  update(record: T, mutate: (record: T) => void): void {
    const wasListed = this.#isListed(record);
    if (wasListed) this.byModified.remove(record, record.modified);
    mutate(record);
    const isListed = this.#isListed(record);
    if (isListed) this.byModified.insert(record);
    if (wasListed && !isListed) this.byCreated.remove(record, record.created);
    if (!wasListed && isListed) this.byCreated.insert(record);
    this.#written();
  }

  /** Like {@link update} for many records, with one pass over the index instead of one per record. */
  updateMany(records: readonly T[], mutate: (record: T) => void): void {
    if (records.length < 32) {
      for (const record of records) this.update(record, mutate);
      return;
    }
    const before = records.map(this.#isListed);
    this.byModified.removeMany(new Set(records.filter((_, i) => before[i])));
    for (const record of records) mutate(record);
    this.byModified.insertMany(records.filter(this.#isListed));
    records.forEach((record, i) => {
      const isListed = this.#isListed(record);
      if (before[i] && !isListed) this.byCreated.remove(record, record.created);
      if (!before[i] && isListed) this.byCreated.insert(record);
    });
    this.#written();
  }

  remove(record: T): void {
    if (this.#bySeq[record.seq - 1] !== record) return;
    this.#bySeq[record.seq - 1] = undefined;
    this.#count--;
    if (this.#isListed(record)) {
      this.byCreated.remove(record, record.created);
      this.byModified.remove(record, record.modified);
    }
    this.#written();
  }

  /** Answers a list query; `cacheKey` must describe the query completely (filters and order). */
  query(cacheKey: string, plan: QueryPlan<T>): ResultView<T> {
    const cached = this.#cache.get(cacheKey);
    if (cached !== undefined && cached.version === this.#version) return cached.view;
    const view = this.#run(plan);
    if (this.#cache.size >= 16) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(cacheKey, { version: this.#version, view });
    return view;
  }

  /**
   * Up to `limit` records after the query's position in (modified, seq) order, and whether more
   * follow: a binary search plus the page, and a record edited while a client pages moves behind
   * its cursor instead of shifting the others.
   */
  page(query: KeysetQuery<T>, limit: number): { items: T[]; hasMore: boolean } {
    const { items, start, end } = this.#keysetSpan(query);
    const page: T[] = [];
    for (let i = start; i < end; i++) {
      const record = items[i] as T;
      if (query.predicate !== undefined && !query.predicate(record)) continue;
      if (page.length === limit) return { items: page, hasMore: true };
      page.push(record);
    }
    return { items: page, hasMore: false };
  }

  /** How many records match a keyset query's filters (its position ignored); cached until the next write. */
  count(cacheKey: string, query: Omit<KeysetQuery<T>, 'after'>): number {
    const cached = this.#totals.get(cacheKey);
    if (cached !== undefined && cached.version === this.#version) return cached.total;
    const { items, start, end } = this.#keysetSpan(query);
    let total = end - start;
    if (query.predicate !== undefined) {
      total = 0;
      for (let i = start; i < end; i++) if (query.predicate(items[i] as T)) total++;
    }
    if (this.#totals.size >= 64) this.#totals.delete(this.#totals.keys().next().value as string);
    this.#totals.set(cacheKey, { version: this.#version, total });
    return total;
  }

  /** The records in (modified, seq) order and the [start, end) slice the bounds and position select. */
  #keysetSpan(query: KeysetQuery<T>): { items: readonly T[]; start: number; end: number } {
    const after = query.after ?? null;
    if (query.candidates !== undefined) {
      const items = query.candidates
        .filter(
          (record) =>
            within(record, 'modified', query.from, query.to) &&
            (after === null ||
              record.modified > after.time ||
              (record.modified === after.time && record.seq > after.seq)),
        )
        .sort((a, b) => a.modified - b.modified || a.seq - b.seq);
      return { items, start: 0, end: items.length };
    }
    const index = this.byModified;
    const bounds = index.range(query.from, query.to);
    const start =
      after === null ? bounds.start : Math.max(bounds.start, index.lowerBound(after.time, after.seq + 1));
    return { items: index.items, start, end: Math.max(start, bounds.end) };
  }

  #run(plan: QueryPlan<T>): ResultView<T> {
    let items: readonly T[];
    let start: number;
    let end: number;
    let orderedBy: TimeField | null;
    const range = plan.range?.from === undefined && plan.range?.to === undefined ? undefined : plan.range;
    const filters = (plan.filters ?? []).filter((filter) => filter !== null);
    if (plan.candidates !== undefined) {
      items = plan.candidates;
      start = 0;
      end = items.length;
      orderedBy = null;
      if (range !== undefined) filters.push((record) => within(record, range.field, range.from, range.to));
    } else {
      // Without a range, read straight from the index the result is sorted by, if any.
      const field = range?.field ?? ('field' in plan.sort ? plan.sort.field : 'created');
      const index = field === 'created' ? this.byCreated : this.byModified;
      ({ start, end } = index.range(range?.from, range?.to));
      items = index.items;
      orderedBy = field;
    }
    if (filters.length > 0) {
      const matched: T[] = [];
      for (let i = start; i < end; i++) {
        const record = items[i] as T;
        if (filters.every((filter) => filter(record))) matched.push(record);
      }
      items = matched;
      start = 0;
      end = matched.length;
    }
    const sort = plan.sort;
    if ('field' in sort && sort.field === orderedBy)
      return { items, start, end, descending: sort.descending };
    const compare =
      'compare' in sort
        ? sort.compare
        : sort.field === 'created'
          ? (a: T, b: T) => a.created - b.created || a.seq - b.seq
          : (a: T, b: T) => a.modified - b.modified || a.seq - b.seq;
    const sorted = items.slice(start, end).sort(compare);
    return { items: sorted, start: 0, end: sorted.length, descending: sort.descending };
  }

  #written(): void {
    this.#version++;
  }
}
