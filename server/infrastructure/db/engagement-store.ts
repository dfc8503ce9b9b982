import { z } from 'zod';
import { ActivityTypeSchema } from '../../../shared/activity.ts';
import { CrmProviderSchema } from '../../../shared/providers.ts';
import type {
  EngagementContactView,
  EngagementSignal,
  EngagementStore,
  OutboundWriteRequest,
  SavedScore,
  ScoringInput,
} from '../../core/ports/engagement-store.ts';
import type { EntityManager } from './orm.ts';
import { upsertSignals, withdrawStoredSignals } from './activity-writes.ts';
import { contactIdentity, contactIdentityColumns } from './contact-rows.ts';
import { queueHostEvent } from './host-event-queue.ts';
import { Sql, sqlJson, sqlNumber, sqlTimestamp } from './sql.ts';

const ContactViewRow = z
  .object({
    ...contactIdentityColumns,
    nurture_category: z.string(),
    marketing_consent: z.string(),
    intent_score: sqlNumber,
    hot_lead_at: sqlTimestamp.nullable(),
    reasons: z
      .array(
        z.object({ type: z.string(), occurredAt: z.string(), weight: z.number(), contribution: z.number() }),
      )
      .nullable(),
    external_ids: z.array(
      z.object({
        provider: CrmProviderSchema,
        externalId: z.string(),
        active: z.boolean(),
        crmModifiedAt: z.string().nullable(),
      }),
    ),
  })
  .transform((row): EngagementContactView => ({
    ...contactIdentity(row),
    nurtureCategory: row.nurture_category,
    marketingConsent: row.marketing_consent,
    intentScore: row.intent_score,
    hotLeadAt: row.hot_lead_at ? row.hot_lead_at.toISOString() : null,
    scoreReasons: row.reasons ?? [],
    externalIds: row.external_ids,
  }));

const ScoringInputRow = z
  .object({
    id: z.string(),
    intent_score: sqlNumber,
    hot_lead_at: sqlTimestamp.nullable(),
    written_score: sqlNumber.nullable(),
    name: z.string(),
    signals: z.array(z.object({ type: ActivityTypeSchema, occurredAt: z.string() })).nullable(),
    pending_mark: z.string().nullable(),
  })
  .transform((row): ScoringInput => ({
    id: row.id,
    intentScore: row.intent_score,
    hotLeadAt: row.hot_lead_at,
    writtenScore: row.written_score,
    name: row.name,
    signals: row.signals ?? [],
    pendingMark: row.pending_mark,
  }));

const ConnectionIdRow = z.object({ connection_id: z.string() });

/** Contacts rescored per transaction: large enough that a page of signals is one pass. */
export const RESCORE_BATCH = 500;

/** The statement was chosen to break a deadlock (40P01). */
function isDeadlock(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === '40P01';
}

export class PostgresEngagementStore implements EngagementStore {
  readonly #sql: Sql;
  readonly #batchSize: number;

  /**
   * On the EntityManager, or on a transaction's `Sql` (the scoring transactions). `batchSize`:
   * contacts rescored per transaction (RESCORE_BATCH unless a test asks otherwise).
   */
  constructor(source: EntityManager | Sql, options: { batchSize?: number } = {}) {
    this.#sql = source instanceof Sql ? source : new Sql(source);
    this.#batchSize = Math.max(1, options.batchSize ?? RESCORE_BATCH);
  }

