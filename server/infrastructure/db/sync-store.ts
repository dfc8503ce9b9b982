import type { ActivityPage } from '../../core/ports/crm-adapter.ts';
import type { IdentifierHasher } from '../../core/ports/erasure-store.ts';
import type {
  ActivityPageResult,
  ContactPage,
  OutboundOutcome,
  OutboundWork,
  PageResult,
  RunError,
  StartRunOutcome,
  SyncRunHandle,
  SyncRunTrigger,
  SyncStore,
} from '../../core/ports/sync-store.ts';
import { z } from 'zod';
import type { RunFailure } from '../../core/sync/run-outcome.ts';
import type { ConnectionLocks } from './connection-locks.ts';
import { writeActivityPage } from './activity-page-writer.ts';
import { writeContactPage } from './contact-page-writer.ts';
import type { EntityManager } from './orm.ts';
import { claimOutboundWrites, recordOutboundWrite } from './outbound-write-store.ts';
import { Sql, sqlJson } from './sql.ts';
import { closeRun, closeWebhookRun, openRun, openWebhookRun } from './sync-run-store.ts';

/**
 * The sync cycle's persistence, written as set-based SQL: one transaction per page whatever its
 * size, with the page's checkpoint saved alongside its data. MikroORM's maintainers advise native
 * batch statements rather than the unit of work for imports of this kind. The decisions (what a
 * page creates, merges and updates; what a failed run alerts) are the core's; this writes them.
 */
export class PostgresSyncStore implements SyncStore {
  readonly #sql: Sql;
  readonly #locks: ConnectionLocks;
  /** Lock releases of the runs this process holds open, by run id. */
  readonly #releases = new Map<string, () => Promise<void>>();
  readonly #failingAlertAfterMs: number;
  readonly #identifierHasher: IdentifierHasher | null;

  constructor(
    em: EntityManager,
    locks: ConnectionLocks,
    options: {
      failingAlertAfterMs?: number;
      /** Matches records against erasure tombstones; without it (a bare test store) none is looked up. */
      identifierHasher?: IdentifierHasher;
    } = {},
  ) {
    this.#sql = new Sql(em);
    this.#locks = locks;
    this.#failingAlertAfterMs = options.failingAlertAfterMs ?? 60 * 60_000;
    this.#identifierHasher = options.identifierHasher ?? null;
  }

  async startRun(
    connectionId: string,
    trigger: SyncRunTrigger,
    now: Date,
    overlapMs: number,
    scheduledFor: Date | null = null,
  ): Promise<StartRunOutcome> {
    const release = await this.#locks.tryAcquire(connectionId);
    if (!release) return { outcome: 'busy' };
    try {
      const outcome = await openRun(this.#sql, connectionId, trigger, now, overlapMs, scheduledFor);
      if (outcome.outcome === 'started') this.#releases.set(outcome.run.runId, release);
      else await release();
      return outcome;
    } catch (error) {
      await release();
      throw error;
    }
  }

  applyContactPage(run: SyncRunHandle, page: ContactPage): Promise<PageResult> {
    return writeContactPage(this.#sql, run, page, this.#identifierHasher);
  }

  applyActivityPage(run: SyncRunHandle, page: ActivityPage): Promise<ActivityPageResult> {
    return writeActivityPage(this.#sql, run, page);
  }

  claimOutboundWrites(run: SyncRunHandle, limit: number): Promise<OutboundWork[]> {
    return claimOutboundWrites(this.#sql, run, limit);
  }

  recordOutboundWrite(run: SyncRunHandle, work: OutboundWork, outcome: OutboundOutcome): Promise<void> {
    return recordOutboundWrite(this.#sql, run, work, outcome);
  }

  async finishRun(
    run: SyncRunHandle,
    outcome: { succeeded: true } | ({ succeeded: false } & RunFailure),
  ): Promise<void> {
    try {
      await closeRun(this.#sql, run, outcome, this.#failingAlertAfterMs);
    } finally {
      const release = this.#releases.get(run.runId);
      this.#releases.delete(run.runId);
      await release?.();
    }
  }

  openWebhookRun(connectionId: string): Promise<SyncRunHandle> {
    return openWebhookRun(this.#sql, connectionId);
  }

  closeWebhookRun(run: SyncRunHandle, errors: RunError[]): Promise<void> {
    return closeWebhookRun(this.#sql, run, errors);
  }

  async deactivateLinks(run: SyncRunHandle, externalIds: string[]): Promise<number> {
    if (externalIds.length === 0) return 0;
    return this.#sql.transaction(async (tx) => {
      const links = await tx.rows(
        z.object({ contact_id: z.string(), external_id: z.string() }),
        `update contact_external_ids set active = false, updated_at = now()
         where connection_id = ? and external_id = any(array[?]::text[]) and active returning contact_id, external_id`,
        [run.connectionId, externalIds],
      );
      if (links.length > 0) {
        await tx.run(
          `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, internal_id, status)
           select ?, ?, ?, 'contact', 'inbound', x.external_id, x.contact_id, 'deactivated'
           from jsonb_to_recordset(?::jsonb) as x(external_id text, contact_id uuid)`,
          [run.runId, run.connectionId, run.organisationId, sqlJson(links)],
        );
      }
      return links.length;
    });
  }
}
