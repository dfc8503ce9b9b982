import type { SyncRunError, SyncRunStatus, SyncTrigger } from '../../../../shared/api/sync-run.dto.ts';
import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

export type { SyncRunError, SyncRunStatus, SyncTrigger };

/** The audit of one sync cycle (docs/product-rules.md): window, counts, conflicts, duplicates, errors. */
export const SyncRun = defineEntity({
  name: 'SyncRun',
  tableName: 'sync_runs',
  properties: {
    id: baseProperties.id,
    connectionId: p.uuid(),
    organisationId: p.uuid(),
    trigger: p.text().$type<SyncTrigger>(),
    status: p.text().$type<SyncRunStatus>().default('running'),
    fullImport: p.boolean().default(false),
    windowStart: p.datetime().nullable(),
    windowEnd: p.datetime().nullable(),
    cursorBefore: p.json<Record<string, unknown>>().nullable(),
    cursorAfter: p.json<Record<string, unknown>>().nullable(),
    recordsFetched: p.integer().default(0),
    recordsWritten: p.integer().default(0),
    recordsUnchanged: p.integer().default(0),
    recordsPushed: p.integer().default(0),
    conflictsCount: p.integer().default(0),
    duplicatesSuppressed: p.integer().default(0),
    errorsCount: p.integer().default(0),
    errors: p.json<SyncRunError[]>(),
    estimatedTotal: p.integer().nullable(),
    /** The scheduled slot this run serves (unique per connection): a slot never runs twice. */
    scheduledFor: p.datetime().nullable(),
    startedAt: p.datetime().onCreate(() => new Date()),
    heartbeatAt: p.datetime().onCreate(() => new Date()),
    finishedAt: p.datetime().nullable(),
  },
});
