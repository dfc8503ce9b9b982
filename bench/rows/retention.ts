import pg from 'pg';
import { createBenchDatabase } from '../bench-database.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt, timed } from '../measure.ts';
import { applyMigrations, createOrm } from '../../server/infrastructure/db/orm.ts';
import { registerProviders } from '../../server/infrastructure/db/provider-table.ts';
import { monthPartitionName, PostgresRetention } from '../../server/infrastructure/db/retention.ts';

const DROP_TARGET_MS = 1_000;
const WRITER_TARGET_MS = 100;

/**
 * Retention of the sync log: a month partition of `crm_sync_log` filled with 10,000,000 rows
 * (generate_series) is dropped by the real retention job while a writer keeps inserting log rows
 * into the current month, one statement at a time. Baseline in the same run: the DELETE the log
 * would need without partitions, on a 1,000,000-row month (10M deleted row by row takes minutes and
 * tens of GB of WAL on this machine), with the same writer running.
 */
export async function retentionRow(context: BenchContext): Promise<BenchRowResult[]> {
  const dropRows = context.quick ? 1_000_000 : 10_000_000;
  const deleteRows = context.quick ? 100_000 : 1_000_000;
  const database = await createBenchDatabase(context.adminUrl, 'retention');
  const orm = await createOrm(database.url, { poolSize: 2 });
  const client = new pg.Client({ connectionString: database.url });
  try {
    await applyMigrations(orm);
    await registerProviders(orm.em.fork(), [{ id: 'reapit', displayName: 'Reapit' }]);
    await client.connect();
    const owner = await seedOwner(client);
    const now = new Date();
    const month = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
    const retention = new PostgresRetention(orm.em, {
      syncLogDays: 90,
      syncRunsDays: 36_500,
      webhookDeliveriesDays: 36_500,
      hostEventsDays: 36_500,
    });
    // Months seven and six ago: both long past 90 days.
    await retention.ensureLogPartitions(month(-7));
    const deleteMonth = month(-7);
    const dropMonth = month(-6);
    const fill = await timed(async () => {
      await fillMonth(client, owner, deleteMonth, deleteRows);
      await fillMonth(client, owner, dropMonth, dropRows);
      await client.query('vacuum analyze crm_sync_log');
      await client.query('checkpoint').catch(() => undefined);
    });
    context.log(`filled ${fmt(deleteRows)} + ${fmt(dropRows)} log rows in ${fmt(fill.ms / 1000, 1)} s`);

    const writer = startWriter(database.url, owner);
    try {
      await sleepMs(1_000);
      const deleteWindow = await measuredWindow(() =>
        client.query(`delete from crm_sync_log where created_at >= $1 and created_at < $2`, [
          deleteMonth,
          month(-6),
        ]),
      );
      // A DELETE only marks rows dead: the VACUUM after it is the rest of its cost.
      const vacuumWindow = await measuredWindow(() =>
        client.query(`vacuum ${monthPartitionName(deleteMonth)}`),
      );
      context.log(
        `DELETE of ${fmt(deleteRows)} rows: ${fmt(deleteWindow.ms)} ms, its VACUUM ${fmt(vacuumWindow.ms)} ms`,
      );
      // The emptied month and the empty one after the full month go now, so the measured
      // retention run drops exactly the full month.
      await client.query(`drop table ${monthPartitionName(deleteMonth)}`);
      await client.query(`drop table ${monthPartitionName(month(-5))}`);
      const [dropSize] = (
        await client.query<{ mb: number }>(
          `select (pg_total_relation_size($1::regclass) / 1048576)::int as mb`,
          [monthPartitionName(dropMonth)],
        )
      ).rows;
      await sleepMs(1_000);
      const dropWindow = await measuredWindow(() => retention.run(now));
      if (dropWindow.result.logPartitionsDropped !== 1) {
        throw new Error(`expected one partition dropped, got ${dropWindow.result.logPartitionsDropped}`);
      }
      await sleepMs(500);
      const total = await writer.stop();
      // Counted once every insert has finished: one held up by the DDL ends after it.
      const deleteWrites = writer.during(deleteWindow);
      const dropWrites = writer.during(dropWindow);
      const vacuumWrites = writer.during(vacuumWindow);
      const baselineMs = deleteWindow.ms + vacuumWindow.ms;
      context.log(`retention run (drop of ${fmt(dropRows)} rows): ${fmt(dropWindow.ms)} ms`);
      const [left] = (
        await client.query<{ n: number }>(
          `select count(*)::int as n from crm_sync_log where created_at < $1`,
          [month(-5)],
        )
      ).rows;
      const met = dropWindow.ms < DROP_TARGET_MS && dropWrites.maxMs < WRITER_TARGET_MS;
      return [
        {
          row: 'Retention: drop a month of the sync log',
          measured: `${fmt(dropRows)}-row month (${fmt(dropSize!.mb)} MB) dropped by the retention run in ${fmt(dropWindow.ms)} ms; writer's slowest insert during it ${fmt(dropWrites.maxMs, 1)} ms`,
          baseline: `DELETE of ${fmt(deleteRows)} rows ${fmt(deleteWindow.ms)} ms + its VACUUM ${fmt(vacuumWindow.ms)} ms; writer's slowest insert ${fmt(Math.max(deleteWrites.maxMs, vacuumWrites.maxMs), 1)} ms`,
          ratio: dropWindow.ms / baselineMs,
          ratioLabel: `${fmt(dropWindow.ms / baselineMs, 2)}× the DELETE + VACUUM of a tenth as many rows`,
          target: `drop < ${fmt(DROP_TARGET_MS)} ms, writer never held > ${WRITER_TARGET_MS} ms`,
          met,
          notes:
            (context.quick
              ? `--quick: ${fmt(dropRows)} and ${fmt(deleteRows)} rows instead of 10M and 1M; `
              : '') +
            `rows generated with generate_series over the month (fill ${fmt(fill.ms / 1000, 1)} s, then VACUUM ANALYZE and ` +
            `CHECKPOINT); the writer inserts one log row per statement into the current month without pause ` +
            `(${fmt(total.inserts)} inserts, slowest overall ${fmt(total.maxMs, 1)} ms); the drop is the real job ` +
            `(PostgresRetention.run: 50 ms lock timeout, retried); its time is mostly the commit removing the ` +
            `partition's files, which holds no lock a writer needs; ${left!.n} rows of the two months left`,
          details: {
            dropRows,
            deleteRows,
            fillMs: fill.ms,
            dropMs: dropWindow.ms,
            dropPartitionMb: dropSize!.mb,
            deleteMs: deleteWindow.ms,
            vacuumAfterDeleteMs: vacuumWindow.ms,
            writerDuringVacuum: vacuumWrites,
            writerDuringDrop: dropWrites,
            writerDuringDelete: deleteWrites,
            writerTotal: total,
            retentionCounts: dropWindow.result,
          },
        },
      ];
    } finally {
      await writer.stop();
    }
  } finally {
    await client.end().catch(() => undefined);
    await orm.close(true);
    await database.drop();
  }
}

