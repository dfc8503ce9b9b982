import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConnectionStatusSchema, CrmProviderSchema } from '../../../shared/providers.ts';
import { PropsyncError } from '../../core/errors.ts';
import type {
  RunError,
  StartRunOutcome,
  SyncCursor,
  SyncRunHandle,
  SyncRunTrigger,
} from '../../core/ports/sync-store.ts';
import {
  alertForFailedRun,
  cursorAfterSuccess,
  hostEventForAlert,
  type ConnectionHealthEvent,
  windowToRun,
  workerDiedError,
  type RunFailure,
} from '../../core/sync/run-outcome.ts';
import { queueHostEvent } from './host-event-queue.ts';
import { feedStartCursor } from './read-side/contact-feed.ts';
import { sqlJson, sqlTimestamp, type Sql } from './sql.ts';

/**
 * Opening and closing sync runs: the run rows, the connection's cursor and status, and the alerts
 * a failure raises. The caller holds the connection's lock for cycle runs.
 */

const CheckpointColumn = z.object({ modifiedAt: z.string(), idsAtModifiedAt: z.array(z.string()) });

const SyncCursorColumn = z.object({
  modifiedSince: z.string().nullable(),
  pending: z
    .object({
      windowStart: z.string().nullable(),
      windowEnd: z.string(),
      checkpoint: CheckpointColumn.nullable(),
      activityCheckpoint: CheckpointColumn.nullable().optional(),
    })
    .nullable(),
}) satisfies z.ZodType<SyncCursor>;

const LockedConnectionRow = z.object({
  organisation_id: z.string(),
  provider: CrmProviderSchema,
  status: ConnectionStatusSchema,
  sync_cursor: SyncCursorColumn.nullable(),
});

export async function openRun(
  sql: Sql,
  connectionId: string,
  trigger: SyncRunTrigger,
  now: Date,
  overlapMs: number,
  scheduledFor: Date | null,
): Promise<StartRunOutcome> {
  return sql.transaction(async (tx) => {
    const connection = await tx.first(
      LockedConnectionRow,
      `select organisation_id, provider, status, sync_cursor from crm_connections where id = ? for update`,
      [connectionId],
    );
    if (!connection) throw new PropsyncError('CONNECTION.NOT_FOUND', `No connection ${connectionId}`);
    if (connection.status === 'disconnected') {
      throw new PropsyncError(
        'CONNECTION.DISCONNECTED',
        'This connection is disconnected: reconnect it to sync again',
      );
    }
    if (scheduledFor) {
      const ran = await tx.first(
        z.object({ ran: z.boolean() }),
        `select true as ran from sync_runs where connection_id = ? and scheduled_for = ?`,
        [connectionId, scheduledFor],
      );
      if (ran) return { outcome: 'slot_already_ran' as const };
    }
    // We hold the connection's lock, so a run still marked running belongs to a dead worker.
    await tx.run(
      `update sync_runs set status = 'failed', finished_at = ?, errors_count = errors_count + 1,
         errors = errors || ?::jsonb where connection_id = ? and status = 'running'`,
      [now, sqlJson([workerDiedError(now)]), connectionId],
    );
    const cursor: SyncCursor = connection.sync_cursor ?? { modifiedSince: null, pending: null };
    const resumed = cursor.pending !== null;
    const pending = windowToRun(cursor, now, overlapMs);
    // Cycle bookkeeping, not a change to the connection: `updated_at` says when its settings,
    // credentials or status last changed (and versions the webhook adapters built from them).
    await tx.run(`update crm_connections set sync_cursor = ?::jsonb where id = ?`, [
      sqlJson({ ...cursor, pending }),
      connectionId,
    ]);
    const runId = randomUUID();
    await tx.run(
      `insert into sync_runs (id, connection_id, organisation_id, trigger, full_import, window_start, window_end, cursor_before,
         started_at, heartbeat_at, scheduled_for, credentials_changed_at)
       select ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, c.credentials_changed_at from crm_connections c where c.id = ?`,
      [
        runId,
        connectionId,
        connection.organisation_id,
        trigger,
        pending.windowStart === null,
        pending.windowStart,
        pending.windowEnd,
        sqlJson(cursor),
        now,
        now,
        scheduledFor,
        connectionId,
      ],
    );
    const run: SyncRunHandle = {
      runId,
      connectionId,
      organisationId: connection.organisation_id,
      provider: connection.provider,
      window: {
        start: pending.windowStart,
        end: pending.windowEnd,
        resumeAfter: pending.checkpoint,
        activityResumeAfter: pending.activityCheckpoint ?? null,
      },
      resumed,
    };
    return { outcome: 'started' as const, run };
  });
}

