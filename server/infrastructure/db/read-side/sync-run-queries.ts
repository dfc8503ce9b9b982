import { providerDisplayName } from '../../../adapters/registry.ts';
import { z } from 'zod';
import { CrmProviderSchema } from '../../../../shared/providers.ts';
import { SYNC_LOG_STATUSES, type SyncLogStatus } from '../entities/crm-sync-log.entity.ts';
import {
  SYNC_RUN_STATUSES,
  SYNC_TRIGGERS,
  type SyncRunError,
  type SyncRunStatus,
} from '../entities/sync-run.entity.ts';
import type { EntityManager } from '../orm.ts';
import { Sql, sqlNumber, sqlTimestamp } from '../sql.ts';
import { ConflictQueries, type ConflictSummary } from './conflict-queries.ts';
import {
  Conditions,
  countedPage,
  MICROSECOND_TIMESTAMP,
  newestFirst,
  toIso,
  toIsoRequired,
  type Page,
  type PageRequest,
} from './query-support.ts';
import type {
  SyncDirection,
  SyncHistoryPoint,
  SyncLogEntry,
  SyncRunDetail,
  SyncRunSummary,
} from '../../../../shared/api/sync-run.dto.ts';

export type { SyncDirection, SyncHistoryPoint, SyncLogEntry, SyncRunDetail, SyncRunSummary };

export type SyncRunFilters = {
  connectionId?: string | undefined;
  status?: SyncRunStatus | undefined;
  /** inbound: the cycle fetched records from the CRM; outbound: it pushed records to the CRM. */
  syncDirection?: SyncDirection | undefined;
  /** Inclusive lower bound on the start time (ISO timestamp or date). */
  from?: string | undefined;
  /** Upper bound on the start time: exclusive for a timestamp, the whole day for a date. */
  to?: string | undefined;
};

const SyncRunRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider: CrmProviderSchema,
  trigger: z.enum(SYNC_TRIGGERS),
  status: z.enum(SYNC_RUN_STATUSES),
  full_import: z.boolean(),
  window_start: sqlTimestamp.nullable(),
  window_end: sqlTimestamp.nullable(),
  started_at: sqlTimestamp,
  started_at_exact: z.string(),
  finished_at: sqlTimestamp.nullable(),
  heartbeat_at: sqlTimestamp,
  records_fetched: z.number(),
  records_written: z.number(),
  records_unchanged: z.number(),
  records_pushed: z.number(),
  conflicts_count: z.number(),
  duplicates_suppressed: z.number(),
  errors_count: z.number(),
  estimated_total: z.number().nullable(),
});
type SyncRunRow = z.infer<typeof SyncRunRow>;

const SyncRunDetailRow = SyncRunRow.extend({
  // Stored as the cycle wrote them; an offboarded agency's keep only code, status, retry state and time.
  errors: z.array(z.looseObject({ code: z.string() })).transform((errors) => errors as SyncRunError[]),
});

const SyncLogRow = z.object({
  id: sqlNumber,
  entity_type: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  external_id: z.string().nullable(),
  internal_id: z.string().nullable(),
  status: z.enum(SYNC_LOG_STATUSES),
  error_code: z.string().nullable(),
  error: z.string().nullable(),
  status_code: z.number().nullable(),
  created_at: sqlTimestamp,
});

const HistoryRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  started_at: sqlTimestamp,
  status: z.enum(SYNC_RUN_STATUSES),
  records_fetched: z.number(),
  records_pushed: z.number(),
  errors_count: z.number(),
});

const RUN_COLUMNS = `r.id, r.connection_id, c.provider, r.trigger, r.status, r.full_import, r.window_start, r.window_end,
  r.started_at, to_char(r.started_at at time zone 'UTC', ${MICROSECOND_TIMESTAMP}) as started_at_exact, r.finished_at,
  r.heartbeat_at, r.records_fetched, r.records_written, r.records_unchanged, r.records_pushed, r.conflicts_count,
  r.duplicates_suppressed, r.errors_count, r.estimated_total`;

const RUN_FROM = 'sync_runs r join crm_connections c on c.id = r.connection_id';

/**
 * The sync audit log, read side (docs/product-rules.md): cycles, one cycle's record log, per-cycle history.
 * Every query takes the agency id and filters on it, so one agency never reads another's rows.
 */
