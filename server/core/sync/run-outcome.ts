import type { RunError, SyncCursor, SyncRunHandle } from '../ports/sync-store.ts';

/**
 * What opening and closing a run decide, apart from storing it: which window a run covers, the
 * cursor a success leaves, and which failures need a person (an alert).
 */

export type RunFailure = { error: RunError; permanent: boolean };

/** An open alert on the connection; one per connection and kind (the dedupe key). */
export type RunAlert = {
  kind: string;
  severity: 'warning' | 'critical';
  message: string;
  action: string;
  dedupeKey: string;
};

/**
 * The window a new run covers: the window a dead run left pending, or everything modified since
 * the cursor (less the overlap, for CRM clocks and late commits) up to now; no start means a full import.
 */
export function windowToRun(
  cursor: SyncCursor,
  now: Date,
  overlapMs: number,
): NonNullable<SyncCursor['pending']> {
  return (
    cursor.pending ?? {
      windowStart: cursor.modifiedSince
        ? new Date(Date.parse(cursor.modifiedSince) - overlapMs).toISOString()
        : null,
      windowEnd: now.toISOString(),
      checkpoint: null,
    }
  );
}

/** Recorded on a run left running by a worker that stopped: the next cycle re-runs its window. */
export function workerDiedError(now: Date): RunError & { at: string } {
  return {
    code: 'SYNC.WORKER_DIED',
    message: 'The worker running this cycle stopped part-way; the next cycle re-ran the same window',
    statusCode: null,
    externalId: null,
    retryState: 'retry_scheduled',
    at: now.toISOString(),
  };
}

/** A successful run's window becomes the connection's reconciled past. */
export function cursorAfterSuccess(run: SyncRunHandle): SyncCursor {
  return { modifiedSince: run.window.end, pending: null };
}

/**
 * The alert a failed run raises, if any. A permanent failure needs a person now; a transient one
 * only once the connection has been failing for `failingAlertAfterMs` (one alert per failing spell).
 */
export function alertForFailedRun(
  run: SyncRunHandle,
  failure: RunFailure,
  failingSince: Date | null,
  now: Date,
  failingAlertAfterMs: number,
): RunAlert | null {
  if (failure.permanent) {
    const { kind, action } = permanentAlertKind(failure.error);
    return {
      kind,
      severity: 'critical',
      message: failure.error.message,
      action,
      dedupeKey: `${kind}:${run.connectionId}`,
    };
  }
  if (!failingSince || now.getTime() - failingSince.getTime() < failingAlertAfterMs) return null;
  return {
    kind: 'connection_failing',
    severity: 'warning',
    message: `Syncing has failed since ${failingSince.toISOString()}: ${failure.error.message}`,
    action: 'retry_sync',
    dedupeKey: `connection_failing:${run.connectionId}`,
  };
}

/** The host event a newly raised alert sends: hosts tell their own users about a connection in trouble. */
export function hostEventForAlert(alert: RunAlert): ConnectionHealthEvent {
  return alert.kind === 'credentials_rejected' ? 'connection.credentials_rejected' : 'connection.failing';
}

/** Connection health as the host hears it: each sent once per transition. */
export type ConnectionHealthEvent =
  'connection.failing' | 'connection.credentials_rejected' | 'connection.recovered';

function permanentAlertKind(error: RunError): { kind: string; action: string } {
  if (error.code === 'ADAPTER.AUTH_INVALID') return { kind: 'credentials_rejected', action: 'reconnect' };
  if (error.code === 'ADAPTER.PERMISSION_DENIED')
    return { kind: 'permission_denied', action: 'check_permissions' };
  return { kind: 'sync_failed', action: 'retry_sync' };
}

/** Failed writes wait 30 s, 1, 2, 4… minutes, capped at six hours, before the next cycle retries them. */
export function outboundRetryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempts - 1), 6 * 60 * 60);
}
