import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('enforces a rolling window without letting denials use budget', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ windows: [{ limit: 3, windowMs: 1000 }] }, { now: () => now });
    const results = Array.from({ length: 5 }, () => limiter.tryAcquire('a'));
    expect(results.map((result) => result.allowed)).toEqual([true, true, true, false, false]);
    expect(limiter.tryAcquire('b').allowed).toBe(true);
    now += 999;
    expect(limiter.tryAcquire('a').allowed).toBe(false);
    now += 1;
    expect(limiter.tryAcquire('a').allowed).toBe(true);
  });

  it('counts concurrency until release, and a daily cap per UTC day', () => {
    let now = Date.UTC(2025, 0, 1, 23, 59);
    const limiter = new RateLimiter({ maxConcurrent: 2, dailyLimit: 3 }, { now: () => now });
    const first = limiter.tryAcquire('k');
    const second = limiter.tryAcquire('k');
    const third = limiter.tryAcquire('k');
    expect(third).toEqual({ allowed: false, dimension: 'concurrency', limit: 2 });
    if (first.allowed) {
      first.release();
      first.release();
    }
    expect(limiter.inFlight('k')).toBe(1);
    const fourth = limiter.tryAcquire('k');
    expect(fourth.allowed).toBe(true);
    if (second.allowed) second.release();
    if (fourth.allowed) fourth.release();
    expect(limiter.tryAcquire('k')).toEqual({ allowed: false, dimension: 'daily', limit: 3 });
    now += 2 * 60_000;
    expect(limiter.tryAcquire('k').allowed).toBe(true);
  });

  it('can key dimensions separately and be disabled', () => {
    const limiter = new RateLimiter({ windows: [{ limit: 1, windowMs: 60_000 }], maxConcurrent: 5 });
    expect(limiter.tryAcquire({ window: 'app', concurrency: 'customer-1', daily: 'app' }).allowed).toBe(true);
    expect(limiter.tryAcquire({ window: 'app', concurrency: 'customer-2', daily: 'app' })).toMatchObject({
      allowed: false,
      dimension: 'window',
    });
    limiter.configure(false);
    expect(Array.from({ length: 100 }, () => limiter.tryAcquire('app').allowed).every(Boolean)).toBe(true);
  });
});
