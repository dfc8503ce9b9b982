import { PropsyncError } from '../errors.ts';

export type RetryPolicy = { attempts: number; baseDelayMs: number; maxDelayMs: number };

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/** The exponential backoff ceiling: `baseDelayMs` doubled `attempt` times, at most `maxDelayMs`. */
export function backoffCeilingMs(attempt: number, policy: Omit<RetryPolicy, 'attempts'>): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/** Exponential backoff with full jitter; a provider's Retry-After wins when it is longer. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number): number {
  const ceiling = backoffCeilingMs(attempt, policy);
  const jittered = Math.random() * ceiling;
  return retryAfterSeconds !== undefined ? Math.max(jittered, retryAfterSeconds * 1000) : jittered;
}

/** Retries transient failures; permanent ones (bad credentials, validation) fail at once. */
export async function withRetries<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  onRetry?: (error: PropsyncError, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const retryable = error instanceof PropsyncError && error.transient && attempt + 1 < policy.attempts;
      if (!retryable) throw error;
      const delayMs = backoffDelayMs(attempt, policy, error.retryAfterSeconds);
      onRetry?.(error, attempt + 1, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
