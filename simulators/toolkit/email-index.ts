import { normaliseEmail } from './uk-contact-format.ts';

/**
 * Records by email address (trimmed, case-insensitive), built on first use and then kept current:
 * most runs never search by email, and a million records should not pay for it at start. `keyOf`
 * folds other values the same way (e.g. phone numbers kept exact).
 */
export class EmailIndex<T extends { seq: number }> {
  readonly #records: () => Iterable<T>;
  readonly #emailsOf: (record: T) => readonly string[];
  readonly #keyOf: (value: string) => string;
  #index: Map<string, T | T[]> | null = null;

  constructor(
    records: () => Iterable<T>,
    emailsOf: (record: T) => readonly string[],
    keyOf: (value: string) => string = normaliseEmail,
  ) {
    this.#records = records;
    this.#emailsOf = emailsOf;
    this.#keyOf = keyOf;
  }

  /** Records holding the address, in sequence order. */
  find(email: string): T[] {
    if (this.#index === null) {
      this.#index = new Map();
      for (const record of this.#records()) this.#add(record, this.#emailsOf(record));
    }
    const found = this.#index.get(this.#keyOf(email));
    if (found === undefined) return [];
    return Array.isArray(found) ? [...found].sort((a, b) => a.seq - b.seq) : [found];
  }

  add(record: T): void {
    if (this.#index !== null) this.#add(record, this.#emailsOf(record));
  }

  remove(record: T): void {
    if (this.#index !== null) this.#remove(record, this.#emailsOf(record));
  }

  /** Runs `change`, which may edit the records' addresses, and re-indexes them. */
  update(records: readonly T[], change: () => void): void {
    const before = this.#index === null ? null : records.map(this.#emailsOf);
    change();
    if (before === null) return;
    records.forEach((record, i) => {
      this.#remove(record, before[i] ?? []);
      this.#add(record, this.#emailsOf(record));
    });
  }

  #add(record: T, emails: readonly string[]): void {
    const index = this.#index!;
    for (const email of emails) {
      const key = this.#keyOf(email);
      if (key === '') continue;
      const existing = index.get(key);
      if (existing === undefined) index.set(key, record);
      else if (Array.isArray(existing)) {
        if (!existing.includes(record)) existing.push(record);
      } else if (existing !== record) index.set(key, [existing, record]);
    }
  }

  #remove(record: T, emails: readonly string[]): void {
    const index = this.#index!;
    for (const email of emails) {
      const key = this.#keyOf(email);
      const existing = index.get(key);
      if (existing === record) index.delete(key);
      else if (Array.isArray(existing)) {
        const remaining = existing.filter((candidate) => candidate !== record);
        if (remaining.length === 0) index.delete(key);
        else index.set(key, remaining.length === 1 ? remaining[0]! : remaining);
      }
    }
  }
}
