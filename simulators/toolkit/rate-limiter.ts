import type { Request, RequestHandler, Response } from 'express';

/** At most `limit` requests in any rolling window of `windowMs` (e.g. 20 per 1,000 ms). */
export interface RateLimitWindow {
  limit: number;
  windowMs: number;
}

/** Limits one simulator enforces; every part is optional. */
export interface RateLimitConfig {
  /** Rolling windows, all enforced (e.g. 20/second and 600/minute). */
  windows?: readonly RateLimitWindow[];
  /** Requests in flight at once. */
  maxConcurrent?: number;
  /** Requests per UTC calendar day. */
  dailyLimit?: number;
}

/** A 429's detail once a daily cap is reached: the same words in every CRM that states one. */
export const dailyLimitReached = (limit: number): string =>
  `Too many requests: the daily limit of ${limit} requests has been reached`;

/** `requestsPerSecond` in any rolling second and `maxConcurrent` in flight, as most CRMs state them. */
export function perSecondLimits(limits: {
  requestsPerSecond: number;
  maxConcurrent: number;
}): RateLimitConfig {
  return {
    windows: [{ limit: limits.requestsPerSecond, windowMs: 1000 }],
    maxConcurrent: limits.maxConcurrent,
  };
}

export type RateLimitDimension = 'window' | 'concurrency' | 'daily';

/**
 * The keys each dimension counts under. A CRM may count requests per second per application but
 * concurrency per customer: pass different keys. A plain string uses one key for all three.
 */
export interface RateLimitKeys {
  window: string;
  concurrency: string;
  daily: string;
}

export type RateLimitDecision =
  { allowed: true; release: () => void } | { allowed: false; dimension: RateLimitDimension; limit: number };

/** Sliding log in a ring buffer: O(1) per request, exact, no timers. */
class WindowLog {
  readonly #stamps: Float64Array;
  #next = 0;
  #filled = 0;

  constructor(limit: number) {
    this.#stamps = new Float64Array(Math.max(1, limit));
  }

