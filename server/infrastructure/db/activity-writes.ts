import { z } from 'zod';
import { RANKED_STAGES, signalKey } from '../../core/domain/activity-stages.ts';
import type { EngagementSignal } from '../../core/ports/engagement-store.ts';
import { sqlJson, type Sql, type SqlParam } from './sql.ts';

/** A stage's rank in SQL, over `column`: the same ranks as the core's activity stages. */
function rankOf(column: string): string {
  return `case ${column} ${RANKED_STAGES.map(([type, rank]) => `when '${type}' then ${rank}`).join(' ')} else 0 end`;
}

/**
 * Runs `change` (a data-modifying statement returning `contact_id`, one row per signal changed)
 * and, in the same statement, marks those contacts pending rescoring: a crash before the rescoring
 * leaves the mark, and the next cycle or the scheduled rescoring picks it up. Marks are written in
 * contact order, so two CRMs' pages marking the same people wait for each other, never deadlock.
 * Answers the contact of each changed signal.
 */
async function changeAndMark(
  sql: Sql,
  organisationId: string,
  change: string,
  params: SqlParam[],
): Promise<string[]> {
  const changed = await sql.rows(
    z.object({ contact_id: z.string() }),
    `with stored as (${change}),
     marked as (
       insert into rescore_marks (contact_id, organisation_id, marked_at)
       select s.contact_id, ?::uuid, clock_timestamp() from (select distinct contact_id from stored) s order by s.contact_id
       on conflict (contact_id) do update set marked_at = excluded.marked_at)
     select contact_id from stored`,
    [...params, organisationId],
  );
  return changed.map((row) => row.contact_id);
}

/**
 * Stores signals of one agency: each record once per (source, external id, signal key), a later
 * stage replacing an earlier one. A withdrawal (the record will not happen) marks the row withdrawn
 * for good, keeping the stage it had reached for the audit; a withdrawal of a record never seen is
 * stored withdrawn, so a late replay of an earlier stage cannot revive it. Contacts of other
 * agencies are ignored. Answers the contact of every signal that was new, moved to a later stage or
 * was withdrawn (the contacts to rescore), and marks them pending rescoring.
 */
export async function upsertSignals(
  sql: Sql,
  organisationId: string,
  signals: readonly EngagementSignal[],
): Promise<string[]> {
  if (signals.length === 0) return [];
  // The agency is checked on each signal's contact (its primary key): as a join, a planner whose
  // statistics predate the agency's contacts (an import) reads all of them for every page.
  return changeAndMark(
    sql,
    organisationId,
    `insert into activities (organisation_id, contact_id, connection_id, type, signal_key, source, external_id, occurred_at, details, withdrawn)
       select ?, x.contact_id, x.connection_id, x.type, x.signal_key, x.source, x.external_id, x.occurred_at,
         coalesce(x.details, '{}'::jsonb), x.withdrawn
       from jsonb_to_recordset(?::jsonb) as x(contact_id uuid, connection_id uuid, type text, signal_key text, source text,
         external_id text, occurred_at timestamptz, details jsonb, withdrawn boolean)
       where (select c.organisation_id from contacts c where c.id = x.contact_id) = ?
       on conflict (organisation_id, source, external_id, signal_key) do update
         set type = case when excluded.withdrawn then activities.type else excluded.type end,
           occurred_at = case when excluded.withdrawn then activities.occurred_at else excluded.occurred_at end,
           details = case when excluded.withdrawn then activities.details || excluded.details else excluded.details end,
           withdrawn = excluded.withdrawn
         where not activities.withdrawn
           and (excluded.withdrawn or ${rankOf('excluded.type')} > ${rankOf('activities.type')})
       returning contact_id`,
    [organisationId, sqlJson(latestStagePerRecord(signals)), organisationId],
  );
}

/**
 * Withdraws what the agency stored for these records of the connection's CRM (its source, the
 * records' external ids, every stage family), when the CRM no longer has them and so cannot say
 * whose they were or what stage they reached (a re-read answered 404). Only rows that exist change:
 * an id never stored stores nothing. The stage reached stays for the audit, as for any withdrawal.
 * Answers the contacts whose signals were withdrawn, marked pending rescoring in the same statement.
 */
export async function withdrawStoredSignals(
  sql: Sql,
  organisationId: string,
  connectionId: string,
  externalIds: readonly string[],
): Promise<string[]> {
  if (externalIds.length === 0) return [];
  const changed = await changeAndMark(
    sql,
    organisationId,
    `update activities a set withdrawn = true
       from crm_connections c
       where c.id = ? and c.organisation_id = ? and a.organisation_id = c.organisation_id
         and a.source = c.provider and a.external_id = any(array[?]::text[]) and not a.withdrawn
       returning a.contact_id`,
    [connectionId, organisationId, [...externalIds]],
  );
  return [...new Set(changed)];
}

/**
 * One row per record (a poll may bring a record's two stages): its withdrawal if any, else the
 * later stage, for one statement.
 */
function latestStagePerRecord(signals: readonly EngagementSignal[]) {
  const byRecord = new Map<string, ReturnType<typeof row>>();
  for (const signal of signals) {
    const candidate = row(signal);
    const key = JSON.stringify([candidate.source, candidate.external_id, candidate.signal_key]);
    const current = byRecord.get(key);
    const supersedes =
      !current ||
      (candidate.withdrawn && !current.withdrawn) ||
      (candidate.withdrawn === current.withdrawn && candidate.rank > current.rank);
    if (supersedes) byRecord.set(key, candidate);
  }
  return [...byRecord.values()];
}

function row(signal: EngagementSignal) {
  const rank = RANKED_STAGES.find(([type]) => type === signal.type)?.[1] ?? 0;
  return {
    contact_id: signal.contactId,
    connection_id: signal.connectionId,
    type: signal.type,
    signal_key: signalKey(signal.type),
    source: signal.source,
    external_id: signal.externalId,
    occurred_at: signal.occurredAt,
    details: signal.details,
    withdrawn: signal.withdrawn === true,
    rank,
  };
}
