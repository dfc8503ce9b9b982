import { z } from 'zod';
import type {
  PendingWebhookDelivery,
  WebhookDeliveryStore,
} from '../../core/ports/webhook-delivery-store.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson } from './sql.ts';

const PendingRow = z
  .object({ id: z.string(), organisation_id: z.string(), payload: z.unknown() })
  .transform((row): PendingWebhookDelivery => ({
    id: row.id,
    organisationId: row.organisation_id,
    payload: row.payload,
  }));

export class PostgresWebhookDeliveryStore implements WebhookDeliveryStore {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async accept(delivery: {
    connectionId: string;
    organisationId: string;
    deliveryKey: string;
    eventType: string;
    payload: unknown;
  }): Promise<boolean> {
    // A redelivery of the same notification is recognised by its key.
    const inserted = await this.#sql.first(
      z.object({ id: z.string() }),
      `insert into webhook_deliveries (connection_id, organisation_id, delivery_key, event_type, payload)
       values (?, ?, ?, ?, ?::jsonb) on conflict (connection_id, delivery_key) do nothing returning id`,
      [
        delivery.connectionId,
        delivery.organisationId,
        delivery.deliveryKey,
        delivery.eventType,
        sqlJson(delivery.payload),
      ],
    );
    return inserted !== undefined;
  }

  pending(connectionId: string, limit: number): Promise<PendingWebhookDelivery[]> {
    return this.#sql.rows(
      PendingRow,
      `select id, organisation_id, payload from webhook_deliveries
       where connection_id = ? and status = 'pending' order by received_at, id limit ?`,
      [connectionId, limit],
    );
  }

  async recordFailedAttempt(deliveryId: string, message: string): Promise<void> {
    await this.#sql.run(`update webhook_deliveries set attempts = attempts + 1, error = ? where id = ?`, [
      message,
      deliveryId,
    ]);
  }

  async markProcessed(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.#sql.run(
      `update webhook_deliveries set status = 'processed', processed_at = now(), error = null where id = any(array[?]::uuid[])`,
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
