import type { RateLimits } from '../../../shared/provider-catalog.ts';

/**
 * Keeps requests inside a provider's documented budget before sending them, instead of waiting
 * for 429s: a rolling window of start times plus a cap on requests in flight.
 */
export class RequestPacer {
  readonly #limits: RateLimits;
  readonly #startedAt: number[] = [];
  #inFlight = 0;
  #heldUntil = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limits: RateLimits) {
    this.#limits = limits;
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await operation();
    } finally {
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }

  /** Holds every request of this connection back for `ms` (a provider's Retry-After). */
  holdFor(ms: number): void {
    this.#heldUntil = Math.max(this.#heldUntil, Date.now() + ms);
  }

  async #acquire(): Promise<void> {
    while (Date.now() < this.#heldUntil) {
      await new Promise((resolve) => setTimeout(resolve, this.#heldUntil - Date.now()));
    }
    const maxConcurrent = this.#limits.maxConcurrent ?? Number.POSITIVE_INFINITY;
    while (this.#inFlight >= maxConcurrent) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#inFlight++;
    const windowMs = this.#limits.windowSeconds * 1000;
    for (;;) {
      const now = Date.now();
      while (this.#startedAt.length > 0 && this.#startedAt[0]! <= now - windowMs) this.#startedAt.shift();
      if (this.#startedAt.length < this.#limits.requests) {
        this.#startedAt.push(now);
        return;
      }
      // Wait until the oldest request leaves the window (plus a millisecond against clock granularity).
      await new Promise((resolve) => setTimeout(resolve, this.#startedAt[0]! + windowMs - now + 1));
    }
  }
}
