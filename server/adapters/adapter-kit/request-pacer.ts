import type { RateLimits } from '../../../shared/provider-catalog.ts';

/**
 * A request leaves our window a full window after it *finished*, not after we sent it: the
 * provider stamps it when it arrives, somewhere in between, and a request that reaches it a few
 * milliseconds late (a new connection, a busy event loop at either end) otherwise shares the
 * provider's window with one we sent a full window later, and is refused. Measured with
 * `npm run bench` (write-back row): stamping at send time, 12–17 of ~260 requests at Reapit's
 * 20/s were 429s and the hold-off after each cut the achieved rate to ~66% of the limit. The
 * small margin covers timer granularity; it widens after a 429 all the same.
 */
const WINDOW_MARGIN = { fraction: 0.01, minMs: 10, maxFraction: 0.2 };

type Slot = { at: number; done: boolean; write: boolean };

/**
 * Keeps requests inside a provider's documented budget before sending them, instead of waiting
 * for 429s: a rolling window of requests (each counted until a window after it finished) plus a
 * cap on requests in flight.
 */
export class RequestPacer {
  readonly #limits: RateLimits;
  #slots: Slot[] = [];
  #inFlight = 0;
  #heldUntil = 0;
  /** Widened after each 429: a provider that still refused us sees more jitter than the margin covers. */
  #marginFraction = WINDOW_MARGIN.fraction;
  readonly #waiting: Array<() => void> = [];

  constructor(limits: RateLimits) {
    this.#limits = limits;
  }

  /** `write`: the request changes data, and counts against a separate write budget where the provider has one (Street). */
  async run<T>(operation: () => Promise<T>, options: { write?: boolean } = {}): Promise<T> {
    const slot = await this.#acquire(options.write ?? false);
    try {
      return await operation();
    } finally {
      slot.at = Date.now();
      slot.done = true;
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }

  /** Holds every request of this connection back for `ms` (a provider's Retry-After). */
  holdFor(ms: number): void {
    this.#heldUntil = Math.max(this.#heldUntil, Date.now() + ms);
    this.#marginFraction = Math.min(WINDOW_MARGIN.maxFraction, this.#marginFraction * 1.5);
  }

  async #acquire(write: boolean): Promise<Slot> {
    while (Date.now() < this.#heldUntil) {
      await new Promise((resolve) => setTimeout(resolve, this.#heldUntil - Date.now()));
    }
    const maxConcurrent = this.#limits.maxConcurrent ?? Number.POSITIVE_INFINITY;
    while (this.#inFlight >= maxConcurrent) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#inFlight++;
    const documentedMs = this.#limits.windowSeconds * 1000;
    const windowMs = documentedMs + Math.max(WINDOW_MARGIN.minMs, documentedMs * this.#marginFraction);
    for (;;) {
      const now = Date.now();
      // Requests still in flight always count; finished ones until a window after they finished.
      this.#slots = this.#slots.filter((slot) => !slot.done || slot.at > now - windowMs);
      const writeBudget = write ? this.#limits.writeRequests : undefined;
      const writes = writeBudget === undefined ? [] : this.#slots.filter((slot) => slot.write);
      const withinTotal = this.#slots.length < this.#limits.requests;
      const withinWrites = writeBudget === undefined || writes.length < writeBudget;
      if (withinTotal && withinWrites) {
        const slot: Slot = { at: now, done: false, write };
        this.#slots.push(slot);
        return slot;
      }
      // Wait until the first finished request of the exhausted budget leaves the window (or, all in flight, a moment).
      const blocking = withinTotal ? writes : this.#slots;
      const leaves = Math.min(...blocking.filter((slot) => slot.done).map((slot) => slot.at + windowMs));
      await new Promise((resolve) => setTimeout(resolve, Number.isFinite(leaves) ? leaves - now + 1 : 10));
    }
  }
}
