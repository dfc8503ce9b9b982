import { z } from 'zod';
import type { ReconciliationClaim, ReconciliationStore } from '../../core/ports/reconciliation-store.ts';
import type { HeldLink, ReconciliationDecision } from '../../core/sync/reconciliation.ts';
import type { ConnectionLocks } from './connection-locks.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson } from './sql.ts';

/** The reconciliation's claims, miss counts and deactivations, as set-based SQL. */
export class PostgresReconciliationStore implements ReconciliationStore {
  readonly #sql: Sql;
  /** The sync cycles' own per-connection lock (connection-locks.ts). */
  readonly hold: ReconciliationStore['hold'];

  constructor(em: EntityManager, locks: ConnectionLocks) {
    this.#sql = new Sql(em);
    this.hold = (connectionId) => locks.tryAcquire(connectionId);
  }

  async claimDue(intervalMs: number, limit: number): Promise<ReconciliationClaim[]> {
    const rows = await this.#sql.rows(
      z.object({ id: z.string(), run: z.boolean(), failures: z.number() }),
      `with due as (
         select id, next_reconcile_at is not null as run, reconcile_failures as failures from crm_connections
         where status = 'active' and (next_reconcile_at is null or next_reconcile_at <= now())
         order by next_reconcile_at nulls first
         limit ?
         for update skip locked)
       update crm_connections c set next_reconcile_at = now() + make_interval(secs => ?)
       from due where c.id = due.id
       returning c.id, due.run, due.failures`,
      [limit, intervalMs / 1000],
    );
    return rows.filter((row) => row.run).map((row) => ({ connectionId: row.id, failures: row.failures }));
  }

  async retryAt(connectionId: string, at: Date): Promise<void> {
    await this.#sql.run(`update crm_connections set next_reconcile_at = ? where id = ?`, [at, connectionId]);
  }

  async recordOutcome(connectionId: string, retryAt: Date | null): Promise<void> {
    if (retryAt === null) {
      await this.#sql.run(
        `update crm_connections set reconcile_failures = 0 where id = ? and reconcile_failures <> 0`,
        [connectionId],
      );
      return;
    }
    await this.#sql.run(
      `update crm_connections set reconcile_failures = reconcile_failures + 1, next_reconcile_at = ? where id = ?`,
      [retryAt, connectionId],
    );
  }

  async heldLinks(connectionId: string, before: Date): Promise<HeldLink[]> {
    const rows = await this.#sql.rows(
      z.object({ external_id: z.string(), reconcile_misses: z.number() }),
      `select external_id, reconcile_misses from contact_external_ids
       where connection_id = ? and active and created_at < ?`,
      [connectionId, before],
    );
    return rows.map((row) => ({ externalId: row.external_id, misses: row.reconcile_misses }));
  }

  async apply(connectionId: string, decision: ReconciliationDecision): Promise<number> {
    if (decision.misses.length === 0 && decision.deactivate.length === 0) return 0;
    return this.#sql.transaction(async (tx) => {
      await tx.run(
        `update contact_external_ids e set reconcile_misses = x.misses
         from jsonb_to_recordset(?::jsonb) as x(external_id text, misses int)
         where e.connection_id = ? and e.external_id = x.external_id`,
        [
          sqlJson(decision.misses.map((link) => ({ external_id: link.externalId, misses: link.misses }))),
          connectionId,
        ],
      );
      if (decision.deactivate.length === 0) return 0;
      // Logged without a cycle: a row with no run is the reconciliation's.
      return tx.run(
        `with deactivated as (
           update contact_external_ids set active = false, updated_at = now()
           where connection_id = ? and external_id in (select jsonb_array_elements_text(?::jsonb)) and active
           returning organisation_id, connection_id, contact_id, external_id)
         insert into crm_sync_log (connection_id, organisation_id, entity_type, direction, external_id, internal_id, status)
         select connection_id, organisation_id, 'contact', 'inbound', external_id, contact_id, 'deactivated'
         from deactivated`,
        [connectionId, sqlJson(decision.deactivate)],
      );
    });
  }
}
