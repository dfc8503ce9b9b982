import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { nameKey } from '../../core/domain/contact-normalisation.ts';
import type {
  PlatformChange,
  PlatformChangeStore,
  RecordedChange,
} from '../../core/ports/platform-change-store.ts';
import { FIELD_RULES } from './entities/field-policy.entity.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson } from './sql.ts';

/** The contact's values a change may set, named as the change names them, and whether a newer consent stands. */
const ContactRow = z.object({
  current: z.record(z.string(), z.unknown()),
  newer_consent: z.boolean(),
});

const LinkRow = z.object({ connection_id: z.string(), external_id: z.string(), etag: z.string().nullable() });

export class PostgresPlatformChangeStore implements PlatformChangeStore {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  fieldPolicy(organisationId: string) {
    return this.#sql.rows(
      z.object({ field: z.string(), rule: z.enum(FIELD_RULES) }),
      `select field, rule from field_policies where organisation_id is null or organisation_id = ?
       order by organisation_id nulls first`,
      [organisationId],
    );
  }

  record(change: PlatformChange): Promise<RecordedChange | null> {
    return this.#sql.transaction(async (tx) => {
      // The contact's row lock orders concurrent changes of one contact, so "newer" is decided once.
      const contact = await tx.first(
        ContactRow,
        `select jsonb_build_object('title', c.title, 'firstName', c.first_name, 'lastName', c.last_name,
             'emails', c.emails, 'phones', c.phones, 'marketingConsent', c.marketing_consent) as current,
           exists (select 1 from platform_changes p where p.contact_id = c.id and p.kind = 'consent'
             and p.channel = ? and p.occurred_at > ?::timestamptz) as newer_consent
         from contacts c where c.id = ? and c.organisation_id = ? for update`,
        [change.consent?.channel ?? null, change.occurredAt, change.contactId, change.organisationId],
      );
      if (!contact) return null;
      const changeId = randomUUID();
      const applied = !(change.consent && contact.newer_consent);
      const fields = Object.keys(change.fields);
      const queuedConnectionIds =
        applied && fields.length > 0 ? await this.#apply(tx, change, contact.current, changeId) : [];
      await tx.run(
        `insert into platform_changes (id, organisation_id, contact_id, kind, channel, status, fields, source, actor,
           occurred_at, queued_connections)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)))`,
        [
          changeId,
          change.organisationId,
          change.contactId,
          change.consent ? 'consent' : 'fields',
          change.consent?.channel ?? null,
          change.consent?.status ?? null,
          sqlJson(change.fields),
          change.source,
          change.actor,
          change.occurredAt,
          sqlJson(queuedConnectionIds),
        ],
      );
      return { changeId, applied, queuedConnectionIds };
    });
  }

  /** Sets the fields on the contact (timed, so conflict resolution sees Propsync's edit) and queues them. */
  async #apply(
    tx: Sql,
    change: PlatformChange,
    current: Record<string, unknown>,
    changeId: string,
  ): Promise<string[]> {
    const next = { ...current, ...change.fields };
    const fields = Object.keys(change.fields);
    await tx.run(
      `update contacts c set title = n.title, first_name = n."firstName", last_name = n."lastName", name_key = ?,
         emails = n.emails, phones = n.phones, marketing_consent = n."marketingConsent",
         field_modified_at = c.field_modified_at || ?::jsonb, updated_at = now()
       from jsonb_to_record(?::jsonb) as n(title text, "firstName" text, "lastName" text, emails text[], phones text[],
         "marketingConsent" text)
       where c.id = ?`,
      [
        nameKey(next.firstName as string | null, next.lastName as string | null),
        sqlJson(Object.fromEntries(fields.map((field) => [field, change.occurredAt]))),
        sqlJson(next),
        change.contactId,
      ],
    );
    // A newer change of a field replaces an older one still waiting: the field leaves that write,
    // and a write left with nothing to change goes.
    await tx.run(
      `update outbound_writes set payload = jsonb_set(payload, '{fields}', (payload -> 'fields') - array(select jsonb_array_elements_text(?::jsonb))),
         updated_at = now()
       where contact_id = ? and kind = 'contact_update' and status in ('pending', 'failed')`,
      [sqlJson(fields), change.contactId],
    );
    await tx.run(
      `delete from outbound_writes where contact_id = ? and kind = 'contact_update' and status in ('pending', 'failed')
         and payload -> 'fields' = '{}'::jsonb and coalesce(payload -> 'metadata', '{}'::jsonb) = '{}'::jsonb`,
      [change.contactId],
    );
    // One write per CRM record the contact is actively linked to (a CRM may hold the person twice),
    // with the record's concurrency token.
    const links = await tx.rows(
      LinkRow,
      `select e.connection_id, e.external_id, e.etag from contact_external_ids e
         join crm_connections c on c.id = e.connection_id and c.status <> 'disconnected'
       where e.contact_id = ? and e.active`,
      [change.contactId],
    );
    if (links.length === 0) return [];
    const queued = await tx.rows(
      z.object({ connection_id: z.string() }),
      `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
       select ?, x.connection_id, ?, 'contact_update', ?::text || x.external_id, x.payload
       from jsonb_to_recordset(?::jsonb) as x(connection_id uuid, external_id text, payload jsonb)
       returning connection_id`,
      [
        change.organisationId,
        change.contactId,
        `platform-change:${changeId}:`,
        sqlJson(
          links.map((link) => ({
            connection_id: link.connection_id,
            external_id: link.external_id,
            payload: { externalId: link.external_id, etag: link.etag, fields: change.fields },
          })),
        ),
      ],
    );
    return [...new Set(queued.map((row) => row.connection_id))].sort();
  }
}
