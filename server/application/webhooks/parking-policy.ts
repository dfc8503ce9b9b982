import { backoffDelayMs, type RetryPolicy } from '../../core/sync/retry.ts';
import type { CanonicalActivity } from '../../../shared/activity.ts';

/**
 * How long a delivery that cannot be applied yet is retried before it is dead-lettered: after
 * `retry.attempts` failed attempts or `maxParkedMs` since its first failure, whichever comes first.
 * Retries are spaced by the one backoff of server/core/sync/retry.ts.
 */
export type ParkingPolicy = { retry: RetryPolicy; maxParkedMs: number };

export const DEFAULT_PARKING_POLICY: ParkingPolicy = {
  retry: { attempts: 20, baseDelayMs: 30_000, maxDelayMs: 60 * 60_000 },
  maxParkedMs: 24 * 60 * 60_000,
};

export type ParkingDecision = { deadLetter: true } | { deadLetter: false; retryAt: Date };

/** What becomes of a delivery that has just failed once more. */
export function afterFailedAttempt(
  delivery: { attempts: number; parkedSince: Date | null },
  now: Date,
  policy: ParkingPolicy,
): ParkingDecision {
  const attempts = delivery.attempts + 1;
  const parkedForMs = now.getTime() - (delivery.parkedSince ?? now).getTime();
  if (attempts >= policy.retry.attempts || parkedForMs >= policy.maxParkedMs) return { deadLetter: true };
  return { deadLetter: false, retryAt: new Date(now.getTime() + backoffDelayMs(attempts - 1, policy.retry)) };
}

/** The CRM records a delivery carries, named for an admin (ids and types, never content). */
export function describeDeliveryRecords(delivery: {
  eventType: string;
  deliveryKey: string;
  contacts?: ReadonlyArray<{ provenance: { externalId: string } }>;
  activities?: readonly CanonicalActivity[];
  contactIdsToFetch?: readonly string[];
  removedActivityIds?: readonly string[];
}): string {
  const named = [
    ...(delivery.activities ?? []).map(
      (activity) => `${activity.type} ${activity.externalId} of CRM contact ${activity.contactExternalId}`,
    ),
    ...(delivery.contacts ?? []).map((contact) => `CRM contact ${contact.provenance.externalId}`),
    ...(delivery.contactIdsToFetch ?? []).map((id) => `CRM contact ${id}`),
    ...(delivery.removedActivityIds ?? []).map((id) => `deleted CRM record ${id}`),
  ];
  const records =
    named.length === 0
      ? 'no record'
      : named.length <= 3
        ? named.join(', ')
        : `${named.slice(0, 3).join(', ')} and ${named.length - 3} more`;
  return `the ${delivery.eventType} delivery ${delivery.deliveryKey} (${records})`;
}
