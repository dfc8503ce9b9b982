import { z } from 'zod';
import type { EntityManager } from '../../infrastructure/db/orm.ts';
import { Sql, sqlTimestamp } from '../../infrastructure/db/sql.ts';
import { PropsyncError } from '../../core/errors.ts';

export type ConnectionStatusRow = {
  connectionId: string;
  organisation: string;
  provider: string;
  status: string;
  contactCount: number;
  lastSyncedAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  /** Engagement signals from this connection, and when the latest happened. */
  activityCount: number;
  lastActivityAt: string | null;
  /** Webhook deliveries waiting to be applied again, and those given up on. */
  parked: number;
  deadLettered: number;
  /** Write-backs the CRM refused for good, waiting for an admin. */
  failedWrites: number;
  /** Nothing is written back until an admin confirms the field mapping; the writes wait. */
  writeBackPaused: boolean;
  /** Writes queued for the CRM and not yet done. */
  pendingWrites: number;
};

const StatusRow = z
  .object({
    id: z.string(),
    organisation: z.string(),
    provider: z.string(),
    status: z.string(),
    contact_count: z.number(),
    last_synced_at: sqlTimestamp.nullable(),
    last_error_at: sqlTimestamp.nullable(),
    last_error_message: z.string().nullable(),
    activity_count: z.number(),
    last_activity_at: sqlTimestamp.nullable(),
    parked: z.number(),
    dead_lettered: z.number(),
    failed_writes: z.number(),
    field_mapping_confirmed_at: sqlTimestamp.nullable(),
    pending_writes: z.number(),
  })
  .transform((row): ConnectionStatusRow => ({
    connectionId: row.id,
    organisation: row.organisation,
    provider: row.provider,
    status: row.status,
    contactCount: row.contact_count,
    lastSyncedAt: row.last_synced_at?.toISOString() ?? null,
    lastErrorAt: row.last_error_at?.toISOString() ?? null,
    lastError: row.last_error_message,
    activityCount: row.activity_count,
    lastActivityAt: row.last_activity_at?.toISOString() ?? null,
    parked: row.parked,
    deadLettered: row.dead_lettered,
    failedWrites: row.failed_writes,
    writeBackPaused: row.field_mapping_confirmed_at === null,
    pendingWrites: row.pending_writes,
  }));

/** What `propsync status` prints: one row per connection, never any credential. */
export function connectionStatusRows(em: EntityManager): Promise<ConnectionStatusRow[]> {
  return new Sql(em).rows(
    StatusRow,
    `select c.id, o.name as organisation, c.provider, c.status, c.last_synced_at, c.last_error_at, c.last_error_message,
       (select count(*)::int from contact_external_ids e where e.connection_id = c.id and e.active) as contact_count,
       a.activity_count, a.last_activity_at,
       (select count(*)::int from webhook_deliveries d where d.connection_id = c.id and d.status = 'parked') as parked,
       (select count(*)::int from webhook_deliveries d where d.connection_id = c.id and d.status = 'dead_lettered')
         as dead_lettered,
       (select count(*)::int from outbound_writes w where w.connection_id = c.id and w.status = 'refused') as failed_writes,
       c.field_mapping_confirmed_at,
       (select count(*)::int from outbound_writes w where w.connection_id = c.id
        and w.status in ('pending', 'in_flight', 'failed')) as pending_writes
     from crm_connections c join organisations o on o.id = c.organisation_id
     cross join lateral (select count(*)::int as activity_count, max(occurred_at) as last_activity_at
       from activities where connection_id = c.id) a
     order by o.name, c.provider`,
  );
}

export function formatStatusTable(rows: ConnectionStatusRow[]): string {
  if (rows.length === 0) return 'No connections yet.';
  const header = [
    'ORGANISATION',
    'PROVIDER',
    'STATUS',
    'CONTACTS',
    'ACTIVITIES',
    'LAST SYNC',
    'NEEDS ATTENTION',
    'LAST ERROR',
    'CONNECTION',
  ];
  const body = rows.map((row) => [
    row.organisation,
    row.provider,
    row.status,
    String(row.contactCount),
    String(row.activityCount),
    row.lastSyncedAt ?? 'never',
    attentionSummary(row),
    row.lastError ? `${row.lastErrorAt} ${row.lastError}` : '-',
    row.connectionId,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]!.length)),
  );
  return [header, ...body]
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Accepts a connection id, or a provider name when exactly one agency has that provider. */
export async function resolveConnection(em: EntityManager, reference: string): Promise<string> {
  const rows = await new Sql(em).rows(
    z.object({ id: z.string() }),
    `select id from crm_connections where id::text = ? or provider = ?`,
    [reference, reference],
  );
  if (rows.length === 1) return rows[0]!.id;
  if (rows.length === 0)
    throw new PropsyncError('CONNECTION.NOT_FOUND', `No connection matches "${reference}"`);
  throw new PropsyncError(
    'CONNECTION.NOT_FOUND',
    `"${reference}" matches ${rows.length} connections: give the connection id`,
  );
}

/** Parked, dead-lettered and refused counts that are not zero, and a paused write-back; or "-". */
function attentionSummary(row: ConnectionStatusRow): string {
  const parts = [
    row.parked > 0 ? `${row.parked} parked` : null,
    row.deadLettered > 0 ? `${row.deadLettered} dead-lettered` : null,
    row.failedWrites > 0 ? `${row.failedWrites} failed writes` : null,
    row.writeBackPaused
      ? `write-back paused until the field mapping is confirmed (${row.pendingWrites} writes waiting)`
      : null,
  ].filter((part) => part !== null);
  return parts.length > 0 ? parts.join(', ') : '-';
}
