import { z } from 'zod';
import type { OffboardingRemoved } from '../../../shared/api/agency.dto.ts';
import { CrmProviderSchema } from '../../../shared/providers.ts';
import type { AgencyDataCounts, AgencyRecord, AgencyStore } from '../../core/ports/agency-store.ts';
import { PropsyncError } from '../../core/errors.ts';
import { LOCK_NAMESPACE } from './connection-locks.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson, sqlTimestamp, type SqlParam } from './sql.ts';

/** Tables offboarding empties for the agency, in an order the foreign keys allow. */
const REMOVED_TABLES: Array<[Exclude<keyof OffboardingRemoved, 'scores'>, string]> = [
  ['syncLogEntries', 'crm_sync_log'],
  ['activities', 'activities'],
  ['outboundWrites', 'outbound_writes'],
  ['webhookDeliveries', 'webhook_deliveries'],
  ['hostEvents', 'host_events'],
  ['alerts', 'alerts'],
  ['signInsInProgress', 'oauth_sign_ins'],
  ['fieldPolicies', 'field_policies'],
  ['links', 'contact_external_ids'],
  ['contacts', 'contacts'],
];

const SCORES_SQL = `select count(*)::int as n from contacts where organisation_id = ? and (intent_score <> 0 or hot_lead_at is not null)`;

const AgencyRow = z
  .object({
    id: z.string(),
    name: z.string(),
    external_ref: z.string().nullable(),
    created_at: sqlTimestamp,
    offboarded_at: sqlTimestamp.nullable(),
    active_connections: z.number(),
  })
  .transform((row): AgencyRecord => ({
    id: row.id,
    name: row.name,
    externalRef: row.external_ref,
    createdAt: row.created_at,
    offboardedAt: row.offboarded_at,
    activeConnections: row.active_connections,
  }));

const IdRow = z.object({ id: z.string() });
const CountRow = z.object({ n: z.number() });

