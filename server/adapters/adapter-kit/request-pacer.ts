import type { RateLimits } from '../../../shared/provider-catalog.ts';
import { PropsyncError } from '../../core/errors.ts';
import { IN_FLIGHT_POLL_MS, type BudgetLimits, type RateBudget } from '../../core/ports/rate-budget.ts';
import { InMemoryRateBudget } from './in-memory-rate-budget.ts';

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

export type RequestPacerOptions = {
  /**
   * Where the window, the requests in flight, the Retry-After hold and the daily count are kept:
   * shared by every process (PostgreSQL) in the product, this process's own by default.
   */
  budget?: RateBudget;
  /** The budget's key: the CRM customer these requests count against (see `AdapterResolver.budgetKeyOf`). */
  key?: string;
  /** Names the CRM in the daily-limit error. */
  providerName?: string;
};

/**
 * Keeps requests inside a provider's documented budget before sending them, instead of waiting
 * for 429s: a rolling window of requests (each counted until a window after it finished), a cap
 * on requests in flight and a daily cap, kept by a `RateBudget` per CRM customer. The cap on this
 * process's own requests in flight is checked here first, so a process at the cap waits for its
 * own answers instead of asking the shared budget.
 */
export class RequestPacer {
  readonly #limits: RateLimits;
  readonly #budget: RateBudget;
  readonly #key: string;
  readonly #providerName: string;
  #inFlight = 0;
  #heldUntil = 0;
  /** Widened after each 429: a provider that still refused us sees more jitter than the margin covers. */
  #marginFraction = WINDOW_MARGIN.fraction;
  readonly #waiting: Array<() => void> = [];

  constructor(limits: RateLimits, options: RequestPacerOptions = {}) {
    this.#limits = limits;
    this.#budget = options.budget ?? new InMemoryRateBudget();
    this.#key = options.key ?? 'local';
    this.#providerName = options.providerName ?? 'The CRM';
  }

  /** `write`: the request changes data, and counts against a separate write budget where the provider has one (Street). */
  async run<T>(operation: () => Promise<T>, options: { write?: boolean } = {}): Promise<T> {
    const slotId = await this.#acquire(options.write ?? false);
    try {
      return await operation();
    } finally {
      // The answer matters more than the bookkeeping: a slot not released expires in the budget.
      await this.#budget.release(this.#key, slotId).catch(() => undefined);
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }

  /** Holds every request of this budget key back for `ms` (a provider's Retry-After), in every process. */
  async holdFor(ms: number): Promise<void> {
    this.#heldUntil = Math.max(this.#heldUntil, Date.now() + ms);
    this.#marginFraction = Math.min(WINDOW_MARGIN.maxFraction, this.#marginFraction * 1.5);
    await this.#budget.holdFor(this.#key, ms);
  }

  async #acquire(write: boolean): Promise<string> {
    while (Date.now() < this.#heldUntil) {
      await sleep(this.#heldUntil - Date.now());
    }
    const maxConcurrent = this.#limits.maxConcurrent ?? Number.POSITIVE_INFINITY;
    while (this.#inFlight >= maxConcurrent) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#inFlight++;
    try {
      for (let polls = 0; ; polls++) {
        const decision = await this.#budget.tryAcquire({
          key: this.#key,
          write,
          limits: this.#budgetLimits(),
        });
        if (decision.granted) return decision.slotId;
        if (decision.reason === 'daily') throw this.#dailyLimitReached(decision.waitMs);
        await sleep(decision.waitMs === IN_FLIGHT_POLL_MS ? pollDelay(polls) : decision.waitMs);
      }
    } catch (error) {
      this.#inFlight--;
      this.#waiting.shift()?.();
      throw error;
    }
  }

  #budgetLimits(): BudgetLimits {
    const documentedMs = this.#limits.windowSeconds * 1000;
    return {
      requests: this.#limits.requests,
      windowMs: documentedMs + Math.max(WINDOW_MARGIN.minMs, documentedMs * this.#marginFraction),
      writeRequests: this.#limits.writeRequests,
      maxConcurrent: this.#limits.maxConcurrent,
      dailyRequests: this.#limits.perDay,
    };
  }

  #dailyLimitReached(waitMs: number): PropsyncError {
    const limit = (this.#limits.perDay ?? 0).toLocaleString('en-GB');
    return new PropsyncError(
      'ADAPTER.DAILY_LIMIT_REACHED',
      `${this.#providerName}'s daily limit of ${limit} requests is used up for this customer; syncing resumes after midnight UTC`,
      { retryAfterSeconds: Math.ceil(waitMs / 1000) },
    );
  }
}

/**
 * Waiting on requests in flight (none of which says when it ends): ask again soon, then less and
 * less often, at jittered moments, so the processes waiting on a slow CRM do not poll the
 * database in step a hundred times a second each.
 */
function pollDelay(polls: number): number {
  return Math.min(IN_FLIGHT_POLL_MS * 2 ** polls, MAX_POLL_MS) * (0.5 + Math.random());
}
const MAX_POLL_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
