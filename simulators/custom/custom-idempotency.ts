import { createHash } from 'node:crypto';

/** The first successful answer to a keyed write, replayed to every retry. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface Entry {
  fingerprint: string;
  storedAt: number;
  /** Null while the first request is still being handled. */
  answer: StoredAnswer | null;
}

export type IdempotencyOutcome =
  | { kind: 'proceed'; complete: (answer: StoredAnswer) => void; abandon: () => void }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

/** JSON with sorted keys, so key order and whitespace never make two equal bodies differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Idempotency-Key handling (draft-ietf-httpapi-idempotency-key-header): per API key, method, path
 * and key, the first 2xx answer is kept for the retention period and replayed to retries with the
 * same body; a different body under the same key is refused. Failures are not kept.
 */
export class IdempotencyStore {
  readonly #now: () => number;
  readonly #retentionMs: number;
  #entries = new Map<string, Entry>();

  constructor(options: { now: () => number; retentionMs: number }) {
    this.#now = options.now;
    this.#retentionMs = options.retentionMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  begin(scope: string, key: string, body: unknown): IdempotencyOutcome {
    const now = this.#now();
    this.#prune(now);
    const id = `${scope}\u0000${key}`;
    const fingerprint = createHash('sha256').update(canonicalJson(body)).digest('base64url');
    const existing = this.#entries.get(id);
    if (existing !== undefined && now - existing.storedAt < this.#retentionMs) {
      if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return existing.answer === null ? { kind: 'in-progress' } : { kind: 'replay', answer: existing.answer };
    }
    const entry: Entry = { fingerprint, storedAt: now, answer: null };
    this.#entries.set(id, entry);
    return {
      kind: 'proceed',
      complete: (answer) => {
        if (answer.status >= 200 && answer.status < 300) entry.answer = structuredClone(answer);
        else this.#entries.delete(id);
      },
      abandon: () => {
        if (entry.answer === null && this.#entries.get(id) === entry) this.#entries.delete(id);
      },
    };
  }

  clear(): void {
    this.#entries.clear();
  }

  #prune(now: number): void {
    if (this.#entries.size < 10_000) return;
    for (const [id, entry] of this.#entries)
      if (entry.answer !== null && now - entry.storedAt >= this.#retentionMs) this.#entries.delete(id);
  }
}