  /** True when another request fits the window at time `now`. */
  fits(now: number, windowMs: number): boolean {
    if (this.#filled < this.#stamps.length) return true;
    // The oldest of the last `limit` requests must have left the window.
    return (this.#stamps[this.#next] ?? 0) <= now - windowMs;
  }

  /** Requests within the window at `now`, and the earliest of them (null when none). */
  usage(now: number, windowMs: number): { used: number; oldest: number | null } {
    let used = 0;
    let oldest: number | null = null;
    for (let i = 0; i < this.#filled; i++) {
      const stamp = this.#stamps[i] as number;
      if (stamp <= now - windowMs) continue;
      used++;
      if (oldest === null || stamp < oldest) oldest = stamp;
    }
    return { used, oldest };
  }

  record(now: number): void {
    this.#stamps[this.#next] = now;
    this.#next = (this.#next + 1) % this.#stamps.length;
    if (this.#filled < this.#stamps.length) this.#filled++;
  }
}

/**
 * Per-key rate limiting for simulators: rolling windows, concurrency and a daily cap. Denied
 * requests do not use up budget. `false` disables it (benchmarks).
 */
export class RateLimiter {
  readonly #now: () => number;
  #config: RateLimitConfig | false;
  #windowLogs = new Map<string, WindowLog[]>();
  #inFlight = new Map<string, number>();
  #daily = new Map<string, { day: number; count: number }>();

  constructor(config: RateLimitConfig | false, options: { now?: () => number } = {}) {
    this.#config = config;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#config !== false;
  }

  /** Replaces the limits and forgets all counts. */
  configure(config: RateLimitConfig | false): void {
    this.#config = config;
    this.reset();
  }

  /** Forgets all counts (in-flight counts included: call only between test cases). */
  reset(): void {
    this.#windowLogs.clear();
    this.#inFlight.clear();
    this.#daily.clear();
  }

  inFlight(key: string): number {
    return this.#inFlight.get(key) ?? 0;
  }

  /**
   * Where `key` stands in the first rolling window (for `RateLimit-*` style headers), or null
   * when limits are off or there is no window.
   */
  windowUsage(key: string): { limit: number; windowMs: number; used: number; oldest: number | null } | null {
    const window = this.#config === false ? undefined : this.#config.windows?.[0];
    if (window === undefined) return null;
    const log = this.#windowLogs.get(key)?.[0];
    const usage = log === undefined ? { used: 0, oldest: null } : log.usage(this.#now(), window.windowMs);
    return { limit: window.limit, windowMs: window.windowMs, ...usage };
  }

  /** Admits a request or says which limit it hit. An admitted request must be released once. */
  tryAcquire(key: string | RateLimitKeys): RateLimitDecision {
    const config = this.#config;
    if (config === false) return { allowed: true, release: () => {} };
    const keys = typeof key === 'string' ? { window: key, concurrency: key, daily: key } : key;
    const now = this.#now();
    const today = Math.floor(now / 86_400_000);

    // Check everything first so a denial does not consume any budget.
    const windows = config.windows ?? [];
    let logs = this.#windowLogs.get(keys.window);
    if (logs === undefined) {
      logs = windows.map((window) => new WindowLog(window.limit));
      this.#windowLogs.set(keys.window, logs);
    }
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i] as RateLimitWindow;
      if (!(logs[i] as WindowLog).fits(now, window.windowMs))
        return { allowed: false, dimension: 'window', limit: window.limit };
    }
    const inFlight = this.#inFlight.get(keys.concurrency) ?? 0;
    if (config.maxConcurrent !== undefined && inFlight >= config.maxConcurrent) {
      return { allowed: false, dimension: 'concurrency', limit: config.maxConcurrent };
    }
    let daily = this.#daily.get(keys.daily);
    if (daily === undefined || daily.day !== today) {
      daily = { day: today, count: 0 };
      this.#daily.set(keys.daily, daily);
    }
    if (config.dailyLimit !== undefined && daily.count >= config.dailyLimit) {
      return { allowed: false, dimension: 'daily', limit: config.dailyLimit };
    }

    for (const log of logs) log.record(now);
    daily.count++;
    this.#inFlight.set(keys.concurrency, inFlight + 1);
    let released = false;
    return {
      allowed: true,
      release: () => {
        if (released) return;
        released = true;
        const current = this.#inFlight.get(keys.concurrency) ?? 0;
        if (current <= 1) this.#inFlight.delete(keys.concurrency);
        else this.#inFlight.set(keys.concurrency, current - 1);
      },
    };
  }
}

export interface RateLimitMiddlewareOptions {
  /** The key(s) to count the request under; null skips limiting for this request. */
  keyOf: (request: Request, response: Response) => string | RateLimitKeys | null;
  /** Writes the 429 (each CRM has its own body and headers). */
  onLimited: (request: Request, response: Response, dimension: RateLimitDimension, limit: number) => void;
  /** Runs for an admitted request before it is handled (e.g. to report the remaining budget). */
  onAdmitted?: (request: Request, response: Response) => void;
}

/**
 * Express middleware over a {@link RateLimiter}. The concurrency slot is held until the response
 * finishes or the connection closes, so slow, held or dropped requests count as in flight.
 */
export function rateLimitMiddleware(
  limiter: RateLimiter,
  options: RateLimitMiddlewareOptions,
): RequestHandler {
  return (request, response, next) => {
    if (!limiter.enabled) {
      next();
      return;
    }
    const key = options.keyOf(request, response);
    if (key === null) {
      next();
      return;
    }
    const decision = limiter.tryAcquire(key);
    if (!decision.allowed) {
      options.onLimited(request, response, decision.dimension, decision.limit);
      return;
    }
    response.once('finish', decision.release);
    response.once('close', decision.release);
    options.onAdmitted?.(request, response);
    next();
  };
}
