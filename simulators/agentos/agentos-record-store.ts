import { SortedTimeIndex } from '../toolkit/sorted-time-index.ts';

/** Anything stored with a sequence number and created/modified times (ms). */
export interface StoredRecord {
  seq: number;
  created: number;
  modified: number;
}

/** Positions [start, end) of a sorted index that answer one list query. */
export interface ListView<T> {
  items: readonly T[];
  start: number;
  end: number;
}

/**
 * Records of one list, by sequence, plus two indexes over the records the API may show
 * ("listed"): by creation (unfiltered listing) and by modification (the delta filter). A
 * modified-since query is a binary search, never a scan, so a million records stay usable.
 */
export class RecordStore<T extends StoredRecord> {
  readonly #isListed: (record: T) => boolean;
  readonly #byCreated = new SortedTimeIndex<T>(
    (record) => record.created,
    (record) => record.seq,
  );
  readonly #byModified = new SortedTimeIndex<T>(
    (record) => record.modified,
    (record) => record.seq,
  );
  #bySeq: Array<T | undefined> = [];
  #size = 0;

  constructor(isListed: (record: T) => boolean = () => true) {
    this.#isListed = isListed;
  }

  /** Records stored (listed or not). */
  get size(): number {
    return this.#size;
  }

  /** Records the API shows. */
  get listedCount(): number {
    return this.#byCreated.size;
  }

  /** Replaces the contents (initial generation). */
  load(records: T[]): void {
    this.#bySeq = [];
    for (const record of records) this.#bySeq[record.seq - 1] = record;
    this.#size = records.length;
    const listed = records.filter(this.#isListed);
    this.#byCreated.reset([...listed]);
    this.#byModified.reset(listed);
  }

  get(seq: number): T | undefined {
    return this.#bySeq[seq - 1];
  }

  /** Every stored record in sequence order. */
  *values(): IterableIterator<T> {
    for (const record of this.#bySeq) if (record !== undefined) yield record;
  }

  /** Listed records in creation order. */
  listed(): readonly T[] {
    return this.#byCreated.items;
  }

  add(record: T): void {
    this.#bySeq[record.seq - 1] = record;
    this.#size++;
    if (this.#isListed(record)) {
      this.#byCreated.insert(record);
      this.#byModified.insert(record);
    }
  }

  /** Applies `mutate` (which may change `modified` or whether the record is listed) and re-indexes. */
  update(record: T, mutate: (record: T) => void): void {
    const wasListed = this.#isListed(record);
    if (wasListed) this.#byModified.remove(record, record.modified);
    mutate(record);
    const isListed = this.#isListed(record);
    if (isListed) this.#byModified.insert(record);
    if (wasListed && !isListed) this.#byCreated.remove(record, record.created);
    if (!wasListed && isListed) this.#byCreated.insert(record);
  }

  /** Like {@link update} for many records: one pass over the modified index instead of one per record. */
  updateMany(records: readonly T[], mutate: (record: T) => void): void {
    if (records.length < 32) {
      for (const record of records) this.update(record, mutate);
      return;
    }
    const before = records.map(this.#isListed);
    this.#byModified.removeMany(new Set(records.filter((_, i) => before[i])));
    for (const record of records) mutate(record);
    this.#byModified.insertMany(records.filter(this.#isListed));
    records.forEach((record, i) => {
      const isListed = this.#isListed(record);
      if (before[i] && !isListed) this.#byCreated.remove(record, record.created);
      if (!before[i] && isListed) this.#byCreated.insert(record);
    });
  }

  /** Forgets a record (after `mutate` marks it deleted, it is no longer listed). */
  remove(record: T, markDeleted: (record: T) => void): void {
    if (this.#bySeq[record.seq - 1] !== record) return;
    this.update(record, markDeleted);
    this.#bySeq[record.seq - 1] = undefined;
    this.#size--;
  }

  /** Listed records, by creation when no bound is given, else by modification within [from, to]. */
  view(modifiedFrom?: number, modifiedTo?: number): ListView<T> {
    if (modifiedFrom === undefined && modifiedTo === undefined) {
      return { items: this.#byCreated.items, start: 0, end: this.#byCreated.size };
    }
    const { start, end } = this.#byModified.range(modifiedFrom, modifiedTo);
    return { items: this.#byModified.items, start, end };
  }
}

/** One `{offset}/{count}` slice of a view. */
export function sliceOf<T>(view: ListView<T>, offset: number, count: number): T[] {
  const from = view.start + offset;
  const to = Math.min(view.end, from + count);
  const page: T[] = [];
  for (let i = from; i < to; i++) page.push(view.items[i] as T);
  return page;
}

export function viewSize<T>(view: ListView<T>): number {
  return view.end - view.start;
}
