import { PropsyncError } from '../errors.ts';
import type { CoreLogger as Logger } from '../ports/logger.ts';
import type { CrmAdapter, PageCheckpoint, PushResult } from '../ports/crm-adapter.ts';
import type {
  OutboundWork,
  RunError,
  SyncRunHandle,
  SyncRunTrigger,
  SyncStore,
} from '../ports/sync-store.ts';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry.ts';

/** Writes claimed at a time: small, so the push budget below is checked often even at 50 requests a minute. */
const OUTBOUND_BATCH = 10;
/**
 * How long one cycle pushes before it hands its place in the queue on: a CRM limited to 50
 * requests a minute would otherwise hold a worker slot for minutes while other agencies' cycles
 * wait. What is left goes out with the follow-up cycle it asks for.
 */
const OUTBOUND_BUDGET_MS = 20_000;
/** Writes in flight per connection; the adapter's pacer still holds each provider to its own limits. */
const OUTBOUND_CONCURRENCY = 4;
/** A refused write (429 after Retry-After, a timeout, a 5xx) is retried a few times in the cycle before waiting for the next. */
const OUTBOUND_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 10_000 };

export type SyncCycleDependencies = {
  store: SyncStore;
  adapterFor: (connectionId: string) => Promise<CrmAdapter>;
  logger: Logger;
  /** Each window re-reads this much before the cursor, against clock skew between CRM and us. */
  overlapMs?: number;
  retryPolicy?: RetryPolicy;
  now?: () => Date;
  onProgress?: (progress: {
    runId: string;
    connectionId: string;
    fetched: number;
    estimatedTotal: number | null;
  }) => void;
  /** Rescoring after the activities (the engagement service): the contacts they changed, and any left pending. */
  onSignals?: (organisationId: string, contactIds: string[], connectionId: string) => Promise<unknown>;
  /** Observes every finished cycle (metrics). */
  onFinished?: (cycle: CycleObservation) => void;
  /** Asks for another cycle of the connection (queued behind others): its writes outlasted the push budget. */
  requestFollowUp?: (connectionId: string) => Promise<unknown>;
  /** The push budget of one cycle (test hook; default 20 s). */
  outboundBudgetMs?: number;
};

export type CycleObservation = {
  provider: string;
  status: 'succeeded' | 'failed';
  durationMs: number;
  fetched: number;
  pushed: number;
  errorCode: string | null;
};

export type SyncCycleResult =
  | { status: 'busy' | 'slot_already_ran' }
  | {
      status: 'succeeded' | 'failed';
      runId: string;
      created: number;
      updated: number;
      merged: number;
      unchanged: number;
      rejected: number;
      /** Activities new or moved to a later stage. */
      activities?: number;
      pushed?: number;
      error?: RunError;
    };

/**
 * One delta-sync cycle of one connection: open a run over the cursor's window, reconcile the
 * CRM's pages one transaction at a time, close the run. Transient failures resume from the last
 * committed page with backoff; permanent ones mark the connection and stop.
 */