export class SyncRunQueries {
  readonly #em: EntityManager;
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#em = em;
    this.#sql = new Sql(em);
  }

  /** Newest first, keyset-paged on (started_at, id) so pages stay stable while new cycles start. */
  async list(
    organisationId: string,
    filters: SyncRunFilters,
    page: PageRequest,
  ): Promise<Page<SyncRunSummary>> {
    const where = new Conditions('r.organisation_id = ?', organisationId)
      .whenGiven(filters.connectionId, 'r.connection_id = ?')
      .whenGiven(filters.status, 'r.status = ?');
    // Counts, not a scan of the record log: cheap on 100,000 cycles.
    if (filters.syncDirection === 'inbound') where.add('r.records_fetched > 0');
    if (filters.syncDirection === 'outbound') where.add('r.records_pushed > 0');
    where.within('r.started_at', filters.from, filters.to);
    return countedPage(
      this.#sql,
      {
        row: SyncRunRow,
        countFrom: 'sync_runs r',
        select: `select ${RUN_COLUMNS} from ${RUN_FROM}`,
        where,
        keyset: newestFirst<SyncRunRow>('r.started_at', 'r.id', (row) => row.started_at_exact),
        toItem: toSummary,
      },
      page,
    );
  }

  async get(organisationId: string, runId: string): Promise<SyncRunDetail | null> {
    const row = await this.#sql.first(
      SyncRunDetailRow,
      `select ${RUN_COLUMNS}, r.errors from ${RUN_FROM}
         where r.organisation_id = ? and r.id = ?`,
      [organisationId, runId],
    );
    if (!row) return null;
    return { ...toSummary(row), errors: row.errors, heartbeatAt: toIsoRequired(row.heartbeat_at) };
  }

  /** The cycle's per-record log in write order, keyset-paged on the log id. */
  async log(
    organisationId: string,
    runId: string,
    page: PageRequest & { status?: SyncLogStatus | undefined },
  ): Promise<Page<SyncLogEntry>> {
    const where = new Conditions(
      'l.organisation_id = ? and l.sync_run_id = ?',
      organisationId,
      runId,
    ).whenGiven(page.status, 'l.status = ?');
    return countedPage(
      this.#sql,
      {
        row: SyncLogRow,
        countFrom: 'crm_sync_log l',
        select: `select l.id, l.entity_type, l.direction, l.external_id, l.internal_id, l.status, l.error_code, l.error,
           l.status_code, l.created_at
         from crm_sync_log l`,
        where,
        keyset: {
          after: 'l.id > ?',
          orderBy: 'l.id',
          cursorOf: (row) => [String(row.id)],
          parts: 1,
          accepts: ([id]) => /^\d+$/.test(id!),
        },
        toItem: (row) => ({
          id: row.id,
          entityType: row.entity_type,
          direction: row.direction,
          externalId: row.external_id,
          internalId: row.internal_id,
          status: row.status,
          errorCode: row.error_code,
          error: row.error,
          statusCode: row.status_code,
          createdAt: toIsoRequired(row.created_at),
        }),
      },
      page,
    );
  }

  /** The conflicts one cycle resolved, newest first (the first page; the conflicts list pages on). */
  async conflictsOf(organisationId: string, runId: string, limit: number): Promise<Page<ConflictSummary>> {
    return new ConflictQueries(this.#em).list(organisationId, { syncRunId: runId }, { limit });
  }

  /** Records in and out and errors per cycle, oldest first, for the last `limit` cycles in range. */
  async history(
    organisationId: string,
    filters: Pick<SyncRunFilters, 'connectionId' | 'from' | 'to'>,
    limit: number,
  ): Promise<SyncHistoryPoint[]> {
    const where = new Conditions('r.organisation_id = ?', organisationId)
      .whenGiven(filters.connectionId, 'r.connection_id = ?')
      .within('r.started_at', filters.from, filters.to);
    const rows = await this.#sql.rows(
      HistoryRow,
      `select r.id, r.connection_id, r.started_at, r.status, r.records_fetched, r.records_pushed, r.errors_count
       from sync_runs r where ${where.sql} order by r.started_at desc, r.id desc limit ?`,
      [...where.params, limit],
    );
    return rows.reverse().map((row) => ({
      runId: row.id,
      connectionId: row.connection_id,
      startedAt: toIsoRequired(row.started_at),
      status: row.status,
      recordsIn: row.records_fetched,
      recordsOut: row.records_pushed,
      errors: row.errors_count,
    }));
  }
}

function toSummary(row: SyncRunRow): SyncRunSummary {
  return {
    id: row.id,
    connectionId: row.connection_id,
    provider: row.provider,
    providerName: providerDisplayName(row.provider),
    trigger: row.trigger,
    status: row.status,
    fullImport: row.full_import,
    windowStart: toIso(row.window_start),
    windowEnd: toIso(row.window_end),
    startedAt: toIsoRequired(row.started_at),
    finishedAt: toIso(row.finished_at),
    recordsFetched: row.records_fetched,
    recordsWritten: row.records_written,
    recordsUnchanged: row.records_unchanged,
    recordsPushed: row.records_pushed,
    conflictsCount: row.conflicts_count,
    duplicatesSuppressed: row.duplicates_suppressed,
    errorsCount: row.errors_count,
    estimatedTotal: row.estimated_total,
  };
}
