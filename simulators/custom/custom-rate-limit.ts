import type { Request, RequestHandler, Response } from 'express';
import { RateLimiter, type RateLimitDimension } from '../toolkit/rate-limiter.ts';
import type { CustomRateLimits } from './custom-constants.ts';

const WINDOW_MS = 1000;

/**
 * The contract's limits (requests per rolling second and requests in flight, per API key),
 * enforced by the shared {@link RateLimiter}, plus what the shared limiter does not report: the
 * `RateLimit-*` headers on every answer and `Retry-After` on a 429.
 */
export class CustomRateLimiter {
  readonly #limits: CustomRateLimits | null;
  readonly #limiter: RateLimiter;
  readonly #now: () => number;
  /** Admitted request times within the last second, per key (at most `requestsPerSecond` each). */
  #recent = new Map<string, number[]>();

  constructor(limits: CustomRateLimits | null, now: () => number) {
    this.#limits = limits;
    this.#now = now;
    this.#limiter = new RateLimiter(
      limits === null
        ? false
        : {
            windows: [{ limit: limits.requestsPerSecond, windowMs: WINDOW_MS }],
            maxConcurrent: limits.maxConcurrent,
          },
      { now },
    );
  }

  get limits(): CustomRateLimits | null {
    return this.#limits;
  }

  reset(): void {
    this.#limiter.reset();
    this.#recent.clear();
  }

  middleware(options: {
    keyOf: (request: Request, response: Response) => string;
    onLimited: (request: Request, response: Response, dimension: RateLimitDimension, limit: number) => void;
  }): RequestHandler {
    return (request, response, next) => {
      const limits = this.#limits;
      if (limits === null) {
        next();
        return;
      }
      const key = options.keyOf(request, response);
      const now = this.#now();
      const recent = (this.#recent.get(key) ?? []).filter((time) => time > now - WINDOW_MS);
      this.#recent.set(key, recent);
      const decision = this.#limiter.tryAcquire(key);
      if (!decision.allowed) {
        const oldest = recent[0];
        const retryAfter =
          decision.dimension === 'window' && oldest !== undefined
            ? Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000))
            : 1;
        this.#setHeaders(response, limits, Math.max(0, limits.requestsPerSecond - recent.length), retryAfter);
        response.setHeader('Retry-After', String(retryAfter));
        options.onLimited(request, response, decision.dimension, decision.limit);
        return;
      }
      recent.push(now);
      const oldest = recent[0] ?? now;
      this.#setHeaders(
        response,
        limits,
        limits.requestsPerSecond - recent.length,
        Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)),
      );
      response.once('finish', decision.release);
      response.once('close', decision.release);
      next();
    };
  }

  #setHeaders(response: Response, limits: CustomRateLimits, remaining: number, resetSeconds: number): void {
    response.setHeader('RateLimit-Limit', String(limits.requestsPerSecond));
    response.setHeader('RateLimit-Remaining', String(remaining));
    response.setHeader('RateLimit-Reset', String(resetSeconds));
    response.setHeader('RateLimit-Policy', `${limits.requestsPerSecond};w=1`);
  }
}
