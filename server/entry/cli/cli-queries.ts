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
  })
  .transform(
    (row): ConnectionStatusRow => ({
      connectionId: row.id,
      organisation: row.organisation,
      provider: row.provider,
      status: row.status,
      contactCount: row.contact_count,
      lastSyncedAt: row.last_synced_at?.toISOString() ?? null,
      lastErrorAt: row.last_error_at?.toISOString() ?? null,
      lastError: row.last_error_message,
    }),
  );

/** What `propsync status` prints: one row per connection, never any credential. */
export function connectionStatusRows(em: EntityManager): Promise<ConnectionStatusRow[]> {
  return new Sql(em).rows(
    StatusRow,
    `select c.id, o.name as organisation, c.provider, c.status, c.last_synced_at, c.last_error_at, c.last_error_message,
       (select count(*)::int from contact_external_ids e where e.connection_id = c.id and e.active) as contact_count
     from crm_connections c join organisations o on o.id = c.organisation_id order by o.name, c.provider`,
  );
}

export function formatStatusTable(rows: ConnectionStatusRow[]): string {
  if (rows.length === 0) return 'No connections yet.';
  const header = ['ORGANISATION', 'PROVIDER', 'STATUS', 'CONTACTS', 'LAST SYNC', 'LAST ERROR', 'CONNECTION'];
  const body = rows.map((row) => [
    row.organisation,
    row.provider,
    row.status,
    String(row.contactCount),
    row.lastSyncedAt ?? 'never',
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
