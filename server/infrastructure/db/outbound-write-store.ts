import { z } from 'zod';
import type { ContactChange, OutboundActivity } from '../../core/ports/crm-adapter.ts';
import type { OutboundOutcome, OutboundWork, SyncRunHandle } from '../../core/ports/sync-store.ts';
import { outboundRetryDelaySeconds } from '../../core/sync/run-outcome.ts';
import { queueHostEvent } from './host-event-queue.ts';
import { sqlJson, sqlTimestamp, type Sql } from './sql.ts';

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
  .transform((row): OutboundWork =>
    row.kind === 'contact_update'
      ? { id: row.id, attempts: row.attempts, kind: row.kind, change: row.payload as ContactChange }
      : { id: row.id, attempts: row.attempts, kind: row.kind, activity: row.payload as OutboundActivity },
  );

export async function claimOutboundWrites(
  sql: Sql,
  run: SyncRunHandle,
  limit: number,
): Promise<OutboundWork[]> {
  // The run holds the connection's lock, so rows left in flight belong to a worker that died.
  // Until the admin confirms the field mapping nothing is taken: the writes wait, queued (a newer
  // score replaces a pending one), and go out with the first cycle after the confirmation.
  return sql.rows(
    ClaimedWriteRow,
    `update outbound_writes set status = 'in_flight', attempts = attempts + 1, updated_at = now()
     where id in (select id from outbound_writes where connection_id = ?
       and (status = 'pending' or (status = 'failed' and next_attempt_at <= now()) or status = 'in_flight')
       and exists (select 1 from crm_connections c where c.id = ? and c.field_mapping_confirmed_at is not null)
       order by next_attempt_at, created_at limit ?)
     returning id, kind, attempts, payload`,
    [run.connectionId, run.connectionId, limit],
  );
}

/**
 * Whether a failure is the CRM refusing this write for good (validation, a record it no longer has):
 * such a write stops retrying at once and waits for an admin. Refused credentials or permissions
 * are the connection's failure, not the write's (every write waits for the reconnect); our own
 * unexpected failures keep retrying.
 */
