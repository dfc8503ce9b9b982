import type { ConflictSummary } from './conflict.dto.ts';
import type { Page } from './page.dto.ts';
import type { CrmProvider } from './provider.dto.ts';

export type SyncTrigger = 'initial' | 'schedule' | 'manual' | 'webhook' | 'retry';
export type SyncRunStatus = 'running' | 'succeeded' | 'partial' | 'failed';
export type SyncDirection = 'inbound' | 'outbound';
export type SyncLogStatus =
  'created' | 'updated' | 'unchanged' | 'merged' | 'deactivated' | 'skipped' | 'error' | 'reimported';

/** One provider error seen during a cycle, with what will happen to it next. */
export type SyncRunError = {
  code: string;
  message: string;
  statusCode: number | null;
  externalId: string | null;
  retryState: 'will_retry' | 'retry_scheduled' | 'gave_up' | 'needs_reconnect';
  at: string;
};

/** One cycle in the audit log list. */
export type SyncRunSummary = {
  id: string;
  connectionId: string;
  provider: CrmProvider;
  providerName: string;
  trigger: SyncTrigger;
  status: SyncRunStatus;
  fullImport: boolean;
  windowStart: string | null;
  windowEnd: string | null;
  startedAt: string;
  finishedAt: string | null;
  recordsFetched: number;
  recordsWritten: number;
  recordsUnchanged: number;
  recordsPushed: number;
  conflictsCount: number;
  duplicatesSuppressed: number;
  errorsCount: number;
  estimatedTotal: number | null;
};

/** One cycle in full: the summary plus every provider error with its status code and retry state. */
export type SyncRunDetail = SyncRunSummary & { errors: SyncRunError[]; heartbeatAt: string };

export type SyncLogEntry = {
  id: number;
  entityType: string;
  direction: SyncDirection;
  externalId: string | null;
  internalId: string | null;
  status: SyncLogStatus;
  errorCode: string | null;
  error: string | null;
  statusCode: number | null;
  createdAt: string;
};

/** `syncRuns.get`: one cycle, the first page of its log and its conflicts. */
export type SyncRunDetails = {
  run: SyncRunDetail;
  log: Page<SyncLogEntry>;
  conflicts: Page<ConflictSummary>;
};

export type SyncHistoryPoint = {
  runId: string;
  connectionId: string;
  startedAt: string;
  status: SyncRunStatus;
  recordsIn: number;
  recordsOut: number;
  errors: number;
};

/** The audit log's filters (`syncRuns.list` without paging). */
export type SyncRunFilters = {
  connectionId?: string;
  status?: SyncRunStatus;
  /** inbound: the cycle fetched records from the CRM; outbound: it pushed records to the CRM. */
  syncDirection?: SyncDirection;
  /** Inclusive lower bound on the start time (ISO timestamp or date). */
  from?: string;
  /** Upper bound on the start time: exclusive for a timestamp, the whole day for a date. */
  to?: string;
};
