import { z } from 'zod';
import type { ContactChange, OutboundActivity } from '../../core/ports/crm-adapter.ts';
import type { OutboundOutcome, OutboundWork, SyncRunHandle } from '../../core/ports/sync-store.ts';
import { outboundRetryDelaySeconds } from '../../core/sync/run-outcome.ts';
import { sqlJson, type Sql } from './sql.ts';

/** The queue of writes to the CRM a run works through: taking due writes, and recording each result. */

const OUTBOUND_KINDS = [
  'contact_update',
  'journal_entry',
  'note',
  'metadata',
] as const satisfies readonly OutboundWork['kind'][];

/**
 * A claimed write. The payload is what Propsync itself queued for this kind (a contact change or
 * an activity), so it is taken as written rather than checked again field by field.
 */
const ClaimedWriteRow = z
  .object({
    id: z.string(),
    kind: z.enum(OUTBOUND_KINDS),
    attempts: z.number(),
    payload: z.record(z.string(), z.unknown()),
  })
  .transform(
    (row): OutboundWork =>
      row.kind === 'contact_update'
        ? { id: row.id, attempts: row.attempts, kind: row.kind, change: row.payload as ContactChange }
        : { id: row.id, attempts: row.attempts, kind: row.kind, activity: row.payload as OutboundActivity },
  );

export async function claimOutboundWrites(sql: Sql, run: SyncRunHandle, limit: number): Promise<OutboundWork[]> {
  // The run holds the connection's lock, so rows left in flight belong to a worker that died.
  return sql.rows(
    ClaimedWriteRow,
    `update outbound_writes set status = 'in_flight', attempts = attempts + 1, updated_at = now()
     where id in (select id from outbound_writes where connection_id = ?
       and (status = 'pending' or (status = 'failed' and next_attempt_at <= now()) or status = 'in_flight')
       order by next_attempt_at, created_at limit ?)
     returning id, kind, attempts, payload`,
    [run.connectionId, limit],
  );
}

export async function recordOutboundWrite(
  sql: Sql,
  run: SyncRunHandle,
  work: OutboundWork,
  outcome: OutboundOutcome,
): Promise<void> {
  const entityType = work.kind === 'contact_update' ? 'contact' : work.kind;
  const externalId =
    work.kind === 'contact_update' ? work.change.externalId : work.activity.contactExternalId;
  await sql.transaction(async (tx) => {
    const write = await tx.first(
      z.object({ contact_id: z.string().nullable() }),
      outcome.ok
        ? `update outbound_writes set status = 'done', external_ref = ?, last_error = null, last_error_code = null,
               last_status_code = null, updated_at = now() where id = ? returning contact_id`
        : `update outbound_writes set status = 'failed', last_error_code = ?, last_error = ?, last_status_code = ?,
               next_attempt_at = now() + make_interval(secs => ?), updated_at = now() where id = ? returning contact_id`,
      outcome.ok
        ? [outcome.result.externalRef, work.id]
        : [
            outcome.error.code,
            outcome.error.message,
            outcome.error.statusCode,
            outboundRetryDelaySeconds(work.attempts),
            work.id,
          ],
    );
    await tx.run(
      `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, internal_id,
           status, error_code, error, status_code)
         values (?, ?, ?, ?, 'outbound', ?, ?, ?, ?, ?, ?)`,
      [
        run.runId,
        run.connectionId,
        run.organisationId,
        entityType,
        externalId,
        write?.contact_id ?? null,
        outcome.ok ? 'updated' : 'error',
        outcome.ok ? null : outcome.error.code,
        outcome.ok ? null : outcome.error.message,
        outcome.ok ? null : outcome.error.statusCode,
      ],
    );
    await tx.run(
      outcome.ok
        ? `update sync_runs set records_pushed = records_pushed + 1, heartbeat_at = now() where id = ?`
        : `update sync_runs set errors_count = errors_count + 1, errors = errors || ?::jsonb, heartbeat_at = now() where id = ?`,
      outcome.ok
        ? [run.runId]
        : [sqlJson([{ ...outcome.error, externalId, at: new Date().toISOString() }]), run.runId],
    );
  });
}
