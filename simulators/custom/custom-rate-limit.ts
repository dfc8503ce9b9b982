import type { RequestHandler, Response } from 'express';
import { perSecondLimits, rateLimitMiddleware, type RateLimiter } from '../toolkit/rate-limiter.ts';
import type { CustomRateLimits } from './custom-constants.ts';
import { sendProblem } from './custom-http.ts';
import type { ResolvedApiKey } from './custom-api.routes.ts';

const LIMIT_DETAILS = {
  window: (limit: number) =>
    `At most ${limit} requests per second are allowed per API key: wait for Retry-After`,
  concurrency: (limit: number) => `At most ${limit} concurrent requests are allowed per API key`,
  daily: (limit: number) => `The daily limit of ${limit} requests has been reached`,
} as const;

/** The toolkit limiter's configuration for the contract's limits, per API key. */
export function customLimitConfig(limits: CustomRateLimits | null) {
  return limits === null ? (false as const) : perSecondLimits(limits);
}

/**
 * The contract's limits, per API key, with what it adds to a plain 429: `RateLimit-*` headers on
 * every answer and `Retry-After` when refused (the wait until the oldest request of the second
 * leaves the window; 1 s for the in-flight limit).
 */
export function customRateLimit(limiter: RateLimiter, now: () => number): RequestHandler {
  const labelOf = (response: Response) => (response.locals.customApiKey as ResolvedApiKey).label;
  const report = (response: Response) => {
    const usage = limiter.windowUsage(labelOf(response));
    if (usage === null) return 1;
    const wait = Math.max(1, Math.ceil(((usage.oldest ?? now()) + usage.windowMs - now()) / 1000));
    response.setHeader('RateLimit-Limit', String(usage.limit));
    response.setHeader('RateLimit-Remaining', String(Math.max(0, usage.limit - usage.used)));
    response.setHeader('RateLimit-Reset', String(wait));
    response.setHeader('RateLimit-Policy', `${usage.limit};w=1`);
    return wait;
  };
  return rateLimitMiddleware(limiter, {
    keyOf: (_request, response) => labelOf(response),
    onAdmitted: (_request, response) => void report(response),
    onLimited: (_request, response, dimension, limit) => {
      const wait = report(response);
      const retryAfter = dimension === 'window' ? wait : 1;
      response.setHeader('RateLimit-Reset', String(retryAfter));
      response.setHeader('Retry-After', String(retryAfter));
      sendProblem(response, 'rate-limited', LIMIT_DETAILS[dimension](limit));
    },
  });
}