export async function runSyncCycle(
  deps: SyncCycleDependencies,
  connectionId: string,
  trigger: SyncRunTrigger,
  scheduledFor: Date | null = null,
): Promise<SyncCycleResult> {
  const now = deps.now ?? (() => new Date());
  const started = await deps.store.startRun(
    connectionId,
    trigger,
    now(),
    deps.overlapMs ?? 2 * 60_000,
    scheduledFor,
  );
  if (started.outcome !== 'started') return { status: started.outcome };
  const run = started.run;
  const startedAt = performance.now();
  const log = deps.logger.child({ connectionId, runId: run.runId, provider: run.provider });
  log.info({ window: run.window, resumed: run.resumed, trigger }, 'sync cycle started');
  const totals = { created: 0, updated: 0, merged: 0, unchanged: 0, rejected: 0 };
  const policy = deps.retryPolicy ?? DEFAULT_RETRY_POLICY;
  let fetched = 0;
  let activities = 0;
  try {
    const adapter = await deps.adapterFor(connectionId);
    const readAll = <P extends { checkpoint: PageCheckpoint | null }>(
      read: (resumeAfter: PageCheckpoint | null) => AsyncIterable<P>,
      resumeAfter: PageCheckpoint | null,
      apply: (page: P) => Promise<void>,
    ) => readResumably(read, resumeAfter, apply, policy, log);
    await readAll(
      (resumeAfter) =>
        adapter.syncContacts({ modifiedFrom: run.window.start, modifiedTo: run.window.end, resumeAfter }),
      run.window.resumeAfter,
      async (page) => {
        const result = await deps.store.applyContactPage(run, page);
        totals.created += result.created;
        totals.updated += result.updated;
        totals.merged += result.merged;
        totals.unchanged += result.unchanged;
        totals.rejected += result.rejected;
        fetched += page.contacts.length + page.rejected.length;
        deps.onProgress?.({ runId: run.runId, connectionId, fetched, estimatedTotal: page.estimatedTotal });
      },
    );
    // Activities after contacts, over the same window, so a new contact's viewing finds its contact.
    const toRescore = new Set<string>();
    await readAll(
      (resumeAfter) =>
        adapter.syncActivities({
          modifiedFrom: activitiesFrom(run.window),
          modifiedTo: run.window.end,
          resumeAfter,
        }),
      run.window.activityResumeAfter ?? null,
      async (page) => {
        const result = await deps.store.applyActivityPage(run, page);
        activities += result.recorded;
        totals.rejected += result.rejected;
        for (const contactId of result.contactIds) toRescore.add(contactId);
      },
    );
    // Called with no new signals too: it also catches up contacts left pending by a stopped process.
    if (deps.onSignals) {
      // The activities are stored and marked: a failed rescoring is caught up later, not retried here.
      await deps
        .onSignals(run.organisationId, [...toRescore], connectionId)
        .catch((error: unknown) =>
          log.error(
            { err: error },
            'rescoring after new activities failed; the scheduled rescoring will catch up',
          ),
        );
    }
    const { pushed, writesLeft } = await pushOutboundWrites(
      deps.store,
      run,
      adapter,
      performance.now() + (deps.outboundBudgetMs ?? OUTBOUND_BUDGET_MS),
    );
    if (writesLeft) {
      await deps
        .requestFollowUp?.(connectionId)
        .catch((error: unknown) =>
          log.warn(
            { err: error },
            'could not queue the follow-up cycle; the next scheduled one pushes the rest',
          ),
        );
    }
    await deps.store.finishRun(run, { succeeded: true });
    log.info({ ...totals, activities, pushed }, 'sync cycle finished');
    deps.onFinished?.({
      provider: run.provider,
      status: 'succeeded',
      durationMs: performance.now() - startedAt,
      fetched,
      pushed,
      errorCode: null,
    });
    return { status: 'succeeded', runId: run.runId, ...totals, activities, pushed };
  } catch (error) {
    const runError = toRunError(error);
    const permanent = !isTransient(error);
    await deps.store.finishRun(run, { succeeded: false, error: runError, permanent });
    log.error(
      // The cause's own text (a driver's, say) goes to the log only, never to the run or the admin.
      {
        code: runError.code,
        statusCode: runError.statusCode,
        permanent,
        ...(error instanceof PropsyncError ? {} : { err: error }),
      },
      `sync cycle failed: ${runError.message}`,
    );
    deps.onFinished?.({
      provider: run.provider,
      status: 'failed',
      durationMs: performance.now() - startedAt,
      fetched,
      pushed: 0,
      errorCode: runError.code,
    });
    return { status: 'failed', runId: run.runId, ...totals, error: runError };
  }
}

/** A first import reads this much activity history: older signals have decayed to nothing (2^-6 at a 14-day half-life). */
const ACTIVITY_LOOKBACK_MS = 90 * 24 * 60 * 60_000;

function activitiesFrom(window: { start: string | null; end: string }): string {
  return window.start ?? new Date(Date.parse(window.end) - ACTIVITY_LOOKBACK_MS).toISOString();
}

/**
 * Reads a CRM listing page by page and applies each page in order. A transient failure resumes
 * from the last applied page's checkpoint, with backoff; anything else, or too many failures in a
 * row, ends the read.
 */
