import { describe, expect, it } from 'vitest';
import type { RunError, SyncRunHandle } from '../ports/sync-store.ts';
import {
  alertForFailedRun,
  cursorAfterSuccess,
  outboundRetryDelaySeconds,
  windowToRun,
  workerDiedError,
} from './run-outcome.ts';

const NOW = new Date('2026-11-20T09:00:00.000Z');
const HOUR = 60 * 60_000;

const run: SyncRunHandle = {
  runId: 'run-1',
  connectionId: 'conn-1',
  organisationId: 'org-1',
  provider: 'reapit',
  window: { start: '2026-11-20T08:00:00.000Z', end: '2026-11-20T09:00:00.000Z', resumeAfter: null },
  resumed: false,
};

function failure(code: string, permanent: boolean) {
  const error: RunError = {
    code,
    message: 'Reapit refused the credentials',
    statusCode: 401,
    externalId: null,
    retryState: permanent ? 'needs_reconnect' : 'will_retry',
  };
  return { error, permanent };
}

describe('the window a run covers', () => {
  it('is a full import up to now when the connection never synced', () => {
    expect(windowToRun({ modifiedSince: null, pending: null }, NOW, 120_000)).toEqual({
      windowStart: null,
      windowEnd: NOW.toISOString(),
      checkpoint: null,
    });
  });

  it('starts at the cursor less the overlap', () => {
    const window = windowToRun({ modifiedSince: '2026-11-20T08:00:00.000Z', pending: null }, NOW, 120_000);
    expect(window.windowStart).toBe('2026-11-20T07:58:00.000Z');
  });

  it('resumes the window a run that died left pending, checkpoint and all', () => {
    const pending = {
      windowStart: '2026-11-19T00:00:00.000Z',
      windowEnd: '2026-11-19T01:00:00.000Z',
      checkpoint: { modifiedAt: '2026-11-19T00:30:00.000Z', idsAtModifiedAt: ['R1'] },
    };
    expect(windowToRun({ modifiedSince: '2026-11-18T00:00:00.000Z', pending }, NOW, 120_000)).toBe(pending);
  });

  it('records a dead worker as a run the next cycle retries', () => {
    expect(workerDiedError(NOW)).toMatchObject({
      code: 'SYNC.WORKER_DIED',
      retryState: 'retry_scheduled',
      at: NOW.toISOString(),
    });
  });
});

describe('closing a run', () => {
  it('moves the cursor to the end of a successful window', () => {
    expect(cursorAfterSuccess(run)).toEqual({ modifiedSince: run.window.end, pending: null });
  });

  it('raises a critical alert with the action that fixes a permanent failure', () => {
    expect(alertForFailedRun(run, failure('ADAPTER.AUTH_INVALID', true), NOW, NOW, HOUR)).toEqual({
      kind: 'credentials_rejected',
      severity: 'critical',
      message: 'Reapit refused the credentials',
      action: 'reconnect',
      dedupeKey: 'credentials_rejected:conn-1',
    });
    expect(alertForFailedRun(run, failure('ADAPTER.PERMISSION_DENIED', true), NOW, NOW, HOUR)).toMatchObject({
      kind: 'permission_denied',
      action: 'check_permissions',
    });
    expect(alertForFailedRun(run, failure('ADAPTER.BAD_RESPONSE', true), NOW, NOW, HOUR)).toMatchObject({
      kind: 'sync_failed',
      action: 'retry_sync',
    });
  });

  it('lets a transient failure retry quietly until the connection has failed for too long', () => {
    const transient = failure('ADAPTER.UNAVAILABLE', false);
    const recently = new Date(NOW.getTime() - HOUR + 1);
    expect(alertForFailedRun(run, transient, recently, NOW, HOUR)).toBeNull();
    const anHourAgo = new Date(NOW.getTime() - HOUR);
    expect(alertForFailedRun(run, transient, anHourAgo, NOW, HOUR)).toEqual({
      kind: 'connection_failing',
      severity: 'warning',
      message: `Syncing has failed since ${anHourAgo.toISOString()}: Reapit refused the credentials`,
      action: 'retry_sync',
      dedupeKey: 'connection_failing:conn-1',
    });
  });
});

describe('retrying failed writes to the CRM', () => {
  it('waits 30 s, then doubles, up to six hours', () => {
    expect([1, 2, 3, 4].map(outboundRetryDelaySeconds)).toEqual([30, 60, 120, 240]);
    expect(outboundRetryDelaySeconds(0)).toBe(30);
    expect(outboundRetryDelaySeconds(40)).toBe(6 * 60 * 60);
  });
});