type Owner = { organisationId: string; connectionId: string; runId: string };

async function seedOwner(client: pg.Client): Promise<Owner> {
  const organisation = await client.query<{ id: string }>(
    `insert into organisations (name) values ('Bench Retention Lettings') returning id`,
  );
  const organisationId = organisation.rows[0]!.id;
  const connection = await client.query<{ id: string }>(
    `insert into crm_connections (organisation_id, provider) values ($1, 'reapit') returning id`,
    [organisationId],
  );
  const connectionId = connection.rows[0]!.id;
  const run = await client.query<{ id: string }>(
    `insert into sync_runs (connection_id, organisation_id, trigger) values ($1, $2, 'schedule') returning id`,
    [connectionId, organisationId],
  );
  return { organisationId, connectionId, runId: run.rows[0]!.id };
}

/** `rows` log rows spread evenly over the month starting at `start`, in chunks of a million. */
async function fillMonth(client: pg.Client, owner: Owner, start: Date, rows: number): Promise<void> {
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const step = (end.getTime() - start.getTime()) / rows;
  for (let from = 0; from < rows; from += 1_000_000) {
    await client.query(
      `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id,
         internal_id, status, created_at)
       select $1, $2, $3, 'contact', 'inbound', 'RPT-' || n, gen_random_uuid(),
         (array['created', 'updated', 'unchanged'])[1 + n % 3], $4::timestamptz + make_interval(secs => n * $5::float8 / 1000)
       from generate_series($6::int, $7::int) as n`,
      [
        owner.runId,
        owner.connectionId,
        owner.organisationId,
        start,
        step,
        from,
        Math.min(from + 1_000_000, rows) - 1,
      ],
    );
  }
}

type Insert = { startMs: number; endMs: number };
type WriterStats = { inserts: number; maxMs: number; p99Ms: number };

/** A writer inserting log rows into the current month back to back on its own connection. */
function startWriter(url: string, owner: Owner) {
  const inserts: Insert[] = [];
  let running = true;
  const client = new pg.Client({ connectionString: url });
  const loop = (async () => {
    await client.connect();
    while (running) {
      const startMs = performance.now();
      await client.query(
        `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, status)
         values ($1, $2, $3, 'contact', 'inbound', 'RPT-live', 'updated')`,
        [owner.runId, owner.connectionId, owner.organisationId],
      );
      inserts.push({ startMs, endMs: performance.now() });
    }
    await client.end();
  })();
  const stats = (selected: Insert[]): WriterStats => {
    const latencies = selected.map((insert) => insert.endMs - insert.startMs).sort((a, b) => a - b);
    return {
      inserts: latencies.length,
      maxMs: latencies.at(-1) ?? 0,
      p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    };
  };
  let stopped: Promise<WriterStats> | null = null;
  return {
    /** The inserts that overlapped a measured window. */
    during(window: Window): WriterStats {
      return stats(
        inserts.filter((insert) => insert.endMs >= window.startMs && insert.startMs <= window.endMs),
      );
    },
    stop(): Promise<WriterStats> {
      running = false;
      stopped ??= loop.then(() => stats(inserts));
      return stopped;
    },
  };
}

type Window = { startMs: number; endMs: number; ms: number };

async function measuredWindow<T>(work: () => Promise<T>): Promise<Window & { result: T }> {
  const startMs = performance.now();
  const result = await work();
  const endMs = performance.now();
  return { startMs, endMs, ms: endMs - startMs, result };
}

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