export function refusesTheWrite(outcome: Extract<OutboundOutcome, { ok: false }>): boolean {
  return (
    outcome.permanent &&
    outcome.error.code.startsWith('ADAPTER.') &&
    outcome.error.code !== 'ADAPTER.AUTH_INVALID' &&
    outcome.error.code !== 'ADAPTER.PERMISSION_DENIED'
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
  const refused = !outcome.ok && refusesTheWrite(outcome);
  await sql.transaction(async (tx) => {
    const write = await tx.first(
      z.object({ contact_id: z.string().nullable() }),
      outcome.ok
        ? `update outbound_writes set status = 'done', external_ref = ?, last_error = null, last_error_code = null,
               last_status_code = null, updated_at = now() where id = ? returning contact_id`
        : refused
          ? // Refused for good: never claimed again (no next attempt) until an admin retries it.
            `update outbound_writes set status = 'refused', refused_at = now(), last_error_code = ?, last_error = ?,
               last_status_code = ?, updated_at = now() where id = ? returning contact_id`
          : `update outbound_writes set status = 'failed', last_error_code = ?, last_error = ?, last_status_code = ?,
               next_attempt_at = now() + make_interval(secs => ?), updated_at = now() where id = ? returning contact_id`,
      outcome.ok
        ? [outcome.result.externalRef, work.id]
        : refused
          ? [outcome.error.code, outcome.error.message, outcome.error.statusCode, work.id]
          : [
              outcome.error.code,
              outcome.error.message,
              outcome.error.statusCode,
              outboundRetryDelaySeconds(work.attempts),
              work.id,
            ],
    );
    if (refused)
      await raiseWriteRefusedAlert(tx, run, work, write?.contact_id ?? null, outcome.error.message);
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

/** What was being written, in an admin's words: the fields of a contact update, or the outcome logged. */
export function describeWrite(work: OutboundWork): string {
  if (work.kind === 'contact_update') {
    const fields = Object.keys(work.change.fields);
    return `the update of ${fields.length > 0 ? fields.join(', ') : 'the contact'}`;
  }
  const what = {
    email_sent: 'email log entry',
    engagement_score: 'engagement score',
    hot_lead: 'hot-lead flag',
  }[work.activity.kind];
  return `the ${what} "${work.activity.summary}"`;
}

/** One alert per refused write, naming the contact, the write and the CRM's reason. */
async function raiseWriteRefusedAlert(
  tx: Sql,
  run: SyncRunHandle,
  work: OutboundWork,
  contactId: string | null,
  reason: string,
): Promise<void> {
  const names = await tx.first(
    z.object({ contact: z.string().nullable(), crm: z.string() }),
    `select (select nullif(trim(concat_ws(' ', first_name, last_name)), '') from contacts where id = ?) as contact,
       coalesce((select display_name from crm_providers where id = ?), ?) as crm`,
    [contactId, run.provider, run.provider],
  );
  const externalId =
    work.kind === 'contact_update' ? work.change.externalId : work.activity.contactExternalId;
  const contact = names?.contact ? `${names.contact} (CRM record ${externalId})` : `CRM record ${externalId}`;
  const message = `${names?.crm ?? run.provider} refused ${describeWrite(work)} for ${contact} and will not be retried: ${reason}`;
  await tx.run(
    `insert into alerts (organisation_id, connection_id, contact_id, kind, severity, message, action, dedupe_key)
     values (?, ?, ?, 'write_refused', 'warning', ?, ?, ?)
     on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null
     do update set message = excluded.message`,
    [
      run.organisationId,
      run.connectionId,
      contactId,
      message,
      contactId ? 'view_contact' : null,
      writeRefusedDedupeKey(work.id),
    ],
  );
  // The host hears of it too, so it can tell its own users; the message names no secret.
  await queueHostEvent(tx, run.organisationId, 'writeback.failed', {
    connectionId: run.connectionId,
    provider: run.provider,
    writeId: work.id,
    contactId,
    contactExternalId: externalId,
    kind: work.kind,
    reason,
  });
}

/** The refused write's alert: resolved when the write is retried or dismissed. */
export function writeRefusedDedupeKey(writeId: string): string {
  return `write_refused:${writeId}`;
}

const FailedWriteRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider: z.string(),
  provider_name: z.string(),
  contact_id: z.string().nullable(),
  contact_name: z.string().nullable(),
  kind: z.enum(OUTBOUND_KINDS),
  payload: z.record(z.string(), z.unknown()),
  attempts: z.number(),
  last_error: z.string().nullable(),
  last_status_code: z.number().nullable(),
  refused_at: sqlTimestamp,
});

export type FailedWriteRecord = {
  id: string;
  connectionId: string;
  provider: string;
  providerName: string;
  contactId: string | null;
  contactName: string | null;
  contactExternalId: string;
  kind: OutboundWork['kind'];
  description: string;
  reason: string;
  statusCode: number | null;
  attempts: number;
  refusedAt: string;
};

/** The agency's refused writes, newest first (`connectionId` narrows to one connection). */
export async function listRefusedWrites(
  sql: Sql,
  organisationId: string,
  filter: { connectionId?: string | undefined; limit: number },
): Promise<FailedWriteRecord[]> {
  const rows = await sql.rows(
    FailedWriteRow,
    `select w.id, w.connection_id, c.provider, coalesce(p.display_name, c.provider) as provider_name, w.contact_id,
       nullif(trim(concat_ws(' ', k.first_name, k.last_name)), '') as contact_name, w.kind, w.payload, w.attempts,
       w.last_error, w.last_status_code, w.refused_at
     from outbound_writes w
     join crm_connections c on c.id = w.connection_id
     left join crm_providers p on p.id = c.provider
     left join contacts k on k.id = w.contact_id
     where w.organisation_id = ? and w.status = 'refused' and (?::uuid is null or w.connection_id = ?::uuid)
     order by w.refused_at desc, w.id limit ?`,
    [organisationId, filter.connectionId ?? null, filter.connectionId ?? null, filter.limit],
  );
  return rows.map((row) => {
    const work = ClaimedWriteRow.parse({
      id: row.id,
      kind: row.kind,
      attempts: row.attempts,
      payload: row.payload,
    });
    return {
      id: row.id,
      connectionId: row.connection_id,
      provider: row.provider,
      providerName: row.provider_name,
      contactId: row.contact_id,
      contactName: row.contact_name,
      contactExternalId:
        work.kind === 'contact_update' ? work.change.externalId : work.activity.contactExternalId,
      kind: row.kind,
      description: describeWrite(work),
      reason: row.last_error ?? 'The CRM refused the write',
      statusCode: row.last_status_code,
      attempts: row.attempts,
      refusedAt: row.refused_at.toISOString(),
    };
  });
}

/**
 * An admin's answer to a refused write: `retry` queues it again now (from a fresh count of
 * attempts), `dismiss` sets it aside for good. Either resolves its alert. Answers the write's
 * connection, or null when the agency has no such refused write.
 */
export async function settleRefusedWrite(
  sql: Sql,
  organisationId: string,
  writeId: string,
  action: 'retry' | 'dismiss',
): Promise<{ connectionId: string } | null> {
  return sql.transaction(async (tx) => {
    const write = await tx.first(
      z.object({ connection_id: z.string() }),
      action === 'retry'
        ? `update outbound_writes set status = 'pending', attempts = 0, next_attempt_at = now(), refused_at = null,
             updated_at = now() where id = ? and organisation_id = ? and status = 'refused' returning connection_id`
        : `update outbound_writes set status = 'dismissed', updated_at = now()
             where id = ? and organisation_id = ? and status = 'refused' returning connection_id`,
      [writeId, organisationId],
    );
    if (!write) return null;
    await tx.run(
      `update alerts set resolved_at = now() where organisation_id = ? and dedupe_key = ? and resolved_at is null`,
      [organisationId, writeRefusedDedupeKey(writeId)],
    );
    return { connectionId: write.connection_id };
  });
}

/**
 * What needs an admin per connection (connections with none are absent): parked deliveries,
 * dead-lettered ones whose alert nobody has acknowledged yet, and refused writes. `organisationId`
 * null counts every agency's.
 */
export function issueCountsByConnection(
  sql: Sql,
  organisationId: string | null,
): Promise<Array<{ connectionId: string; parked: number; deadLettered: number; failedWrites: number }>> {
  return sql.rows(
    z
      .object({
        connection_id: z.string(),
        parked: z.number(),
        dead_lettered: z.number(),
        failed_writes: z.number(),
      })
      .transform((row) => ({
        connectionId: row.connection_id,
        parked: row.parked,
        deadLettered: row.dead_lettered,
        failedWrites: row.failed_writes,
      })),
    `select connection_id, sum(parked)::int as parked, sum(dead_lettered)::int as dead_lettered,
       sum(failed_writes)::int as failed_writes
     from (
       select connection_id, organisation_id, count(*) filter (where status = 'parked') as parked,
         count(*) filter (where status = 'dead_lettered') as dead_lettered, 0 as failed_writes
       from webhook_deliveries d
       -- A dead-lettered delivery's alert is keyed as deadLetteredAlertKey (webhook-delivery-store.ts) makes it.
       where status = 'parked' or (status = 'dead_lettered' and exists (
         select 1 from alerts a where a.organisation_id = d.organisation_id
           and a.dedupe_key = 'delivery_dead_lettered:' || d.id and a.resolved_at is null and a.acknowledged_at is null))
       group by connection_id, organisation_id
       union all
       select connection_id, organisation_id, 0, 0, count(*) from outbound_writes where status = 'refused'
       group by connection_id, organisation_id
     ) counts
     where ?::uuid is null or organisation_id = ?::uuid
     group by connection_id order by connection_id`,
    [organisationId, organisationId],
  );
}