export async function closeRun(
  sql: Sql,
  run: SyncRunHandle,
  outcome: { succeeded: true } | ({ succeeded: false } & RunFailure),
  failingAlertAfterMs: number,
): Promise<void> {
  await sql.transaction(async (tx) => {
    if (outcome.succeeded) {
      const cursor = cursorAfterSuccess(run);
      await tx.run(
        `update sync_runs set status = case when errors_count > 0 then 'partial' else 'succeeded' end,
           finished_at = now(), heartbeat_at = now(), cursor_after = ?::jsonb where id = ?`,
        [sqlJson(cursor), run.runId],
      );
      const before = await tx.first(
        z.object({ was_failing: z.boolean() }),
        `select (failing_since is not null or status = 'error') as was_failing from crm_connections where id = ?`,
        [run.connectionId],
      );
      await tx.run(
        `update crm_connections set sync_cursor = ?::jsonb, last_synced_at = now(), status = 'active',
           failing_since = null, updated_at = case when status <> 'active' then now() else updated_at end
         where id = ? and status <> 'disconnected'`,
        [sqlJson(cursor), run.connectionId],
      );
      if (before?.was_failing) await queueHealthEvent(tx, run, 'connection.recovered', {});
      if (run.window.start === null) await announceInitialImport(tx, run);
      return;
    }
    const now = new Date();
    const error = { ...outcome.error, at: now.toISOString() };
    await tx.run(
      `update sync_runs set status = 'failed', finished_at = now(), heartbeat_at = now(), errors_count = errors_count + 1,
         errors = errors || ?::jsonb where id = ?`,
      [sqlJson([error]), run.runId],
    );
    // A run that started before the admin reconnected failed with the credentials they replaced:
    // its failure is the run's, not the connection's (no error state, alert or host event).
    const stale = await tx.first(
      z.object({ stale: z.boolean() }),
      `select c.credentials_changed_at is distinct from r.credentials_changed_at as stale
         from crm_connections c join sync_runs r on r.connection_id = c.id
       where c.id = ? and r.id = ?`,
      [run.connectionId, run.runId],
    );
    if (stale?.stale) return;
    // The pending window stays in the cursor, so the next cycle resumes it.
    const failing = await tx.first(
      z.object({ failing_since: sqlTimestamp }),
      `update crm_connections set last_error_at = now(), last_error_message = ?,
         status = case when ? and status <> 'disconnected' then 'error' else status end,
         failing_since = coalesce(failing_since, now()),
         updated_at = case when ? and status not in ('disconnected', 'error') then now() else updated_at end
         where id = ?
       returning failing_since`,
      [outcome.error.message, outcome.permanent, outcome.permanent, run.connectionId],
    );
    const alert = alertForFailedRun(run, outcome, failing?.failing_since ?? null, now, failingAlertAfterMs);
    if (alert) {
      const raised = await tx.first(
        z.object({ raised: z.boolean() }),
        `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
         values (?, ?, ?, ?, ?, ?, ?)
         on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null
         do update set message = excluded.message
         returning (xmax = 0) as raised`,
        [
          run.organisationId,
          run.connectionId,
          alert.kind,
          alert.severity,
          alert.message,
          alert.action,
          alert.dedupeKey,
        ],
      );
      // A new alert is a transition (an open one is only refreshed): the host hears of it once.
      if (raised?.raised) {
        await queueHealthEvent(tx, run, hostEventForAlert(alert), {
          code: outcome.error.code,
          message: alert.message,
          failingSince: failing?.failing_since.toISOString() ?? null,
        });
      }
    }
  });
}

/**
 * After a connection's first full import, one event instead of thousands: the counts, and a cursor
 * from which the host reads the agency's contacts with `contacts.list`.
 */
async function announceInitialImport(sql: Sql, run: SyncRunHandle): Promise<void> {
  const counts = await sql.first(
    z.object({
      fetched: z.number(),
      written: z.number(),
      unchanged: z.number(),
      errors: z.number(),
      first: z.boolean(),
    }),
    `select r.records_fetched as fetched, r.records_written as written, r.records_unchanged as unchanged,
       r.errors_count as errors,
       not exists (select 1 from sync_runs o where o.connection_id = r.connection_id and o.full_import
         and o.status in ('succeeded', 'partial') and o.id <> r.id) as first
     from sync_runs r where r.id = ?`,
    [run.runId],
  );
  if (!counts?.first) return;
  await queueHostEvent(sql, run.organisationId, 'connection.initial_import_completed', {
    connectionId: run.connectionId,
    provider: run.provider,
    counts: {
      fetched: counts.fetched,
      written: counts.written,
      unchanged: counts.unchanged,
      errors: counts.errors,
    },
    feedCursor: await feedStartCursor(sql),
  });
}

/** Queues a connection-health event for the agency's host, when it has a host webhook. */
async function queueHealthEvent(
  sql: Sql,
  run: SyncRunHandle,
  type: ConnectionHealthEvent,
  details: Record<string, unknown>,
): Promise<void> {
  await queueHostEvent(sql, run.organisationId, type, {
    connectionId: run.connectionId,
    provider: run.provider,
    ...details,
  });
}

export async function openWebhookRun(sql: Sql, connectionId: string): Promise<SyncRunHandle> {
  const row = await sql.first(
    z.object({ id: z.string(), organisation_id: z.string(), provider: CrmProviderSchema }),
    `insert into sync_runs (connection_id, organisation_id, trigger, full_import)
       select id, organisation_id, 'webhook', false from crm_connections where id = ? and status <> 'disconnected'
       returning id, organisation_id, (select provider from crm_connections where id = ?) as provider`,
    [connectionId, connectionId],
  );
  if (!row)
    throw new PropsyncError(
      'CONNECTION.DISCONNECTED',
      'This connection is disconnected: webhooks are not processed',
    );
  const now = new Date().toISOString();
  return {
    runId: row.id,
    connectionId,
    organisationId: row.organisation_id,
    provider: row.provider,
    window: { start: now, end: now, resumeAfter: null },
    resumed: false,
  };
}

export async function closeWebhookRun(sql: Sql, run: SyncRunHandle, errors: RunError[]): Promise<void> {
  const stamped = errors.map((error) => ({ ...error, at: new Date().toISOString() }));
  await sql.run(
    `update sync_runs set status = case when ? then 'partial' else 'succeeded' end, finished_at = now(), heartbeat_at = now(),
       errors_count = errors_count + ?, errors = errors || ?::jsonb where id = ?`,
    [stamped.length > 0, stamped.length, sqlJson(stamped), run.runId],
  );
}
