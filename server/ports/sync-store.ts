import type { CanonicalContact } from '../../shared/contact.ts';
import type { CrmProvider } from '../../shared/providers.ts';
import type { PageCheckpoint } from './crm-adapter.ts';

/** The cursor stored per connection: completed windows, plus the window a cycle is part-way through. */
export type SyncCursor = {
  /** Everything modified up to this instant (CRM clock, minus overlap) has been reconciled. */
  modifiedSince: string | null;
  /** Set while a cycle runs; a cycle that died leaves it, and the next one re-runs that window. */
  pending: { windowStart: string | null; windowEnd: string; checkpoint: PageCheckpoint | null } | null;
};

export type SyncRunTrigger = 'initial' | 'schedule' | 'manual' | 'webhook' | 'retry';

export type SyncRunHandle = {
  runId: string;
  connectionId: string;
  organisationId: string;
  provider: CrmProvider;
  window: { start: string | null; end: string; resumeAfter: PageCheckpoint | null };
  resumed: boolean;
};

export type PageResult = { created: number; updated: number; merged: number; unchanged: number; rejected: number };

export type RunError = {
  code: string;
  message: string;
  statusCode: number | null;
  externalId: string | null;
  retryState: 'will_retry' | 'retry_scheduled' | 'gave_up' | 'needs_reconnect';
};

/**
 * Persistence the sync cycle needs, and nothing more. Implemented with native batch SQL
 * (server/db/sync-store.ts), so the cycle itself stays free of the ORM.
 */
export interface SyncStore {
  /**
   * Opens a run, or returns null when another live cycle holds the connection. A run left
   * `running` by a dead worker (stale heartbeat) is closed as failed and its window resumed.
   */
  startRun(connectionId: string, trigger: SyncRunTrigger, now: Date, overlapMs: number): Promise<SyncRunHandle | null>;

  /** Reconciles one page and saves its checkpoint in the same transaction. */
  applyContactPage(
    run: SyncRunHandle,
    page: { contacts: CanonicalContact[]; rejected: Array<{ externalId: string | null; reason: string }> },
    checkpoint: PageCheckpoint | null,
    estimatedTotal: number | null,
  ): Promise<PageResult>;

  /** Closes the run; on success the window becomes the connection's new cursor. */
  finishRun(run: SyncRunHandle, outcome: { succeeded: true } | { succeeded: false; error: RunError; permanent: boolean }): Promise<void>;
}
