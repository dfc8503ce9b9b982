import { z } from 'zod';
import type { DueHostEvent, HostEventStore } from '../../core/ports/host-event-store.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson, sqlTimestamp } from './sql.ts';

const DueEventRow = z
  .object({
    id: z.string(),
    organisation_id: z.string(),
    type: z.string(),
    payload: z.record(z.string(), z.unknown()),
    attempts: z.number(),
    created_at: sqlTimestamp,
    host_webhook_url: z.string(),
    host_webhook_secret: z.unknown(),
  })
  .transform((row): DueHostEvent => ({
    id: row.id,
    organisationId: row.organisation_id,
    type: row.type,
    payload: row.payload,
    attempts: row.attempts,
    createdAt: row.created_at,
    hostWebhookUrl: row.host_webhook_url,
    hostWebhookSecret: row.host_webhook_secret,
  }));

export class PostgresHostEventStore implements HostEventStore {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  claimDue(limit: number, leaseSeconds: number): Promise<DueHostEvent[]> {
    // A lease instead of a transaction held open across the HTTP calls.
    return this.#sql.rows(
      DueEventRow,
      `with claimed as (
         select e.id from host_events e join organisations o on o.id = e.organisation_id
         where e.status <> 'delivered' and e.next_attempt_at <= now() and o.host_webhook_url is not null
         order by e.next_attempt_at limit ? for update of e skip locked)
       update host_events e set next_attempt_at = now() + make_interval(secs => ?)
       from claimed, organisations o
       where e.id = claimed.id and o.id = e.organisation_id
       returning e.id, e.organisation_id, e.type, e.payload, e.attempts, e.created_at, o.host_webhook_url, o.host_webhook_secret`,
      [limit, leaseSeconds],
    );
  }

  async markDelivered(eventId: string): Promise<void> {
    await this.#sql.run(
      `update host_events set status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = null where id = ?`,
      [eventId],
    );
  }

  async markFailed(
    eventId: string,
    failure: { error: string; maxAttempts: number; retryInSeconds: number },
  ): Promise<void> {
    await this.#sql.run(
      `update host_events set status = 'failed', attempts = attempts + 1, last_error = ?,
         next_attempt_at = case when attempts + 1 >= ? then 'infinity'::timestamptz else now() + make_interval(secs => ?) end
       where id = ?`,
      [failure.error, failure.maxAttempts, failure.retryInSeconds, eventId],
    );
  }

  async webhookUrl(organisationId: string): Promise<string | null> {
    const row = await this.#sql.first(
      z.object({ host_webhook_url: z.string().nullable() }),
      `select host_webhook_url from organisations where id = ?`,
      [organisationId],
    );
    return row?.host_webhook_url ?? null;
  }

  async setWebhook(organisationId: string, url: string, sealedSecret: unknown): Promise<void> {
    await this.#sql.run(
      `update organisations set host_webhook_url = ?, host_webhook_secret = ?::jsonb, updated_at = now() where id = ?`,
      [url, sqlJson(sealedSecret), organisationId],
    );
  }

  async clearWebhook(organisationId: string): Promise<void> {
    await this.#sql.run(
      `update organisations set host_webhook_url = null, host_webhook_secret = null, updated_at = now() where id = ?`,
      [organisationId],
    );
  }
}
