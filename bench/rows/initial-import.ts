import pg from 'pg';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';
import { measureInitialImport } from './import-run.ts';

const CONTACTS = 100_000;
export const RAW_BATCH = 1_000;

/**
 * Row 1: the initial import of 100,000 Reapit contacts end to end (simulator pages over HTTP in a
 * child process, adapter mapping, deduplication, upserts, external ids, sync log, sync run) against
 * a raw batched upsert of the same rows into a bare table on the same database.
 */
export async function initialImportRow(context: BenchContext): Promise<BenchRowResult[]> {
  const contacts = context.quick ? 20_000 : CONTACTS;
  const measured = await measureInitialImport(context, contacts, async (state) => {
    context.log('raw upsert baseline…');
    return rawUpsert(state.databaseUrl, state.organisationId, state.connectionId);
  });
  // Row 5 reports this import's memory unless it runs its own (--scale).
  context.shared.set('initial-import', measured);
  const raw = measured.after;
  const rawRate = raw.rows / (raw.ms / 1000);
  const share = measured.rate / rawRate;
  const result: BenchRowResult = {
    row: `1. Initial import ${fmt(contacts / 1000)}k (end to end) vs raw batched upsert`,
    measured: `${fmt(measured.rate)} contacts/s (${fmt(measured.ms / 1000, 1)} s)`,
    baseline: `${fmt(rawRate)} rows/s raw`,
    ratio: share,
    ratioLabel: `${fmt(share * 100, 1)}% of raw`,
    // One connection's import is bounded by its CRM (row import-at-ceiling); what the database
    // must carry is many at once (row concurrent-import). This row keeps the history.
    target: 'reported (targets: import-at-ceiling, concurrent-import)',
    met: null,
    notes:
      `page size 100, rate limits off, simulator in a child process; raw = multi-row INSERT … ON CONFLICT ` +
      `of ${RAW_BATCH}-row batches of the same rows (contact + external-id columns) into a bare table with ` +
      `only a primary key; stored ${fmt(measured.counts.contacts)} contacts (planted duplicates merged), ` +
      `${fmt(measured.counts.links)} external ids, ${fmt(measured.counts.log_rows)} sync-log rows; importer CPU ` +
      `${fmt(measured.importerCpuS, 1)} s of ${fmt(measured.ms / 1000, 1)} s wall (the rest is waiting on PostgreSQL)`,
    details: {
      contacts,
      importMs: Math.round(measured.ms),
      importRate: Math.round(measured.rate),
      rawMs: Math.round(raw.ms),
      rawRate: Math.round(rawRate),
      stored: measured.counts,
      cycle: measured.cycle,
      rss: measured.rss,
      importerCpuS: measured.importerCpuS,
      ...(measured.sqlSpans ? { sqlSpans: measured.sqlSpans } : {}),
    },
  };
  return [result];
}

/** The contact and external-id columns of the import's rows, as the bare baseline table holds them. */
export const BARE_ROWS_SELECT = `select c.id, c.organisation_id, e.external_id, c.title, c.first_name, c.last_name, c.emails,
    c.phones, c.address, c.postcode, c.uprn, c.udprn, c.nurture_category, c.marketing_consent, c.profile, c.name_key,
    e.crm_modified_at, e.etag, e.content_hash, e.snapshot
  from contacts c join contact_external_ids e on e.contact_id = c.id`;

/** Today's raw baseline: a bare table of those columns with only a primary key. */
export function bareTableDdl(table: string, primaryKey: string): string {
  return `create table ${table} (
    id uuid not null, organisation_id uuid not null, external_id text not null, title text, first_name text,
    last_name text, emails text[] not null, phones text[] not null, address jsonb, postcode text, uprn text, udprn text,
    nurture_category text not null, marketing_consent text not null, profile jsonb not null, name_key text,
    crm_modified_at timestamptz, etag text, content_hash text, snapshot jsonb, primary key (${primaryKey}))`;
}

/**
 * One multi-row `INSERT … ON CONFLICT (conflict) DO UPDATE` of `rows` (all columns of the first
 * row; a plain INSERT without `conflict`), JSON columns sent as text.
 */
export function multiRowUpsert(
  table: string,
  rows: Record<string, unknown>[],
  options: { conflict: string[] | null; jsonColumns: ReadonlySet<string> },
): { text: string; values: unknown[] } {
  const columns = Object.keys(rows[0]!);
  const values: unknown[] = [];
  const tuples = rows.map((row, index) => {
    const base = index * columns.length;
    for (const column of columns) {
      const value = row[column];
      values.push(options.jsonColumns.has(column) && value !== null ? JSON.stringify(value) : value);
    }
    return `(${columns.map((_, position) => `$${base + position + 1}`).join(', ')})`;
  });
  const conflict = options.conflict;
  const onConflict = conflict
    ? ` on conflict (${conflict.join(', ')}) do update set ${columns
        .filter((column) => !conflict.includes(column))
        .map((column) => `${column} = excluded.${column}`)
        .join(', ')}`
    : '';
  return {
    text: `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}${onConflict}`,
    values,
  };
}

/** The same rows the import stored, upserted the fastest plain way into a bare table. */
async function rawUpsert(
  databaseUrl: string,
  organisationId: string,
  connectionId: string,
): Promise<{ rows: number; ms: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(bareTableDdl('bench_raw_contacts', 'external_id'));
    // Read a batch at a time (keyset by external id): 100k rows with their snapshots do not fit the
    // 256 MB heap `npm run bench` runs with. Only the inserts are timed.
    const jsonColumns = new Set(['address', 'profile', 'snapshot']);
    let total = 0;
    let insertMs = 0;
    let after = '';
    for (;;) {
      const { rows: batch } = await client.query(
        `${BARE_ROWS_SELECT}
         where c.organisation_id = $1 and e.connection_id = $2 and e.external_id > $3
         order by e.external_id limit $4`,
        [organisationId, connectionId, after, RAW_BATCH],
      );
      if (batch.length === 0) break;
      after = batch.at(-1)!.external_id as string;
      total += batch.length;
      const started = performance.now();
      const upsert = multiRowUpsert('bench_raw_contacts', batch, { conflict: ['external_id'], jsonColumns });
      await client.query(upsert.text, upsert.values);
      insertMs += performance.now() - started;
    }
    return { rows: total, ms: insertMs };
  } finally {
    await client.end();
  }
}