async function readResumably<P extends { checkpoint: PageCheckpoint | null }>(
  read: (resumeAfter: PageCheckpoint | null) => AsyncIterable<P>,
  resumeAfter: PageCheckpoint | null,
  apply: (page: P) => Promise<void>,
  policy: RetryPolicy,
  log: Logger,
): Promise<void> {
  let checkpoint = resumeAfter;
  let failures = 0;
  for (;;) {
    try {
      for await (const page of readAhead(read(checkpoint))) {
        await apply(page);
        checkpoint = page.checkpoint ?? checkpoint;
        failures = 0;
      }
      return;
    } catch (error) {
      if (!(error instanceof PropsyncError) || !error.transient || ++failures >= policy.attempts) throw error;
      const delayMs = backoffDelayMs(failures - 1, policy, error.retryAfterSeconds);
      log.warn(
        { code: error.code, statusCode: error.statusCode, attempt: failures, delayMs },
        'transient failure, resuming from the last page',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Writes queued for the CRM (platform-won fields, nurture outcomes), a few at a time, paced by the adapter's HTTP layer. */
/** Pushes queued writes until none is left or the budget is spent (`writesLeft`: some may remain). */
async function pushOutboundWrites(
  store: SyncStore,
  run: SyncRunHandle,
  adapter: CrmAdapter,
  deadline: number,
): Promise<{ pushed: number; writesLeft: boolean }> {
  let pushed = 0;
  for (;;) {
    const batch = await store.claimOutboundWrites(run, OUTBOUND_BATCH);
    if (batch.length === 0) return { pushed, writesLeft: false };
    let connectionRefused: unknown = null;
    await forEachConcurrently(batch, OUTBOUND_CONCURRENCY, async (work) => {
      try {
        const result = await withRetries(() => pushOne(adapter, work), OUTBOUND_RETRY);
        await store.recordOutboundWrite(run, work, { ok: true, result });
        pushed++;
      } catch (error) {
        await store.recordOutboundWrite(run, work, {
          ok: false,
          error: toRunError(error),
          permanent: !isTransient(error),
        });
        if (refusesConnection(error)) connectionRefused = error;
      }
    });
    // Rejected credentials fail every write alike: stop and let the cycle mark the connection.
    if (connectionRefused) throw connectionRefused;
    // At least one batch per cycle, so every cycle makes progress.
    if (performance.now() > deadline) return { pushed, writesLeft: true };
  }
}

async function pushOne(adapter: CrmAdapter, work: OutboundWork): Promise<PushResult> {
  if (work.kind !== 'contact_update') return adapter.pushActivity(work.activity);
  try {
    return await adapter.pushContact(work.change);
  } catch (error) {
    // Someone changed the record since we read it: the adapter re-reads and applies only our
    // fields onto the fresh version (the field-level merge), with its fresh concurrency token.
    if (
      error instanceof PropsyncError &&
      error.code === 'ADAPTER.PRECONDITION_FAILED' &&
      work.change.etag !== null
    ) {
      return adapter.pushContact({ ...work.change, etag: null });
    }
    throw error;
  }
}

async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/**
 * Fetches the CRM's next page while the current one is being stored: the two waits (CRM, database)
 * overlap instead of adding up. Pages are still stored strictly in order, one transaction each.
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      // A failure of the page read ahead surfaces when it is awaited, not as an unhandled rejection.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

function isTransient(error: unknown): boolean {
  return error instanceof PropsyncError && error.transient;
}

function refusesConnection(error: unknown): boolean {
  return (
    error instanceof PropsyncError &&
    (error.code === 'ADAPTER.AUTH_INVALID' || error.code === 'ADAPTER.PERMISSION_DENIED')
  );
}

export const UNEXPECTED_RUN_ERROR =
  'Propsync hit an unexpected error in this cycle; it is in the server log, and the cycle will be retried';

/** What a failed cycle records (and the admin reads): our errors as they are, anything else as a generic message. */
export function toRunError(error: unknown): RunError {
  if (error instanceof PropsyncError) {
    return {
      code: error.code,
      message: error.message,
      statusCode: error.statusCode ?? null,
      externalId: null,
      retryState:
        error.code === 'ADAPTER.AUTH_INVALID'
          ? 'needs_reconnect'
          : error.transient
            ? 'retry_scheduled'
            : 'gave_up',
    };
  }
  return {
    code: 'SYNC.UNEXPECTED',
    // What the admin reads on the card and in the audit log: never the cause's own text, which
    // may be a driver's message naming tables or values; the server log has it.
    message: UNEXPECTED_RUN_ERROR,
    statusCode: null,
    externalId: null,
    retryState: 'retry_scheduled',
  };
}