export class PostgresAgencyStore implements AgencyStore {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async insertUnlessProvisioned(name: string, externalRef: string | null): Promise<string | null> {
    const inserted = await this.#sql.first(
      IdRow,
      `insert into organisations (name, external_ref) values (?, ?)
       on conflict (external_ref) where external_ref is not null and offboarded_at is null do nothing
       returning id`,
      [name, externalRef],
    );
    return inserted?.id ?? null;
  }

  async activeIdByExternalRef(externalRef: string | null): Promise<string | null> {
    const existing = await this.#sql.first(
      IdRow,
      `select id from organisations where external_ref = ? and offboarded_at is null`,
      [externalRef],
    );
    return existing?.id ?? null;
  }

  list(): Promise<AgencyRecord[]> {
    return this.#select('true', []);
  }

  async find(id: string): Promise<AgencyRecord | null> {
    const [row] = await this.#select('o.id = ?', [id]);
    return row ?? null;
  }

  async rename(id: string, name: string): Promise<void> {
    await this.#sql.run(`update organisations set name = ?, updated_at = now() where id = ?`, [name, id]);
  }

  async offboardedAt(id: string): Promise<{ offboardedAt: Date | null } | null> {
    const row = await this.#sql.first(
      z.object({ offboarded_at: sqlTimestamp.nullable() }),
      `select offboarded_at from organisations where id = ?`,
      [id],
    );
    return row ? { offboardedAt: row.offboarded_at } : null;
  }

  async markOffboarded(id: string): Promise<void> {
    await this.#sql.run(
      `update organisations set offboarded_at = coalesce(offboarded_at, now()), updated_at = now() where id = ?`,
      [id],
    );
  }

  connectionsOf(id: string) {
    return this.#sql.rows(
      z.object({ id: z.string(), provider: CrmProviderSchema, status: z.string() }),
      `select id, provider, status from crm_connections where organisation_id = ? order by created_at`,
      [id],
    );
  }

  async countData(id: string): Promise<AgencyDataCounts> {
    const count = async (statement: string): Promise<number> =>
      (await this.#sql.first(CountRow, statement, [id]))?.n ?? 0;
    const removed = { scores: await count(SCORES_SQL) } as OffboardingRemoved;
    for (const [key, table] of REMOVED_TABLES) {
      removed[key] = await count(`select count(*)::int as n from ${table} where organisation_id = ?`);
    }
    return {
      removed,
      syncRuns: await count(`select count(*)::int as n from sync_runs where organisation_id = ?`),
      conflictAudits: await count(`select count(*)::int as n from conflict_audit where organisation_id = ?`),
    };
  }

  async removeData(
    id: string,
    connectionIds: readonly string[],
    lockTimeoutMs: number,
  ): Promise<AgencyDataCounts | null> {
    try {
      return await this.#sql.transaction(async (tx) => {
        const count = async (statement: string, params: SqlParam[] = [id]): Promise<number> =>
          (await tx.first(CountRow, statement, params))?.n ?? 0;
        // The one transaction allowed to redact this agency's conflict audit (see the migration
        // Migration20261202120000_agency_provisioning): the trigger checks this setting.
        await tx.run(`select set_config('propsync.offboarding_organisation', ?, true)`, [id]);
        await tx.run(`select set_config('lock_timeout', ?, true)`, [`${lockTimeoutMs}ms`]);
        // A cycle still running (here or in another process) holds its connection's advisory lock:
        // wait for it, so no page of it lands after the deletes.
        for (const connectionId of connectionIds) {
          await tx.run(`select pg_advisory_xact_lock(?, hashtext(?))`, [LOCK_NAMESPACE, connectionId]);
        }
        // Only once every connection is disconnected and locked: otherwise the caller disconnects again.
        const unsettled = await count(
          `select count(*)::int as n from crm_connections
           where organisation_id = ? and (status <> 'disconnected' or not (id::text in (select jsonb_array_elements_text(?::jsonb))))`,
          [id, sqlJson(connectionIds)],
        );
        if (unsettled > 0) return null;
        const removed = { scores: await count(SCORES_SQL) } as OffboardingRemoved;
        // Redacted before the contacts go: the audit rows point at them.
        await tx.run(
          `update conflict_audit set contact_id = null, crm_version = '{}'::jsonb, platform_version = '{}'::jsonb,
             redacted_at = now() where organisation_id = ? and redacted_at is null`,
          [id],
        );
        const conflictAudits = await count(
          `select count(*)::int as n from conflict_audit where organisation_id = ?`,
        );
        // Erased people's hashed identifiers: nothing syncs for this agency again.
        await tx.run(`delete from erasure_tombstones where organisation_id = ?`, [id]);
        for (const [key, table] of REMOVED_TABLES) {
          removed[key] = await count(
            `with deleted as (delete from ${table} where organisation_id = ? returning 1) select count(*)::int as n from deleted`,
          );
        }
        // Cycles keep their counts, windows and error codes; messages and record ids can name people.
        const syncRuns = await count(
          `with kept as (
             update sync_runs set cursor_before = null, cursor_after = null,
               errors = (select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                   'code', e -> 'code', 'statusCode', e -> 'statusCode', 'retryState', e -> 'retryState', 'at', e -> 'at'))), '[]'::jsonb)
                 from jsonb_array_elements(errors) e)
             where organisation_id = ? returning 1)
           select count(*)::int as n from kept`,
        );
        await tx.run(
          `update crm_connections set sync_cursor = null, last_error_message = null, updated_at = now() where organisation_id = ?`,
          [id],
        );
        await tx.run(
          `update organisations set host_webhook_url = null, host_webhook_secret = null, scoring_policy = null,
             updated_at = now() where id = ?`,
          [id],
        );
        return { removed, syncRuns, conflictAudits };
      });
    } catch (error) {
      if (isLockTimeout(error)) {
        throw new PropsyncError(
          'AGENCY.BUSY',
          'A sync cycle of this agency is still finishing: its connections are disconnected; offboard again in a minute to remove its data',
        );
      }
      throw error;
    }
  }

  #select(where: string, params: SqlParam[]): Promise<AgencyRecord[]> {
    return this.#sql.rows(
      AgencyRow,
      `select o.id, o.name, o.external_ref, o.created_at, o.offboarded_at,
         (select count(*)::int from crm_connections c where c.organisation_id = o.id and c.status <> 'disconnected')
           as active_connections
       from organisations o where ${where} order by o.created_at, o.id`,
      params,
    );
  }
}

function isLockTimeout(error: unknown): boolean {
  // PostgreSQL's lock_not_available, however the driver layer wraps it.
  for (
    let current = error;
    current && typeof current === 'object';
    current = (current as { cause?: unknown }).cause
  ) {
    const record = current as { code?: unknown; sqlState?: unknown };
    if (record.code === '55P03' || record.sqlState === '55P03') return true;
    if (current instanceof Error && /lock timeout/i.test(current.message)) return true;
  }
  return false;
}
