import type { HeldLink, ReconciliationDecision } from '../sync/reconciliation.ts';

/** A connection whose reconciliation this process claimed, and how many runs in a row failed before it. */
export type ReconciliationClaim = { connectionId: string; failures: number };

/** Persistence the reconciliation needs (server/infrastructure/db/reconciliation-store.ts). */
export interface ReconciliationStore {
  /**
   * Claims active connections whose reconciliation is due, moving each one's next time an
   * interval on, so one process runs each. A connection seen for the first time is only given
   * its first time, an interval away (its first import is running).
   */
  claimDue(intervalMs: number, limit: number): Promise<ReconciliationClaim[]>;

  /** Asks again for a connection whose reconciliation could not run now (a cycle held it). */
  retryAt(connectionId: string, at: Date): Promise<void>;

  /**
   * How the claimed run ended. `retryAt`: it failed for a passing reason; one more failure in a
   * row, and the next time moves to `retryAt`. Null: it succeeded, or should wait the normal
   * interval; the failures in a row go back to zero and the time the claim set stays.
   */
  recordOutcome(connectionId: string, retryAt: Date | null): Promise<void>;

  /**
   * Holds the connection as a sync cycle does, so no cycle runs meanwhile and the listing shares
   * the CRM's rate budget with nothing else of Propsync's; null when a cycle holds it.
   */
  hold(connectionId: string): Promise<(() => Promise<void>) | null>;

  /** The connection's active links created before `before`, with their miss counts. */
  heldLinks(connectionId: string, before: Date): Promise<HeldLink[]>;

  /** Writes the decision: new miss counts, and deactivated links logged as such. Answers how many were deactivated. */
  apply(connectionId: string, decision: ReconciliationDecision): Promise<number>;
}
