import { TimedCollection, type TimedRecord } from './timed-collection.ts';

/**
 * A {@link TimedCollection} that numbers what it stores (from 1, in insertion order) and, given
 * `ownerOf`, finds records by their owner (a contact's notes, appointments, log entries): what a
 * CRM dataset keeps for each kind of record it adds to.
 */
export class NumberedCollection<T extends TimedRecord, Owner = number> extends TimedCollection<T> {
  readonly #byOwner = new Map<Owner, T[]>();
  readonly #ownerOf: ((record: T) => Owner) | undefined;
  #nextSeq = 1;

  constructor(options: { ownerOf?: (record: T) => Owner; isListed?: (record: T) => boolean } = {}) {
    super(options.isListed);
    this.#ownerOf = options.ownerOf;
  }

  /** The sequence the next stored record gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Replaces the contents with generated records numbered 1…n. */
  override load(records: T[]): void {
    super.load(records);
    this.#nextSeq = records.length + 1;
    this.#byOwner.clear();
    for (const record of records) this.#index(record);
  }

  /** Stores a new record under the next sequence number. */
  insert(fields: Omit<T, 'seq'>): T {
    const record = { ...fields, seq: this.#nextSeq++ } as T;
    this.add(record);
    this.#index(record);
    return record;
  }

  /** Records of `owner`, oldest first. */
  of(owner: Owner): readonly T[] {
    return this.#byOwner.get(owner) ?? [];
  }

  #index(record: T): void {
    if (this.#ownerOf === undefined) return;
    const owner = this.#ownerOf(record);
    const list = this.#byOwner.get(owner);
    if (list === undefined) this.#byOwner.set(owner, [record]);
    else list.push(record);
  }
}
