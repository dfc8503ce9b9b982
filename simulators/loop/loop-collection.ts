import { SortedTimeIndex } from '../toolkit/sorted-time-index.ts';

/** Anything stored with a sequence number and created/updated times (ms). */
export interface TimedRecord {
  seq: number;
  created: number;
  updated: number;
}

export type TimeField = 'created' | 'updated';

/** The matches of a list query in order: a slice [start, end) of `items`, read backwards when `descending`. */
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
export function pageOfView<T>(view: ResultView<T>, page: number, pageSize: number): T[] {
  const skip = (page - 1) * pageSize;
  const take = Math.max(0, Math.min(pageSize, viewSize(view) - skip));
  const items: T[] = [];
  for (let i = 0; i < take; i++) {
    items.push(view.items[view.descending ? view.end - 1 - skip - i : view.start + skip + i] as T);
  }
  return items;
}

/** How to answer a list query: narrow by a time index or a candidate list, filter, order. */
export interface QueryPlan<T> {
  /** Both bounds inclusive, answered by binary search. */
  range?: { field: TimeField; from?: number | undefined; to?: number | undefined };
  /** Start from these records instead (e.g. a contact's appointments). */
  candidates?: readonly T[];
  predicate?: (record: T) => boolean;
  sort: { field: TimeField; descending: boolean };
}

/**
 * Records indexed by sequence, creation and update time. An "updated since" query is a binary
 * search, never a scan of the whole store; the views of repeated queries (paging through one
 * result) are cached until the next write.
 */
export class TimedCollection<T extends TimedRecord> {
  readonly byCreated = new SortedTimeIndex<T>(
    (record) => record.created,
    (record) => record.seq,
  );
  readonly byUpdated = new SortedTimeIndex<T>(
    (record) => record.updated,
    (record) => record.seq,
  );
  #bySeq: Array<T | undefined> = [];
  #count = 0;
  #version = 0;
  #cache = new Map<string, { version: number; view: ResultView<T> }>();

  get size(): number {
    return this.#count;
  }

  /** Replaces the contents (initial generation). */
  load(records: T[]): void {
    this.#bySeq = [];
    for (const record of records) this.#bySeq[record.seq - 1] = record;
    this.#count = records.length;
    this.byCreated.reset([...records]);
    this.byUpdated.reset([...records]);
    this.#version++;
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
    this.byCreated.insert(record);
    this.byUpdated.insert(record);
    this.#version++;
  }

  /** Applies `mutate` (which may move `updated`) to each record, keeping the update index sorted. */
  update(records: readonly T[], mutate: (record: T) => void): void {
    if (records.length >= 32) {
      // One pass over the index instead of a splice per record.
      this.byUpdated.removeMany(new Set(records));
      for (const record of records) mutate(record);
      this.byUpdated.insertMany(records);
    } else {
      for (const record of records) {
        this.byUpdated.remove(record, record.updated);
        mutate(record);
        this.byUpdated.insert(record);
      }
    }
    this.#version++;
  }

  remove(record: T): void {
    if (this.#bySeq[record.seq - 1] !== record) return;
    this.#bySeq[record.seq - 1] = undefined;
    this.#count--;
    this.byCreated.remove(record, record.created);
    this.byUpdated.remove(record, record.updated);
    this.#version++;
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

  #run(plan: QueryPlan<T>): ResultView<T> {
    const { field, descending } = plan.sort;
    let items: readonly T[];
    let start: number;
    let end: number;
    let sorted: boolean;
    if (plan.candidates !== undefined) {
      items = plan.candidates;
      start = 0;
      end = items.length;
      sorted = false;
    } else {
      // Read straight from the index of the range, or of the sort when there is no range.
      const indexField = plan.range?.field ?? field;
      const index = indexField === 'created' ? this.byCreated : this.byUpdated;
      ({ start, end } = index.range(plan.range?.from, plan.range?.to));
      items = index.items;
      sorted = indexField === field;
    }
    const range = plan.candidates !== undefined ? plan.range : undefined;
    if (plan.predicate !== undefined || range !== undefined) {
      const matched: T[] = [];
      for (let i = start; i < end; i++) {
        const record = items[i] as T;
        if (range !== undefined) {
          const time = record[range.field];
          if ((range.from !== undefined && time < range.from) || (range.to !== undefined && time > range.to))
            continue;
        }
        if (plan.predicate === undefined || plan.predicate(record)) matched.push(record);
      }
      items = matched;
      start = 0;
      end = matched.length;
    }
    if (sorted) return { items, start, end, descending };
    const ordered = items.slice(start, end).sort((a, b) => a[field] - b[field] || a.seq - b.seq);
    return { items: ordered, start: 0, end: ordered.length, descending };
  }
}
