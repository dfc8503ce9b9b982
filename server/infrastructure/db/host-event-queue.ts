import { sqlJson, type Sql } from './sql.ts';

/**
 * Queues an event for the agency's host, when the agency has a host webhook (otherwise nothing is
 * stored: there is no one to send it to). The dispatcher signs and delivers it.
 */
export async function queueHostEvent(
  sql: Sql,
  organisationId: string,
  type: string,
  payload: Record<string, unknown>,
): Promise<void> {
  await sql.run(
    `insert into host_events (organisation_id, type, payload)
     select id, ?, ?::jsonb from organisations where id = ? and host_webhook_url is not null`,
    [type, sqlJson(payload), organisationId],
  );
}