  async forEachBatchLocked(
    organisationId: string,
    contactIds: readonly string[],
    window: { now: Date; horizonDays: number },
    work: (inputs: ScoringInput[], store: EngagementStore) => Promise<void>,
  ): Promise<void> {
    const unique = [...new Set(contactIds)];
    const waitFor: string[] = [];
    for (let start = 0; start < unique.length; start += this.#batchSize) {
      const batch = unique.slice(start, start + this.#batchSize);
      try {
        const skipped = await this.#sql.transaction(async (tx) => {
          // In contact order, and never waiting: a page writer updating some of these contacts keeps
          // them, and they are rescored below once it commits. A batch therefore never waits for a
          // row lock while holding others, so it cannot deadlock with a page or another batch.
          const locked = await tx.rows(
            z.object({ id: z.string() }),
            `select id from contacts where organisation_id = ? and id = any(array[?]::uuid[])
             order by id for no key update skip locked`,
            [organisationId, batch],
          );
          const lockedIds = new Set(locked.map((row) => row.id));
          if (lockedIds.size > 0) {
            const store = new PostgresEngagementStore(tx);
            const inputs = await store.scoringInputs(organisationId, [...lockedIds], window);
            // In the order asked for, as one contact at a time would have gone.
            const position = new Map(batch.map((id, index) => [id, index]));
            inputs.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
            await work(inputs, store);
          }
          return batch.filter((id) => !lockedIds.has(id));
        });
        waitFor.push(...skipped);
      } catch (error) {
        // Rolled back whole (a queued write the pusher was claiming, say): one contact at a time.
        if (!isDeadlock(error) || batch.length === 1) throw error;
        waitFor.push(...batch);
      }
    }
    // The contacts left out (or rolled back), each in a transaction of its own that waits for its lock.
    for (const contactId of waitFor) {
      await this.#sql.transaction(async (tx) => {
        // The lock first, then the read: the read sees whatever a rescoring that held it saved.
        const locked = await tx.first(
          z.object({ id: z.string() }),
          // `no key update`: rescorings of one contact wait for each other, while the foreign-key
          // checks of a signal stored meanwhile (key share) do not wait for us: no deadlock with them.
          `select id from contacts where id = ? and organisation_id = ? for no key update`,
          [contactId, organisationId],
        );
        if (!locked) return;
        const store = new PostgresEngagementStore(tx);
        const inputs = await store.scoringInputs(organisationId, [contactId], window);
        if (inputs.length > 0) await work(inputs, store);
      });
    }
  }

  recordActivities(organisationId: string, signals: readonly EngagementSignal[]): Promise<string[]> {
    return upsertSignals(this.#sql, organisationId, signals);
  }

  withdrawRecords(
    organisationId: string,
    connectionId: string,
    externalIds: readonly string[],
  ): Promise<string[]> {
    return withdrawStoredSignals(this.#sql, organisationId, connectionId, externalIds);
  }

  async contactExists(organisationId: string, contactId: string): Promise<boolean> {
    const contact = await this.#sql.first(
      z.object({ id: z.string() }),
      `select id from contacts where id = ? and organisation_id = ?`,
      [contactId, organisationId],
    );
    return contact !== undefined;
  }

  async intentScore(contactId: string): Promise<number> {
    const scored = await this.#sql.first(
      z.object({ intent_score: sqlNumber }),
      `select intent_score from contacts where id = ?`,
      [contactId],
    );
    return scored?.intent_score ?? 0;
  }

  async contactView(organisationId: string, contactId: string): Promise<EngagementContactView | null> {
    const row = await this.#sql.first(
      ContactViewRow,
      `select c.id, c.title, c.first_name, c.last_name, c.emails, c.phones, c.nurture_category, c.marketing_consent,
         c.intent_score, c.hot_lead_at, c.engagement -> 'reasons' as reasons,
         coalesce((select jsonb_agg(jsonb_build_object('provider', e.provider, 'externalId', e.external_id, 'active', e.active,
             'crmModifiedAt', e.crm_modified_at) order by e.provider, e.external_id)
           from contact_external_ids e where e.contact_id = c.id), '[]'::jsonb) as external_ids
       from contacts c where c.id = ? and c.organisation_id = ?`,
      [contactId, organisationId],
    );
    return row ?? null;
  }

  async scoringPolicy(organisationId: string): Promise<unknown> {
    const organisation = await this.#sql.first(
      z.object({ scoring_policy: z.unknown() }),
      `select scoring_policy from organisations where id = ?`,
      [organisationId],
    );
    return organisation?.scoring_policy ?? null;
  }

  scoringInputs(
    organisationId: string,
    contactIds: readonly string[],
    window: { now: Date; horizonDays: number },
  ): Promise<ScoringInput[]> {
    return this.#sql.rows(
      ScoringInputRow,
      `select c.id, c.intent_score, c.hot_lead_at, (c.engagement ->> 'writtenScore')::numeric as written_score, concat_ws(' ', c.first_name, c.last_name) as name,
         (select jsonb_agg(jsonb_build_object('type', a.type, 'occurredAt', a.occurred_at)) from activities a
           where a.contact_id = c.id and not a.withdrawn
             and a.occurred_at > ?::timestamptz - make_interval(days => ?)) as signals,
         (select m.marked_at::text from rescore_marks m where m.contact_id = c.id) as pending_mark
       from contacts c where c.organisation_id = ? and c.id = any(array[?]::uuid[])`,
      [window.now, window.horizonDays, organisationId, contactIds],
    );
  }

  async saveScores(scores: ReadonlyArray<{ contactId: string; score: SavedScore }>): Promise<void> {
    if (scores.length === 0) return;
    await this.#sql.run(
      `update contacts c set intent_score = x.value,
         hot_lead_at = case x.hot_lead when 'set' then x.scored_at when 'cleared' then null else c.hot_lead_at end,
         engagement = c.engagement || jsonb_build_object('scoredAt', x.scored_text, 'signals', x.signals, 'reasons', x.reasons)
           || case when x.written_score is null then '{}'::jsonb else jsonb_build_object('writtenScore', x.written_score) end,
         field_modified_at = c.field_modified_at || jsonb_build_object('intentScore', x.scored_text), updated_at = now()
       from jsonb_to_recordset(?::jsonb) as x(id uuid, value numeric, hot_lead text, scored_at timestamptz,
         scored_text text, signals int, reasons jsonb, written_score numeric)
       where c.id = x.id`,
      [
        sqlJson(
          scores.map(({ contactId, score }) => ({
            id: contactId,
            value: score.value,
            hot_lead: score.hotLead ?? 'unchanged',
            scored_at: score.scoredAt.toISOString(),
            scored_text: score.scoredAt.toISOString(),
            signals: score.signals,
            reasons: score.reasons,
            written_score: score.writtenScore,
          })),
        ),
      ],
    );
  }

  async clearPendingMarks(inputs: readonly ScoringInput[]): Promise<void> {
    const marked = inputs.filter((input) => input.pendingMark !== null);
    if (marked.length === 0) return;
    // Text to text: the mark keeps its microseconds, which a JavaScript Date would drop. Locked in
    // contact order, as signals mark them (upsertSignals), so the two never deadlock; a mark moved
    // on meanwhile no longer matches once its writer commits, and stays.
    await this.#sql.run(
      `delete from rescore_marks where contact_id in (
         select m.contact_id from rescore_marks m join jsonb_to_recordset(?::jsonb) as x(id uuid, mark text)
           on m.contact_id = x.id and m.marked_at::text = x.mark
         order by m.contact_id for update of m)`,
      [sqlJson(marked.map((input) => ({ id: input.id, mark: input.pendingMark })))],
    );
  }

  async pendingRescores(organisationId: string, limit: number): Promise<string[]> {
    const rows = await this.#sql.rows(
      z.object({ contact_id: z.string() }),
      `select contact_id from rescore_marks where organisation_id = ? limit ?`,
      [organisationId, limit],
    );
    return rows.map((row) => row.contact_id);
  }

  async claimDueForRescoring(
    now: Date,
    dueBefore: Date,
    limit: number,
  ): Promise<Array<{ organisationId: string; contactId: string }>> {
    const claimed = await this.#sql.rows(
      z.object({ organisation_id: z.string(), id: z.string() }),
      `with due as (
         select id from contacts
         where (intent_score > 0 or hot_lead_at is not null) and (rescored_at is null or rescored_at < ?)
         order by rescored_at nulls first limit ? for update skip locked),
       pending as (
         select c.id from rescore_marks m join contacts c on c.id = m.contact_id
         where (c.rescored_at is null or c.rescored_at < ?) and c.id not in (select id from due)
         limit ? for update of c skip locked)
       update contacts c set rescored_at = ?
       from (select id from due union all select id from pending) claimed where c.id = claimed.id
       returning c.organisation_id, c.id`,
      [dueBefore, limit, dueBefore, limit, now],
    );
    return claimed.map((row) => ({ organisationId: row.organisation_id, contactId: row.id }));
  }

  async resolveHotLeadAlert(organisationId: string, contactId: string): Promise<void> {
    await this.#sql.run(
      `update alerts set resolved_at = now() where organisation_id = ? and dedupe_key = ? and resolved_at is null`,
      [organisationId, `hot_lead:${contactId}`],
    );
  }

  async raiseHotLeadAlert(organisationId: string, contactId: string, message: string): Promise<void> {
    await this.#sql.run(
      `insert into alerts (organisation_id, contact_id, kind, severity, message, action, dedupe_key)
       values (?, ?, 'hot_lead', 'warning', ?, 'view_contact', ?)
       on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null do nothing`,
      [organisationId, contactId, message, `hot_lead:${contactId}`],
    );
  }

  async queueHostEvent(
    organisationId: string,
    type: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    await queueHostEvent(this.#sql, organisationId, type, payload);
  }

  async activeLinks(
    organisationId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, Array<{ connectionId: string; externalId: string }>>> {
    const byContact = new Map<string, Array<{ connectionId: string; externalId: string }>>();
    if (contactIds.length === 0) return byContact;
    const links = await this.#sql.rows(
      z.object({ contact_id: z.string(), connection_id: z.string(), external_id: z.string() }),
      `select distinct on (e.contact_id, e.connection_id) e.contact_id, e.connection_id, e.external_id
       from contact_external_ids e
         join crm_connections c on c.id = e.connection_id and c.status <> 'disconnected'
       where e.contact_id = any(array[?]::uuid[]) and e.organisation_id = ? and e.active
       order by e.contact_id, e.connection_id, e.crm_modified_at desc nulls last`,
      [contactIds, organisationId],
    );
    for (const link of links) {
      const list = byContact.get(link.contact_id) ?? [];
      list.push({ connectionId: link.connection_id, externalId: link.external_id });
      byContact.set(link.contact_id, list);
    }
    return byContact;
  }

  async queueOutboundWrites(writes: readonly OutboundWriteRequest[]): Promise<string[]> {
    const connectionIds = new Set<string>();
    // One statement per way of meeting a queued write (keep it, or replace it while pending).
    for (const replacePending of [false, true]) {
      const rows = writes
        .filter((write) => write.replacePending === replacePending)
        .flatMap((write) =>
          write.perConnection.map((each) => ({
            organisation_id: write.organisationId,
            connection_id: each.connectionId,
            contact_id: write.contactId,
            kind: write.kind,
            idempotency_key: write.idempotencyKey,
            payload: each.payload,
          })),
        )
        // In key order, so two transactions queueing overlapping writes lock them in one order.
        .sort((a, b) =>
          a.connection_id === b.connection_id
            ? a.idempotency_key < b.idempotency_key
              ? -1
              : a.idempotency_key > b.idempotency_key
                ? 1
                : 0
            : a.connection_id < b.connection_id
              ? -1
              : 1,
        );
      if (rows.length === 0) continue;
      const queued = await this.#sql.rows(
        ConnectionIdRow,
        `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
         select x.organisation_id, x.connection_id, x.contact_id, x.kind, x.idempotency_key, x.payload
         from jsonb_to_recordset(?::jsonb) as x(organisation_id uuid, connection_id uuid, contact_id uuid,
           kind text, idempotency_key text, payload jsonb)
         on conflict (connection_id, idempotency_key) do ${
           replacePending
             ? `update set payload = excluded.payload, status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
                where outbound_writes.payload is distinct from excluded.payload`
             : 'nothing'
         }
         returning connection_id`,
        [sqlJson(rows)],
      );
      for (const row of queued) connectionIds.add(row.connection_id);
    }
    return [...connectionIds];
  }
}
