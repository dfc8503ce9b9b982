import { z } from 'zod';
import type {
  DeadLetterAlert,
  PendingWebhookDelivery,
  WebhookDeliveryStore,
} from '../../core/ports/webhook-delivery-store.ts';
import { GroupCommit } from './group-commit.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson, sqlTimestamp } from './sql.ts';

/** One open alert per dead-lettered delivery; the counts of what needs an admin read it too. */
export function deadLetteredAlertKey(deliveryId: string): string {
  return `delivery_dead_lettered:${deliveryId}`;
}

const PendingRow = z
  .object({
    id: z.string(),
    organisation_id: z.string(),
    event_type: z.string(),
    delivery_key: z.string(),
    attempts: z.number(),
    parked_since: sqlTimestamp.nullable(),
    payload: z.unknown(),
  })
  .transform((row): PendingWebhookDelivery => ({
    id: row.id,
    organisationId: row.organisation_id,
    eventType: row.event_type,
    deliveryKey: row.delivery_key,
    attempts: row.attempts,
    parkedSince: row.parked_since,
    payload: row.payload,
  }));

type AcceptedDelivery = {
  connectionId: string;
  organisationId: string;
  deliveryKey: string;
  eventType: string;
  payload: unknown;
};

export class PostgresWebhookDeliveryStore implements WebhookDeliveryStore {
  readonly #sql: Sql;
  /** Deliveries received at once are stored by one statement; each answer still waits for its commit. */
  readonly #acceptance: GroupCommit<AcceptedDelivery, boolean>;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
    this.#acceptance = new GroupCommit((deliveries) => this.#insert(deliveries));
  }

  /** Stores a delivery durably; false when one with the same key was stored before (a redelivery). */
  accept(delivery: AcceptedDelivery): Promise<boolean> {
    return this.#acceptance.submit(delivery);
  }

  async #insert(deliveries: AcceptedDelivery[]): Promise<boolean[]> {
    const keyOf = (delivery: { connectionId: string; deliveryKey: string }) =>
      `${delivery.connectionId} ${delivery.deliveryKey}`;
    // The same notification twice in one batch: the first is stored, the second is its redelivery.
    const firsts = new Map<string, AcceptedDelivery>();
    for (const delivery of deliveries)
      if (!firsts.has(keyOf(delivery))) firsts.set(keyOf(delivery), delivery);
    // In arrival order: the order the connection's job applies them in.
    const inserted = await this.#sql.rows(
      z.object({ connection_id: z.string(), delivery_key: z.string() }),
      `insert into webhook_deliveries (connection_id, organisation_id, delivery_key, event_type, payload, received_at)
       select x.connection_id, x.organisation_id, x.delivery_key, x.event_type, x.payload, clock_timestamp()
       from rows from (jsonb_to_recordset(?::jsonb) as (connection_id uuid, organisation_id uuid,
         delivery_key text, event_type text, payload jsonb)) with ordinality
         as x(connection_id, organisation_id, delivery_key, event_type, payload, position)
       order by x.position
       on conflict (connection_id, delivery_key) do nothing
       returning connection_id, delivery_key`,
      [
        sqlJson(
          [...firsts.values()].map((delivery) => ({
            connection_id: delivery.connectionId,
            organisation_id: delivery.organisationId,
            delivery_key: delivery.deliveryKey,
            event_type: delivery.eventType,
            payload: delivery.payload,
          })),
        ),
      ],
    );
    const stored = new Set(
      inserted.map((row) => keyOf({ connectionId: row.connection_id, deliveryKey: row.delivery_key })),
    );
    return deliveries.map(
      (delivery) => firsts.get(keyOf(delivery)) === delivery && stored.has(keyOf(delivery)),
    );
  }

  /** New deliveries first: what a parked one waits for (its contact) often comes in a later one. */
  pending(
    connectionId: string,
    limit: number,
    now: Date,
    skip: readonly string[] = [],
  ): Promise<PendingWebhookDelivery[]> {
    const skipping = skip.length > 0 ? `and not (id = any(array[?]::uuid[]))` : '';
    return this.#sql.rows(
      PendingRow,
      `select id, organisation_id, event_type, delivery_key, attempts, parked_since, payload from webhook_deliveries
       where connection_id = ? and (status = 'pending' or (status = 'parked' and next_attempt_at <= ?)) ${skipping}
       order by status = 'parked', received_at, id limit ?`,
      skip.length > 0 ? [connectionId, now, skip, limit] : [connectionId, now, limit],
    );
  }

  async park(deliveryId: string, failure: { reason: string; now: Date; retryAt: Date }): Promise<void> {
    await this.#sql.run(
      `update webhook_deliveries set status = 'parked', attempts = attempts + 1, error = ?,
         parked_since = coalesce(parked_since, ?), next_attempt_at = ? where id = ?`,
      [failure.reason, failure.now, failure.retryAt, deliveryId],
    );
  }

  async deadLetter(
    delivery: { id: string; organisationId: string; connectionId: string },
    failure: { reason: string; now: Date; alert: DeadLetterAlert },
  ): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.run(
        `update webhook_deliveries set status = 'dead_lettered', attempts = attempts + 1, error = ?,
           parked_since = coalesce(parked_since, ?), dead_lettered_at = ?, next_attempt_at = null where id = ?`,
        [failure.reason, failure.now, failure.now, delivery.id],
      );
      await tx.run(
        `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
         values (?, ?, 'delivery_dead_lettered', 'warning', ?, 'retry_sync', ?)
         on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null
         do update set message = excluded.message`,
        [
          delivery.organisationId,
          delivery.connectionId,
          failure.alert.message,
          deadLetteredAlertKey(delivery.id),
        ],
      );
    });
  }

  async connectionsWithDueDeliveries(now: Date, pendingBefore: Date): Promise<string[]> {
    const rows = await this.#sql.rows(
      z.object({ connection_id: z.string() }),
      `select distinct connection_id from webhook_deliveries
         where (status = 'parked' and next_attempt_at <= ?) or (status = 'pending' and received_at < ?)`,
      [now, pendingBefore],
    );
    return rows.map((row) => row.connection_id);
  }

  async parkedCount(connectionId: string): Promise<number> {
    const row = await this.#sql.first(
      z.object({ count: z.number() }),
      `select count(*)::int as count from webhook_deliveries where connection_id = ? and status = 'parked'`,
      [connectionId],
    );
    return row?.count ?? 0;
  }

  async markProcessed(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.#sql.run(
      `update webhook_deliveries set status = 'processed', processed_at = now(), error = null, next_attempt_at = null
       where id = any(array[?]::uuid[])`,
      [deliveryIds],
    );
  }

  async linkedContacts(connectionId: string, externalIds: readonly string[]): Promise<Map<string, string>> {
    if (externalIds.length === 0) return new Map();
    const links = await this.#sql.rows(
      z.object({ external_id: z.string(), contact_id: z.string() }),
      `select external_id, contact_id from contact_external_ids where connection_id = ? and external_id = any(array[?]::text[])`,
      [connectionId, externalIds],
    );
    return new Map(links.map((link) => [link.external_id, link.contact_id]));
  }
}
