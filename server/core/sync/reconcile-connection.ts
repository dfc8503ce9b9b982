import { PropsyncError } from '../errors.ts';
import type { CrmAdapter } from '../ports/crm-adapter.ts';
import type { CoreLogger as Logger } from '../ports/logger.ts';
import type { ReconciliationStore } from '../ports/reconciliation-store.ts';
import { decideReconciliation, reconciliationRetryDelayMs } from './reconciliation.ts';

/** Due connections one pass claims; the rest wait for the next pass a minute later. */
const CLAIM_LIMIT = 20;
/** A connection a sync cycle held is tried again this much later. */
const BUSY_RETRY_MS = 5 * 60_000;

export type ReconciliationDependencies = {
  store: ReconciliationStore;
  adapterFor: (connectionId: string) => Promise<CrmAdapter>;
  logger: Logger;
  now?: () => Date;
};

type ReconciliationCounts = { listed: number; held: number; deactivated: number };

/**
 * A failed run says whether it failed for a passing reason (`transient`: the CRM unavailable, a
 * timeout), worth trying again soon, or in a way the next listing would meet again (a record the
 * adapter cannot identify, refused credentials).
 */
export type ReconciliationResult =
  | { status: 'busy' }
  | ({ status: 'complete' } & ReconciliationCounts)
  | ({ status: 'failed'; transient: boolean } & ReconciliationCounts);

/**
 * One reconciliation of one connection: list every record the CRM holds through the adapter's
 * own paging (paced by its rate limits), compare the ids with the active links, and let the core
 * decide. A page that fails, or a record the adapter could not identify, makes the listing
 * incomplete, and an incomplete listing changes nothing.
 */
export async function reconcileConnection(
  deps: ReconciliationDependencies,
  connectionId: string,
): Promise<ReconciliationResult> {
  const release = await deps.store.hold(connectionId);
  if (!release) return { status: 'busy' };
  const log = deps.logger.child({ connectionId });
  try {
    const startedAt = (deps.now ?? (() => new Date()))();
    // Links made while the listing runs (by a webhook) are not judged by it.
    const held = await deps.store.heldLinks(connectionId, startedAt);
    const listed = new Set<string>();
    let complete = true;
    let transient = false;
    try {
      const adapter = await deps.adapterFor(connectionId);
      const pages = adapter.syncContacts({
        modifiedFrom: null,
        modifiedTo: startedAt.toISOString(),
        resumeAfter: null,
      });
      for await (const page of pages) {
        for (const record of page.contacts) listed.add(record.provenance.externalId);
        for (const record of page.rejected) {
          if (record.externalId === null) complete = false;
          else listed.add(record.externalId);
        }
      }
    } catch (error) {
      complete = false;
      // Our own errors say whether they pass; anything else (a driver's, a socket's) is taken to.
      transient = !(error instanceof PropsyncError) || error.transient;
      log.warn({ err: error }, 'reconciliation listing failed: nothing changes');
    }
    const deactivated = await deps.store.apply(
      connectionId,
      decideReconciliation(held, { complete, listed }),
    );
    const counts = { listed: listed.size, held: held.length, deactivated };
    const result: ReconciliationResult = complete
      ? { status: 'complete', ...counts }
      : { status: 'failed', transient, ...counts };
    log.info(result, 'reconciled the connection with its CRM');
    return result;
  } finally {
    await release();
  }
}

/**
 * Reconciles every connection whose time has come (claimed in the database, so once across
 * processes). The claim moves the next time a full interval on; a run that failed for a passing
 * reason is brought forward to a retry with bounded backoff (`reconciliationRetryDelayMs`), so one
 * unlucky minute does not leave deletions unseen for a whole interval.
 */
export async function reconcileDue(
  deps: ReconciliationDependencies,
  intervalMs: number,
): Promise<{ reconciled: number }> {
  const now = deps.now ?? (() => new Date());
  const retryAfterFailure = (failures: number) =>
    new Date(now().getTime() + reconciliationRetryDelayMs(failures + 1, intervalMs));
  let reconciled = 0;
  for (const { connectionId, failures } of await deps.store.claimDue(intervalMs, CLAIM_LIMIT)) {
    let retryAt: Date | null;
    try {
      const result = await reconcileConnection(deps, connectionId);
      if (result.status === 'busy') {
        await deps.store.retryAt(connectionId, new Date(now().getTime() + BUSY_RETRY_MS));
        continue;
      }
      reconciled++;
      retryAt = result.status === 'failed' && result.transient ? retryAfterFailure(failures) : null;
    } catch (error) {
      // One connection's trouble (its database rows, its adapter) does not stop the others.
      deps.logger.error({ err: error, connectionId }, 'reconciliation failed');
      retryAt = retryAfterFailure(failures);
    }
    try {
      await deps.store.recordOutcome(connectionId, retryAt);
    } catch (error) {
      // The claim already set the next time a full interval on: that stands.
      deps.logger.error({ err: error, connectionId }, 'could not record the reconciliation outcome');
    }
  }
  return { reconciled };
}
