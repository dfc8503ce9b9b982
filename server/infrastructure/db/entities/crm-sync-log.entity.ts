import type { SyncLogStatus } from '../../../../shared/api/sync-run.dto.ts';
import { defineEntity, p } from '@mikro-orm/core';
import { oneOfCheck } from './base.ts';
import { connectionOwned } from './owners.ts';
import { SyncRun } from './sync-run.entity.ts';

export type { SyncLogStatus };

export const SYNC_LOG_STATUSES = [
  'created',
  'updated',
  'unchanged',
  'merged',
  'deactivated',
  'skipped',
  'error',
  'reimported',
] as const satisfies readonly SyncLogStatus[];
const SYNC_LOG_ENTITY_TYPES = [
  'contact',
  'activity',
  'journal_entry',
  'note',
  'metadata',
  'webhook',
] as const;

/**
 * One row per record synced, in either direction (the crm_sync_log audit, docs/product-rules.md).
 * Range-partitioned by month of `createdAt` (migration 20261205090000), so the key holds `createdAt`;
 * the partitions are made and dropped at run time (retention.ts), so the entity leaves partitioning
 * unmanaged and the schema comparison never sees it.
 */
export const CrmSyncLog = defineEntity({
  name: 'CrmSyncLog',
  tableName: 'crm_sync_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    syncRunId: p.manyToOne(SyncRun).mapToPk().fieldName('sync_run_id').nullable().deleteRule('cascade'),
    ...connectionOwned,
    entityType: p.text().$type<(typeof SYNC_LOG_ENTITY_TYPES)[number]>(),
    direction: p.text().$type<'inbound' | 'outbound'>(),
    externalId: p.text().nullable(),
    internalId: p.uuid().nullable(),
    status: p.text().$type<SyncLogStatus>(),
    errorCode: p.text().nullable(),
    error: p.text().nullable(),
    statusCode: p.integer().nullable(),
    createdAt: p
      .datetime()
      .primary()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  },
  indexes: [
    { name: 'crm_sync_log_run_idx', properties: ['syncRunId', 'id'] },
    {
      name: 'crm_sync_log_connection_status_idx',
      columns: [{ name: 'connection_id' }, { name: 'status' }, { name: 'created_at', sort: 'desc' }],
    },
  ],
  checks: [
    oneOfCheck('crm_sync_log', 'entity_type', SYNC_LOG_ENTITY_TYPES),
    oneOfCheck('crm_sync_log', 'direction', ['inbound', 'outbound']),
    oneOfCheck('crm_sync_log', 'status', SYNC_LOG_STATUSES),
  ],
});
