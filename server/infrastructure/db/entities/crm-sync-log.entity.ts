import type { SyncLogStatus } from '../../../../shared/api/sync-run.dto.ts';
import { defineEntity, p } from '@mikro-orm/core';

export type { SyncLogStatus };

/** One row per record synced, in either direction (the crm_sync_log audit, docs/product-rules.md). */
export const CrmSyncLog = defineEntity({
  name: 'CrmSyncLog',
  tableName: 'crm_sync_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    syncRunId: p.uuid().nullable(),
    connectionId: p.uuid(),
    organisationId: p.uuid(),
    entityType: p.text(),
    direction: p.text().$type<'inbound' | 'outbound'>(),
    externalId: p.text().nullable(),
    internalId: p.uuid().nullable(),
    status: p.text().$type<SyncLogStatus>(),
    errorCode: p.text().nullable(),
    error: p.text().nullable(),
    statusCode: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
