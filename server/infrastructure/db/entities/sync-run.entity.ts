import type { SyncRunError, SyncRunStatus, SyncTrigger } from '../../../../shared/api/sync-run.dto.ts';
import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOfCheck, stampedOnCreate } from './base.ts';
import { connectionOwned } from './owners.ts';

export type { SyncRunError, SyncRunStatus, SyncTrigger };

export const SYNC_TRIGGERS = [
  'initial',
  'schedule',
  'manual',
  'webhook',
  'retry',
] as const satisfies readonly SyncTrigger[];
export const SYNC_RUN_STATUSES = [
  'running',
  'succeeded',
  'partial',
  'failed',
] as const satisfies readonly SyncRunStatus[];

/** The audit of one sync cycle (docs/product-rules.md): window, counts, conflicts, duplicates, errors. */
export const SyncRun = defineEntity({
  name: 'SyncRun',
  tableName: 'sync_runs',
  properties: {
    id: baseProperties.id,
    ...connectionOwned,
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
    errors: p.json<SyncRunError[]>().defaultRaw(`'[]'::jsonb`),
    estimatedTotal: p.integer().nullable(),
    /** The scheduled slot this run serves (unique per connection): a slot never runs twice. */
    scheduledFor: p.datetime().nullable(),
    /** The connection's `credentialsChangedAt` when the run started: the credentials it ran with. */
    credentialsChangedAt: p.datetime().nullable(),
    startedAt: stampedOnCreate,
    heartbeatAt: stampedOnCreate,
    finishedAt: p.datetime().nullable(),
  },
  uniques: [
    {
      name: 'sync_runs_scheduled_slot_idx',
      properties: ['connectionId', 'scheduledFor'],
      where: 'scheduled_for is not null',
    },
  ],
  indexes: [
    {
      name: 'sync_runs_connection_idx',
      columns: [{ name: 'connection_id' }, { name: 'started_at', sort: 'desc' }],
    },
    {
      name: 'sync_runs_organisation_idx',
      columns: [{ name: 'organisation_id' }, { name: 'started_at', sort: 'desc' }],
    },
    // The retention's batches: finished runs, oldest first.
    { name: 'sync_runs_finished_idx', properties: ['finishedAt'], where: 'finished_at is not null' },
  ],
  checks: [
    oneOfCheck('sync_runs', 'trigger', SYNC_TRIGGERS),
    oneOfCheck('sync_runs', 'status', SYNC_RUN_STATUSES),
  ],
});
