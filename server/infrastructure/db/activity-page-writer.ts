import { z } from 'zod';
import type { ActivityPage } from '../../core/ports/crm-adapter.ts';
import { signalOf, type EngagementSignal } from '../../core/ports/engagement-store.ts';
import type { ActivityPageResult, SyncRunHandle } from '../../core/ports/sync-store.ts';
import { upsertSignals } from './activity-writes.ts';
import { sqlJson, type Sql } from './sql.ts';

/**
 * One page of a CRM's activities, in one transaction: each activity matched to the contact its
 * CRM record is linked to, stored once (a later stage replacing an earlier one), records the
 * adapter could not map logged as errors, and the page's checkpoint saved with them.
 */
export async function writeActivityPage(
  sql: Sql,
  run: SyncRunHandle,
  page: ActivityPage,
): Promise<ActivityPageResult> {
  return sql.transaction(async (tx) => {
    const externalIds = [...new Set(page.activities.map((activity) => activity.contactExternalId))];
    const links =
      externalIds.length === 0
        ? []
        : await tx.rows(
            z.object({ external_id: z.string(), contact_id: z.string() }),
            `select external_id, contact_id from contact_external_ids
             where connection_id = ? and external_id = any(array[?]::text[])`,
            [run.connectionId, externalIds],
          );
    const contactOf = new Map(links.map((link) => [link.external_id, link.contact_id]));
    const signals: EngagementSignal[] = [];
    let unmatched = 0;
    for (const activity of page.activities) {
      const contactId = contactOf.get(activity.contactExternalId);
      if (!contactId) {
        unmatched++;
        continue;
      }
      signals.push(signalOf(activity, contactId, run.connectionId));
    }
    const changed = await upsertSignals(tx, run.organisationId, signals);
    if (page.rejected.length > 0) await logRejected(tx, run, page.rejected);
    if (page.checkpoint) {
      await tx.run(
        `update crm_connections set sync_cursor = jsonb_set(sync_cursor, '{pending,activityCheckpoint}', ?::jsonb)
         where id = ? and sync_cursor -> 'pending' is not null and sync_cursor -> 'pending' <> 'null'::jsonb`,
        [sqlJson(page.checkpoint), run.connectionId],
      );
    }
    return {
      recorded: changed.length,
      unmatched,
      rejected: page.rejected.length,
      contactIds: [...new Set(changed)],
    };
  });
}

async function logRejected(sql: Sql, run: SyncRunHandle, rejected: ActivityPage['rejected']): Promise<void> {
  const at = new Date().toISOString();
  await sql.run(
    `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, status, error_code, error)
     select ?, ?, ?, 'activity', 'inbound', x.external_id, 'error', 'ADAPTER.BAD_RESPONSE', x.reason
     from jsonb_to_recordset(?::jsonb) as x(external_id text, reason text)`,
    [run.runId, run.connectionId, run.organisationId, sqlJson(rejected)],
  );
  await sql.run(
    `update sync_runs set errors_count = errors_count + ?, errors = errors || ?::jsonb, heartbeat_at = now() where id = ?`,
    [
      rejected.length,
      sqlJson(
        rejected.map((record) => ({
          code: 'ADAPTER.BAD_RESPONSE',
          message: record.reason,
          statusCode: null,
          externalId: record.externalId,
          retryState: 'gave_up',
          at,
        })),
      ),
      run.runId,
    ],
  );
}
