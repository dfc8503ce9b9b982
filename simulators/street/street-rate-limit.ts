import type { Request, RequestHandler, Response } from 'express';
import { RateLimiter } from '../toolkit/rate-limiter.ts';
import type { StreetRateLimits } from './street-constants.ts';

const WINDOW_MS = 60_000;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type StreetBudget = 'read' | 'write';

/**
 * Street's two documented budgets per token: 600 GET requests and 100 writes in any rolling
 * minute, counted separately. The shared {@link RateLimiter} admits or refuses; this class also
 * remembers admission times so a 429 can say exactly when the oldest request leaves the window
 * (`Retry-After`, whole seconds, at least 1).
 */
export class StreetRateLimiter {
  readonly #limits: StreetRateLimits | null;
  readonly #now: () => number;
  readonly #limiters: Record<StreetBudget, RateLimiter>;
  /** Admission times inside the current window, per `budget:token`. */
  #admitted = new Map<string, number[]>();

  constructor(limits: StreetRateLimits | null, now: () => number) {
    this.#limits = limits;
    this.#now = now;
    const limiter = (limit: number | undefined) =>
      new RateLimiter(limit === undefined ? false : { windows: [{ limit, windowMs: WINDOW_MS }] }, { now });
    this.#limiters = { read: limiter(limits?.readsPerMinute), write: limiter(limits?.writesPerMinute) };
  }

  get limits(): StreetRateLimits | null {
    return this.#limits;
  }

  reset(): void {
    this.#limiters.read.reset();
    this.#limiters.write.reset();
    this.#admitted.clear();
  }

  static budgetOf(method: string): StreetBudget {
    return READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write';
  }

  /**
   * Counts the request under its budget for the token `keyOf` names; past the budget, sets
   * `Retry-After` and lets `onLimited` write the 429 in Street's error shape.
   */
  middleware(options: {
    keyOf: (request: Request, response: Response) => string;
    onLimited: (
      request: Request,
      response: Response,
      budget: StreetBudget,
      limit: number,
      retryAfterSeconds: number,
    ) => void;
  }): RequestHandler {
    return (request, response, next) => {
      if (this.#limits === null) {
        next();
        return;
      }
      const budget = StreetRateLimiter.budgetOf(request.method);
      const key = `${budget}:${options.keyOf(request, response)}`;
      const now = this.#now();
      const admitted = (this.#admitted.get(key) ?? []).filter((time) => time > now - WINDOW_MS);
      this.#admitted.set(key, admitted);
      const decision = this.#limiters[budget].tryAcquire(key);
      if (!decision.allowed) {
        const oldest = admitted[0] ?? now;
        const retryAfterSeconds = Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
        response.setHeader('Retry-After', String(retryAfterSeconds));
        options.onLimited(request, response, budget, decision.limit, retryAfterSeconds);
        return;
      }
      admitted.push(now);
      response.once('finish', decision.release);
      response.once('close', decision.release);
      next();
    };
  }
}
