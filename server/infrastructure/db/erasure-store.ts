import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ErasureRemoved } from '../../../shared/api/erasure.dto.ts';
import { CrmProviderSchema } from '../../../shared/providers.ts';
import type { ErasureOutcome, ErasureStore, IdentifierHasher } from '../../core/ports/erasure-store.ts';
import { personErasureKeys, recordErasureKey } from '../../core/sync/erasure-screen.ts';
import { DEDUP_LOCK_NAMESPACE } from './contact-page-writer.ts';
import { queueHostEvent } from './host-event-queue.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson, sqlTimestamp, type SqlParam } from './sql.ts';

const LinkRow = z.object({
  connection_id: z.string(),
  provider: CrmProviderSchema,
  external_id: z.string(),
  active: z.boolean(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
});
const CountRow = z.object({ n: z.number() });

/**
 * Whether a jsonb document (a webhook delivery, a host event) names the person: any string or
 * number in it equal to one of the terms (the contact id, the CRM ids, the emails), case aside.
 */
const MENTIONS_PERSON = (column: string) => `exists (
  select 1 from jsonb_path_query(${column}, 'strict $.**') v
  where jsonb_typeof(v) in ('string', 'number')
    and lower(v #>> '{}') in (select jsonb_array_elements_text(?::jsonb)))`;

/** The stored sync cursors (SyncCursor), by table and column. */
const CURSOR_COLUMNS = [
  ['crm_connections', 'sync_cursor'],
  ['sync_runs', 'cursor_before'],
  ['sync_runs', 'cursor_after'],
] as const;

/** Runs the counts one after another (one transaction, one connection) and adds them up. */
async function sum(counts: Array<() => Promise<number>>): Promise<number> {
  let total = 0;
  for (const next of counts) total += await next();
  return total;
}

/** Where a sync cursor lists the CRM ids a resumed page skips (see SyncCursor). */
const CURSOR_IDS = `'{pending,checkpoint,idsAtModifiedAt}'`;

/**
 * Removes the person's CRM ids from a stored cursor's resume list. Safe: a resumed page then
 * reads that record again, and the erasure screen keeps it out.
 */
function scrubCursor(table: string, column: string): string {
  const ids = `jsonb_array_elements_text(${column} #> ${CURSOR_IDS})`;
  return `update ${table} set ${column} = jsonb_set(${column}, ${CURSOR_IDS}, (
      select coalesce(jsonb_agg(kept.value), '[]'::jsonb) from ${ids} as kept(value)
      where kept.value not in (select jsonb_array_elements_text(?::jsonb))))
    where organisation_id = ? and jsonb_typeof(${column} #> ${CURSOR_IDS}) = 'array'
      and exists (select 1 from ${ids} as listed(value) where listed.value in (select jsonb_array_elements_text(?::jsonb)))`;
}

export class PostgresErasureStore implements ErasureStore {
  readonly #sql: Sql;
  readonly #hash: IdentifierHasher;

  constructor(em: EntityManager, hash: IdentifierHasher) {
    this.#sql = new Sql(em);
    this.#hash = hash;
  }

  erase(organisationId: string, contactId: string): Promise<ErasureOutcome | null> {
    return this.#sql.transaction(async (tx) => {
      // Pages that create the agency's contacts hold this lock until they commit: once it is ours,
      // no page that read the tombstones before they existed can still bring the person back.
      await tx.run(`select pg_advisory_xact_lock(?, hashtext(?))`, [DEDUP_LOCK_NAMESPACE, organisationId]);
      const contact = await tx.first(
        z.object({ emails: z.array(z.string()), phones: z.array(z.string()) }),
        `select emails, phones from contacts where id = ? and organisation_id = ? for update`,
        [contactId, organisationId],
      );
      if (!contact) return null;
      const links = await tx.rows(
        LinkRow,
        `select connection_id, provider, external_id, active,
           array(select jsonb_array_elements_text(coalesce(snapshot -> 'emails', '[]'))) as emails,
           array(select jsonb_array_elements_text(coalesce(snapshot -> 'phones', '[]'))) as phones
         from contact_external_ids where contact_id = ? order by provider, external_id`,
        [contactId],
      );
      const erasureId = randomUUID();
      const erasedAt = (await tx.first(z.object({ now: sqlTimestamp }), `select now()`))!.now;
      await tx.run(
        `insert into erasure_tombstones (erasure_id, organisation_id, connection_id, kind, key_hash, erased_at)
         select ?, ?, x.connection_id, x.kind, x.key_hash, ?
         from jsonb_to_recordset(?::jsonb) as x(connection_id uuid, kind text, key_hash text)`,
        [erasureId, organisationId, erasedAt, sqlJson(this.#tombstones(contact, links))],
      );

      const count = async (statement: string, params: SqlParam[]): Promise<number> =>
        (
          await tx.first(
            CountRow,
            `with affected as (${statement} returning 1) select count(*)::int as n from affected`,
            params,
          )
        )?.n ?? 0;
      const records = sqlJson(
        links.map((link) => ({ connection_id: link.connection_id, external_id: link.external_id })),
      );
      const crmIds = links.map((link) => link.external_id);
      const externalIds = sqlJson(crmIds);
      const terms = sqlJson(
        [...new Set([contactId, ...crmIds, ...contact.emails, ...links.flatMap((link) => link.emails)])].map(
          (term) => term.toLowerCase(),
        ),
      );
      // The one transaction allowed to redact this contact's conflict audit (see the migration
      // Migration20261204100000_erasure): the trigger checks this setting. Before the contact goes:
      // the audit rows point at it.
      await tx.run(`select set_config('propsync.erasing_contact', ?, true)`, [contactId]);
      const removed: ErasureRemoved = {
        conflictAuditsRedacted: await count(
          `update conflict_audit set contact_id = null, crm_version = '{}'::jsonb, platform_version = '{}'::jsonb,
             redacted_at = now() where contact_id = ? and redacted_at is null`,
          [contactId],
        ),
        syncLogEntries: await count(
          `delete from crm_sync_log l where l.organisation_id = ? and (l.internal_id = ? or exists (
             select 1 from jsonb_to_recordset(?::jsonb) as x(connection_id uuid, external_id text)
             where x.connection_id = l.connection_id and x.external_id = l.external_id))`,
          [organisationId, contactId, records],
        ),
        // A delivery may carry other people's records too: the delta sync reads them again.
        webhookDeliveries: await count(
          `delete from webhook_deliveries where organisation_id = ? and ${MENTIONS_PERSON('payload')}`,
          [organisationId, terms],
        ),
        hostEvents: await count(
          `delete from host_events where organisation_id = ? and ${MENTIONS_PERSON('payload')}`,
          [organisationId, terms],
        ),
        alerts: await count(`delete from alerts where contact_id = ?`, [contactId]),
        outboundWrites: await count(`delete from outbound_writes where contact_id = ?`, [contactId]),
        activities: await count(`delete from activities where contact_id = ?`, [contactId]),
        // Cycles keep their counts; an error naming one of the person's records loses the id and message.
        syncRunsRedacted: await count(
          `update sync_runs s set errors = (
             select coalesce(jsonb_agg(case when e ->> 'externalId' in (select jsonb_array_elements_text(?::jsonb)) then e - 'externalId' - 'message' else e end), '[]'::jsonb)
             from jsonb_array_elements(s.errors) e)
           where s.organisation_id = ? and exists (
             select 1 from jsonb_array_elements(s.errors) e where e ->> 'externalId' in (select jsonb_array_elements_text(?::jsonb)))`,
          [externalIds, organisationId, externalIds],
        ),
        cursorsScrubbed: await sum(
          CURSOR_COLUMNS.map(
            ([table, column]) =>
              () =>
                count(scrubCursor(table, column), [externalIds, organisationId, externalIds]),
          ),
        ),
        links: await count(`delete from contact_external_ids where contact_id = ?`, [contactId]),
        contacts: await count(`delete from contacts where id = ?`, [contactId]),
      };
      const crmRecords = links.map((link) => ({
        provider: link.provider,
        connectionId: link.connection_id,
        externalId: link.external_id,
        active: link.active,
      }));
      // The host erases its own copy; the CRM record ids go to the admin in the answer, not into the queue.
      await queueHostEvent(tx, organisationId, 'contact.erased', {
        contactId,
        erasedAt: erasedAt.toISOString(),
        heldBy: crmRecords.map(({ provider, connectionId, active }) => ({ provider, connectionId, active })),
      });
      return { erasureId, erasedAt, removed, crmRecords };
    });
  }

  /** One hashed key per CRM record, and per email and phone the person had in Propsync or in a CRM's last version. */
  #tombstones(contact: { emails: string[]; phones: string[] }, links: Array<z.infer<typeof LinkRow>>) {
    const person = personErasureKeys(
      [...contact.emails, ...links.flatMap((link) => link.emails)],
      [...contact.phones, ...links.flatMap((link) => link.phones)],
    );
    return [
      ...links.map((link) => ({
        connection_id: link.connection_id,
        kind: 'record',
        key_hash: this.#hash(recordErasureKey(link.connection_id, link.external_id)),
      })),
      ...person.map((key) => ({ connection_id: null, kind: key.kind, key_hash: this.#hash(key) })),
    ];
  }
}
