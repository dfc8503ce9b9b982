/**
 * The periodic reconciliation of a connection's id set with the CRM's, decided without a
 * database: a CRM deletion whose webhook was lost still deactivates its link, but only after two
 * consecutive complete listings missed the record, and never on a run that failed or stopped part
 * way (a missing page must not read as deleted records).
 */

import { backoffCeilingMs } from './retry.ts';

/** Consecutive complete listings that must miss a record before its link is deactivated. */
export const MISSES_BEFORE_DEACTIVATION = 2;

/** An active link Propsync holds to a CRM record, and how many listings in a row have missed it. */
export type HeldLink = { externalId: string; misses: number };

export type ReconciliationListing = {
  /** True only when every page was read without error, to the end. */
  complete: boolean;
  /** Every record id the CRM listed. */
  listed: ReadonlySet<string>;
};

export type ReconciliationDecision = {
  /** Links to deactivate (history kept). */
  deactivate: string[];
  /** Links whose miss count changes, with their new count. */
  misses: HeldLink[];
};

export function decideReconciliation(
  held: readonly HeldLink[],
  listing: ReconciliationListing,
): ReconciliationDecision {
  if (!listing.complete) return { deactivate: [], misses: [] };
  const deactivate: string[] = [];
  const misses: HeldLink[] = [];
  for (const link of held) {
    if (listing.listed.has(link.externalId)) {
      if (link.misses > 0) misses.push({ externalId: link.externalId, misses: 0 });
      continue;
    }
    const missed = link.misses + 1;
    if (missed >= MISSES_BEFORE_DEACTIVATION) {
      deactivate.push(link.externalId);
      // Counted afresh should the record come back and be linked again.
      misses.push({ externalId: link.externalId, misses: 0 });
    } else {
      misses.push({ externalId: link.externalId, misses: missed });
    }
  }
  return { deactivate, misses };
}

/** A reconciliation that failed for a passing reason is tried again this much later, at first. */
export const RECONCILIATION_FIRST_RETRY_MS = 5 * 60_000;
/** However many failures in a row, a retry never waits longer than this. */
export const RECONCILIATION_MAX_RETRY_MS = 4 * 60 * 60_000;

/**
 * When a reconciliation that failed for a passing reason (the CRM unavailable, a timeout, the
 * database) runs again: 5 minutes after the first failure in a row, doubling with each further
 * one, capped at 4 hours and at half the normal interval, so a failed run is always retried
 * before the next regular one would have come. A run that succeeds, or fails in a way that would
 * fail again at once (a record the adapter cannot identify, refused credentials), waits the
 * normal interval.
 */
export function reconciliationRetryDelayMs(failuresInARow: number, intervalMs: number): number {
  const ceiling = backoffCeilingMs(Math.max(0, failuresInARow - 1), {
    baseDelayMs: RECONCILIATION_FIRST_RETRY_MS,
    maxDelayMs: RECONCILIATION_MAX_RETRY_MS,
  });
  return Math.min(ceiling, intervalMs / 2);
}
