import type { CrmProvider } from '../../../shared/providers.ts';
import type { SyncRunError } from '../../../shared/api/sync-run.dto.ts';
import type {
  ActivityPage,
  ContactChange,
  ContactPage as AdapterContactPage,
  OutboundActivity,
  PageCheckpoint,
  PushResult,
} from './crm-adapter.ts';

/** The cursor stored per connection: completed windows, plus the window a cycle is part-way through. */
export type SyncCursor = {
  /** Everything modified up to this instant (CRM clock, minus overlap) has been reconciled. */
  modifiedSince: string | null;
  /** Set while a cycle runs; a cycle that died leaves it, and the next one re-runs that window. */
  pending: {
    windowStart: string | null;
    windowEnd: string;
    checkpoint: PageCheckpoint | null;
    /** Where the window's activity read stands (activities are read after contacts). */
    activityCheckpoint?: PageCheckpoint | null;
  } | null;
};

export type SyncRunTrigger = 'initial' | 'schedule' | 'manual' | 'webhook' | 'retry';

export type SyncRunHandle = {
  runId: string;
  connectionId: string;
  organisationId: string;
  provider: CrmProvider;
  window: {
    start: string | null;
    end: string;
    resumeAfter: PageCheckpoint | null;
    activityResumeAfter?: PageCheckpoint | null;
  };
  resumed: boolean;
};

export type StartRunOutcome =
  { outcome: 'started'; run: SyncRunHandle } | { outcome: 'busy' } | { outcome: 'slot_already_ran' };

/**
 * The records to reconcile in one transaction: an adapter's page as it comes, or a webhook
 * delivery's records (no checkpoint to save, no total to report).
 */
export type ContactPage = AdapterContactPage;

export type PageResult = {
  created: number;
  updated: number;
  merged: number;
  unchanged: number;
  rejected: number;
};

export type ActivityPageResult = {
  /** Activities new or moved to a later stage. */
  recorded: number;
  /** Activities of contacts Propsync does not hold. */
  unmatched: number;
  rejected: number;
  /** The contacts whose signals changed: to rescore. */
  contactIds: string[];
};

/** A provider error of the cycle, as the audit log lists it once stamped with its time. */
export type RunError = Omit<SyncRunError, 'at'>;

/** One queued write to the CRM: changed contact fields, or a nurture outcome (log entry, score, flag). */
export type OutboundWork =
  | { id: string; attempts: number; kind: 'contact_update'; change: ContactChange }
  | { id: string; attempts: number; kind: 'journal_entry' | 'note' | 'metadata'; activity: OutboundActivity };

export type OutboundOutcome =
  { ok: true; result: PushResult } | { ok: false; error: RunError; permanent: boolean };

/**
 * Persistence the sync cycle needs, and nothing more. Implemented with native batch SQL
 * (server/infrastructure/db/sync-store.ts), so the cycle itself stays free of the ORM.
 */
export interface SyncStore {
  /**
   * Opens a run and holds the connection until `finishRun`; answers `busy` when another live
   * cycle (in any process) holds it, and `slot_already_ran` when `scheduledFor` names a scheduled
   * slot that already has its run. A run left `running` by a dead worker is closed as failed and
   * its window resumed.
   */
  startRun(
    connectionId: string,
    trigger: SyncRunTrigger,
    now: Date,
    overlapMs: number,
    scheduledFor?: Date | null,
  ): Promise<StartRunOutcome>;

  /** Reconciles one page and saves its checkpoint (when it has one) in the same transaction. */
  applyContactPage(run: SyncRunHandle, page: ContactPage): Promise<PageResult>;

  /**
   * Stores one page of the CRM's activities for the run's connection (each once, a later stage
   * replacing an earlier one) and saves its checkpoint in the same transaction. Activities of
   * contacts Propsync does not hold (never imported, hidden by the CRM) are counted, not stored.
   */
  applyActivityPage(run: SyncRunHandle, page: ActivityPage): Promise<ActivityPageResult>;

  /**
   * Takes up to `limit` due writes of the run's connection (the run holds the connection); none
   * while its field mapping awaits the admin's confirmation (they stay queued until then).
   */
  claimOutboundWrites(run: SyncRunHandle, limit: number): Promise<OutboundWork[]>;

  /** Records a write's result: done, or failed with its retry state and next attempt time. */
  recordOutboundWrite(run: SyncRunHandle, work: OutboundWork, outcome: OutboundOutcome): Promise<void>;

  /** Closes the run; on success the window becomes the connection's new cursor. */
  finishRun(
    run: SyncRunHandle,
    outcome: { succeeded: true } | { succeeded: false; error: RunError; permanent: boolean },
  ): Promise<void>;

  /**
   * A run for changes pushed by webhooks: audited like a cycle, but it neither takes the connection
   * (a delivery must not wait behind a long cycle) nor moves the cursor (the delta sync stays the
   * safety net). Records reconcile through `applyContactPage` like any page.
   */
  openWebhookRun(connectionId: string): Promise<SyncRunHandle>;
  closeWebhookRun(run: SyncRunHandle, errors: RunError[]): Promise<void>;

  /** Marks links to records the CRM deleted or archived inactive; the contacts and history stay. */
  deactivateLinks(run: SyncRunHandle, externalIds: string[]): Promise<number>;
}
