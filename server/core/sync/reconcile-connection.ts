import type { CrmAdapter } from '../ports/crm-adapter.ts';
import type { CoreLogger as Logger } from '../ports/logger.ts';
import type { ReconciliationStore } from '../ports/reconciliation-store.ts';
import { decideReconciliation } from './reconciliation.ts';

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

export type ReconciliationResult =
  { status: 'busy' } | { status: 'complete' | 'failed'; listed: number; held: number; deactivated: number };

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
      log.warn({ err: error }, 'reconciliation listing failed: nothing changes');
    }
    const deactivated = await deps.store.apply(
      connectionId,
      decideReconciliation(held, { complete, listed }),
    );
    const result = {
      status: complete ? ('complete' as const) : ('failed' as const),
      listed: listed.size,
      held: held.length,
      deactivated,
    };
    log.info(result, 'reconciled the connection with its CRM');
    return result;
  } finally {
    await release();
  }
}

/** Reconciles every connection whose time has come (claimed in the database, so once across processes). */
export async function reconcileDue(
  deps: ReconciliationDependencies,
  intervalMs: number,
): Promise<{ reconciled: number }> {
  const now = deps.now ?? (() => new Date());
  let reconciled = 0;
  for (const { connectionId } of await deps.store.claimDue(intervalMs, CLAIM_LIMIT)) {
    try {
      const result = await reconcileConnection(deps, connectionId);
      if (result.status === 'busy') {
        await deps.store.retryAt(connectionId, new Date(now().getTime() + BUSY_RETRY_MS));
      } else reconciled++;
    } catch (error) {
      // One connection's trouble (its database rows, its adapter) does not stop the others.
      deps.logger.error({ err: error, connectionId }, 'reconciliation failed');
    }
  }
  return { reconciled };
}
