import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { startWorkerProcess, type WorkerProcess } from '../../server/test-support/worker-child.ts';
import { createBenchDatabase, type BenchDatabase } from '../bench-database.ts';
import {
  connectToSimulator,
  createBenchServices,
  createOrganisation,
  type BenchServices,
} from '../bench-services.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';
import { startSimulatorProcess, type SimulatorProcess } from '../simulator-process.ts';
import { BARE_ROWS_SELECT, bareTableDdl, multiRowUpsert, RAW_BATCH } from './initial-import.ts';

const AGENCIES = 8;
const CONTACTS_PER_AGENCY = 25_000;
const QUICK_CONTACTS_PER_AGENCY = 3_000;
const TOKEN_SECRET = 'bench-token-secret-that-is-long-enough-0123456789';

/** How the imports are run: worker processes × cycles each runs at once (README "Processes"). */
type Layout = { workers: number; concurrency: number };
/** The reported layout first: two workers at the documented default of 2 cycles each. */
const LAYOUTS: Layout[] = [
  { workers: 2, concurrency: 2 },
  // All eight at once: each import is paced alone at its customer's documented 20 requests/s.
  { workers: 2, concurrency: 4 },
];

type Agency = { organisationId: string; connectionId: string };
type ImportRun = {
  layout: Layout;
  wallMs: number;
  contacts: number;
  rate: number;
  perImportS: number[];
  queuedS: number[];
  workerCpuS: number[];
  /** CPU seconds each part spent from the first connect until the last import finished (and the check after). */
  cpuS: { workers: number; postgres: number; simulator: number; server: number };
  /** PostgreSQL's counters over the same time: this database's transactions and rows, the server's WAL. */
  activity: DatabaseActivity;
  /** Rows inserted + updated + deleted per table over the same time, the ten busiest. */
  busiestTables: Record<string, number>;
  /** The simulator's requests during the imports, by route. */
  requests: Record<string, number>;
};
/** The stored rows of one agency, one JSON line each, written before the baselines are timed. */
type AgencyFiles = { contacts: string; links: string; log: string; bare: string };

/**
 * Many agencies at once: eight agencies, each with its own Reapit customer (one simulator child
 * serving all eight, rate limits off), connected at once by this process acting as the server
 * (HTTP-only, PROPSYNC_SYNC_CONCURRENCY=0: each connect queues its first import as a job), the
 * imports run by real worker processes (`server/entry/worker.ts`). Wall time from the first
 * connect until the last import's run finished. Baselines in the same run: (a) the rows the
 * imports stored, upserted by 8 concurrent writers with multi-row INSERT … ON CONFLICT into the
 * same three tables (contacts, contact_external_ids, crm_sync_log, truncated first, every index
 * and key in place), and (b) the same rows into row 1's bare table with only a primary key.
 */
export async function concurrentImportRow(context: BenchContext): Promise<BenchRowResult[]> {
  const perAgency = context.quick ? QUICK_CONTACTS_PER_AGENCY : CONTACTS_PER_AGENCY;
  const simulator = await startSimulatorProcess({
    provider: 'reapit',
    contacts: perAgency,
    rateLimits: false,
    customers: AGENCIES,
  });
  context.log(
    `${AGENCIES} Reapit customers × ${fmt(perAgency)} contacts ready in ${fmt(simulator.startupMs)} ms`,
  );
  const runs: ImportRun[] = [];
  let baselines: Baselines | null = null;
  try {
    for (const [index, layout] of LAYOUTS.entries()) {
      const database = await createBenchDatabase(context.adminUrl, 'concurrent');
      try {
        const { run, agencies } = await importAtOnce(context, database, simulator, layout, perAgency);
        runs.push(run);
        // The baselines once, on the reported layout's database (its rows are the same in each).
        if (index === 0) baselines = await measureBaselines(context, database.url, agencies);
      } finally {
        await database.drop();
      }
    }
  } finally {
    await simulator.close();
  }
  const reported = runs[0]!;
  const { sameTables, bareTable } = baselines!;
  const ofSame = reported.rate / sameTables.rate;
  const ofBare = reported.rate / bareTable.rate;
  const layoutLabel = ({ workers, concurrency }: Layout) => `${workers} worker(s) × ${concurrency}`;
  const sizeNote = context.quick
    ? `--quick: ${AGENCIES} × ${fmt(perAgency)} contacts (full size ${AGENCIES} × ${fmt(CONTACTS_PER_AGENCY)})`
    : `${AGENCIES} × ${fmt(perAgency)} contacts`;
  const details = {
    agencies: AGENCIES,
    contactsPerAgency: perAgency,
    runs: runs.map((run) => ({
      layout: layoutLabel(run.layout),
      wallMs: Math.round(run.wallMs),
      contacts: run.contacts,
      rate: Math.round(run.rate),
      perImportS: run.perImportS,
      queuedS: run.queuedS,
      workerCpuS: run.workerCpuS,
      cpuS: run.cpuS,
      activity: run.activity,
      busiestTables: run.busiestTables,
      simulatorRequests: run.requests,
    })),
    sameTables,
    bareTable,
  };
  const otherLayouts = runs
    .slice(1)
    .map((run) => `${layoutLabel(run.layout)}: ${fmt(run.rate)} contacts/s (${fmt(run.wallMs / 1000, 1)} s)`)
    .join('; ');
  const result: BenchRowResult = {
    row: `Many agencies at once: ${AGENCIES} first imports of ${fmt(perAgency / 1000)}k, ${layoutLabel(reported.layout)}`,
    measured: `${fmt(reported.rate)} contacts/s aggregate (${fmt(reported.wallMs / 1000, 1)} s)`,
    baseline: `8 writers into the same tables ${fmt(sameTables.rate)} rows/s; into a bare table ${fmt(bareTable.rate)} rows/s`,
    ratio: ofSame,
    ratioLabel: `${fmt(ofSame * 100, 1)}% of same-table raw, ${fmt(ofBare * 100, 1)}% of bare raw`,
    target: '≥ 50% of same-table raw and ≥ 25% of bare raw',
    met: ofSame >= 0.5 && ofBare >= 0.25,
    notes:
      `${sizeNote}; one Reapit simulator child serving ${AGENCIES} customers, rate limits off; this process ` +
      `connects all eight at once (HTTP-only, each connect queues the first import), worker processes run ` +
      `them; wall from the first connect to the last run's finish. Same-table raw: the stored rows (contacts, ` +
      `external ids, sync log) re-inserted after TRUNCATE, ${RAW_BATCH}-row multi-row INSERT … ON CONFLICT, ` +
      `one writer per agency, all indexes and keys in place; bare raw: the contact + external-id columns ` +
      `into one table with only a primary key, same writers. CPU s during the imports (${fmt(reported.wallMs / 1000, 1)} s ` +
      `wall, 2 cores): workers ${reported.cpuS.workers}, PostgreSQL ${reported.cpuS.postgres}, simulator ` +
      `${reported.cpuS.simulator}, server ${reported.cpuS.server}. Other layout: ${otherLayouts || 'none'}`,
    details,
  };
  return [result];
}

async function importAtOnce(
  context: BenchContext,
  database: BenchDatabase,
  simulator: SimulatorProcess,
  layout: Layout,
  perAgency: number,
): Promise<{ run: ImportRun; agencies: Agency[] }> {
  // This process is the server: HTTP-only, so the connects only queue the first imports.
  const services = await createBenchServices(database.url, {}, simulator.operatorConfig);
  const workers: WorkerProcess[] = [];
  try {
    const organisations = [];
    for (let index = 0; index < AGENCIES; index++) {
      organisations.push(await createOrganisation(services, `Bench Agency ${index + 1}`));
    }
    // Started after the server's services: they read the encryption key those created.
    for (let index = 0; index < layout.workers; index++) {
      workers.push(
        startWorkerProcess({
          NODE_ENV: 'test',
          NODE_OPTIONS: '--max-old-space-size=256',
          DATABASE_URL: database.url,
          PROPSYNC_DATA_DIR: services.dataDirectory,
          PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
          PROPSYNC_SCHEDULER: 'off',
          PROPSYNC_SYNC_CONCURRENCY: String(layout.concurrency),
          LOG_LEVEL: 'info',
          ...simulator.operatorConfig,
        }),
      );
    }
    await Promise.all(workers.map((worker) => untilRunning(worker)));
    await simulator.clearRequests();
    const em = services.orm.em.fork();
    const [{ startedAt: startedAtText }] = (await em.execute(`select clock_timestamp() as "startedAt"`)) as [
      { startedAt: string },
    ];
    const startedAt = new Date(startedAtText);
    const statsBefore = await databaseActivity(database.url);
    const tablesBefore = await tableWrites(database.url);
    const cpuBefore = {
      postgres: await postgresCpuSeconds(database.url),
      simulator: cpuSecondsOf(simulator.pid),
      bench: process.cpuUsage(),
    };
    context.log(
      `connecting ${AGENCIES} agencies at once (${layout.workers} worker(s) × ${layout.concurrency} cycles)…`,
    );
    const connectionIds = await Promise.all(
      organisations.map((organisationId, index) =>
        // The mapping left unconfirmed, as just after an admin connects: otherwise the intent scores
        // of contacts with activities are written back during the import, taking most of each
        // customer's 20 requests/s (measured: 3,000 contacts, 211 writes of 2 requests each).
        connectToSimulator(
          services,
          organisationId,
          { ...simulator, connection: simulator.connections[index]! },
          { settings: { pageSize: '100' }, withoutWebhooks: true, unconfirmedMapping: true },
        ),
      ),
    );
    const runs = await untilImported(context, services, connectionIds, workers);
    const finishedAt = Math.max(...runs.map((run) => run.finished_at.getTime()));
    const wallMs = finishedAt - startedAt.getTime();
    const [counts] = await em.execute<Array<{ contacts: number; links: number }>>(
      `select (select count(*)::int from contacts) as contacts,
              (select count(*)::int from contact_external_ids) as links`,
    );
    if (counts!.links !== AGENCIES * perAgency) {
      throw new Error(`expected ${AGENCIES * perAgency} external ids, found ${counts!.links}`);
    }
    const workerCpuS = workers.map((worker) => round1(cpuSecondsOf(worker.child.pid!)));
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpuS = {
      workers: round1(workerCpuS.reduce((sum, seconds) => sum + seconds, 0)),
      postgres: round1((await postgresCpuSeconds(database.url)) - cpuBefore.postgres),
      simulator: round1(cpuSecondsOf(simulator.pid) - cpuBefore.simulator),
      server: round1((benchCpu.user + benchCpu.system) / 1e6),
    };
    const { byPath: requests } = await simulator.requestStats();
    const statsAfter = await databaseActivity(database.url);
    const activity = Object.fromEntries(
      Object.entries(statsAfter).map(([key, value]) => [
        key,
        value - statsBefore[key as keyof DatabaseActivity],
      ]),
    ) as DatabaseActivity;
    const tablesAfter = await tableWrites(database.url);
    const busiestTables = Object.fromEntries(
      Object.entries(tablesAfter)
        .map(([table, writes]) => [table, writes - (tablesBefore[table] ?? 0)] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10),
    );
    const run: ImportRun = {
      layout,
      wallMs,
      contacts: counts!.links,
      rate: counts!.links / (wallMs / 1000),
      perImportS: runs.map((row) => round1((row.finished_at.getTime() - row.started_at.getTime()) / 1000)),
      queuedS: runs.map((row) => round1((row.started_at.getTime() - startedAt.getTime()) / 1000)),
      workerCpuS,
      cpuS,
      activity,
      busiestTables,
      requests,
    };
    context.log(
      `  ${fmt(run.contacts)} contacts in ${fmt(wallMs / 1000, 1)} s: ${fmt(run.rate)} contacts/s aggregate; ` +
        `imports took ${run.perImportS.join(', ')} s, started ${run.queuedS.join(', ')} s after the first connect; ` +
        `CPU s: ${JSON.stringify(cpuS)}; PostgreSQL: ${JSON.stringify(activity)}; rows written: ` +
        JSON.stringify(busiestTables),
    );
    return {
      run,
      agencies: organisations.map((organisationId, index) => ({
        organisationId,
        connectionId: connectionIds[index]!,
      })),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
    await services.dispose();
  }
}

async function untilRunning(worker: WorkerProcess): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (worker.output().includes('Propsync worker is running')) return;
    if (worker.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`a worker process did not start: ${worker.output().slice(-2_000)}`);
}

type FinishedRun = { connection_id: string; started_at: Date; finished_at: Date };

/** Polls sync_runs until every connection has a finished full import; a failed run fails the row. */
async function untilImported(
  context: BenchContext,
  services: BenchServices,
  connectionIds: string[],
  workers: WorkerProcess[],
): Promise<FinishedRun[]> {
  let lastReport = Date.now();
  for (const deadline = Date.now() + 30 * 60_000; Date.now() < deadline;) {
    const rows = await services.orm.em
      .fork()
      .execute<Array<FinishedRun & { status: string; records_fetched: number }>>(
        `select connection_id, status, started_at, finished_at, records_fetched from sync_runs
       where connection_id = any(array[?]::uuid[]) and full_import`,
        [connectionIds],
      );
    const failed = rows.find((row) => row.status === 'failed' || row.status === 'partial');
    if (failed) throw new Error(`an import ended ${failed.status}`);
    const succeeded = rows.filter((row) => row.status === 'succeeded');
    // Timestamps arrive as text through the ORM's raw execute.
    if (succeeded.length === connectionIds.length) {
      return succeeded.map((row) => ({
        connection_id: row.connection_id,
        started_at: new Date(row.started_at),
        finished_at: new Date(row.finished_at),
      }));
    }
    if (workers.some((worker) => worker.child.exitCode !== null)) {
      throw new Error(
        `a worker process exited: ${workers.map((worker) => worker.output().slice(-1_000)).join('\n')}`,
      );
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const fetched = rows.reduce((sum, row) => sum + row.records_fetched, 0);
      context.log(`  ${succeeded.length} of ${connectionIds.length} imports done, ${fmt(fetched)} fetched`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the imports did not finish within 30 minutes');
}

type RawRate = { rows: number; ms: number; rate: number };
type Baselines = {
  sameTables: RawRate & { contacts: number; links: number; logRows: number };
  bareTable: RawRate;
};

/**
 * Writes each agency's stored rows to files (not timed), then times 8 concurrent writers
 * re-inserting them: into the same three tables after TRUNCATE, then into a bare table.
 */
async function measureBaselines(
  context: BenchContext,
  databaseUrl: string,
  agencies: Agency[],
): Promise<Baselines> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'propsync-bench-concurrent-'));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    context.log('raw baselines: writing the stored rows to files…');
    const files: AgencyFiles[] = [];
    for (const [index, agency] of agencies.entries()) {
      const file = (name: string) => path.join(directory, `${index}-${name}.jsonl`);
      const agencyFiles: AgencyFiles = {
        contacts: file('contacts'),
        links: file('links'),
        log: file('log'),
        bare: file('bare'),
      };
      await exportRows(client, agencyFiles.contacts, `select * from contacts where organisation_id = $1`, [
        agency.organisationId,
      ]);
      await exportRows(
        client,
        agencyFiles.links,
        `select * from contact_external_ids where connection_id = $1`,
        [agency.connectionId],
      );
      // The log's id comes from its sequence, as the import's did.
      await exportRows(client, agencyFiles.log, `select * from crm_sync_log where connection_id = $1`, [
        agency.connectionId,
      ]);
      await exportRows(
        client,
        agencyFiles.bare,
        `${BARE_ROWS_SELECT} where c.organisation_id = $1 and e.connection_id = $2`,
        [agency.organisationId, agency.connectionId],
      );
      files.push(agencyFiles);
    }
    const jsonColumns = {
      contacts: await jsonColumnsOf(client, 'contacts'),
      links: await jsonColumnsOf(client, 'contact_external_ids'),
      log: await jsonColumnsOf(client, 'crm_sync_log'),
    };
    const keys = {
      contacts: await primaryKeyOf(client, 'contacts'),
      links: await primaryKeyOf(client, 'contact_external_ids'),
    };
    // The cascade reaches the append-only conflict audit (empty after a first import), whose
    // trigger refuses TRUNCATE: lifted for this statement only, in a database dropped afterwards.
    await client.query(`alter table conflict_audit disable trigger conflict_audit_no_truncate`);
    await client.query(`truncate contacts, contact_external_ids, crm_sync_log cascade`);
    await client.query(`alter table conflict_audit enable trigger conflict_audit_no_truncate`);
    context.log('raw baseline (a): 8 writers into contacts, contact_external_ids, crm_sync_log…');
    const same = await concurrently(databaseUrl, files, async (writer, agencyFiles) => {
      // Contacts before their external ids (foreign key), the log last, as a run's rows reference them.
      const contacts = await insertFile(
        writer,
        agencyFiles.contacts,
        'contacts',
        keys.contacts,
        jsonColumns.contacts,
        [],
      );
      const links = await insertFile(
        writer,
        agencyFiles.links,
        'contact_external_ids',
        keys.links,
        jsonColumns.links,
        [],
      );
      const logRows = await insertFile(writer, agencyFiles.log, 'crm_sync_log', null, jsonColumns.log, [
        'id',
      ]);
      return { contacts, links, logRows };
    });
    const sum = (key: 'contacts' | 'links' | 'logRows') =>
      same.results.reduce((total, written) => total + written[key], 0);
    const [contacts, links, logRows] = [sum('contacts'), sum('links'), sum('logRows')];
    const sameMs = same.ms;
    context.log('raw baseline (b): 8 writers into a bare table…');
    await client.query(bareTableDdl('bench_raw_contacts', 'organisation_id, external_id'));
    const bare = await concurrently(databaseUrl, files, (writer, agencyFiles) =>
      insertFile(
        writer,
        agencyFiles.bare,
        'bench_raw_contacts',
        ['organisation_id', 'external_id'],
        new Set(['address', 'profile', 'snapshot']),
        [],
      ),
    );
    const bareRows = bare.results.reduce((total, written) => total + written, 0);
    const bareMs = bare.ms;
    // The import's rate is contacts (external ids) per second: the raw rates count the same records.
    return {
      sameTables: {
        rows: links,
        ms: Math.round(sameMs),
        rate: links / (sameMs / 1000),
        contacts,
        links,
        logRows,
      },
      bareTable: { rows: bareRows, ms: Math.round(bareMs), rate: bareRows / (bareMs / 1000) },
    };
  } finally {
    await client.end();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** A query's rows as JSON lines, read a batch at a time (the bench's heap is 256 MB). */
async function exportRows(
  client: pg.Client,
  file: string,
  query: string,
  parameters: unknown[],
): Promise<void> {
  const out = fs.createWriteStream(file);
  await client.query('begin');
  try {
    await client.query({ text: `declare export_rows no scroll cursor for ${query}`, values: parameters });
    for (;;) {
      const { rows } = await client.query(`fetch ${RAW_BATCH} from export_rows`);
      if (rows.length === 0) break;
      const chunk = rows.map((row) => JSON.stringify(row)).join('\n');
      if (!out.write(`${chunk}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  } finally {
    await client.query('commit');
    await new Promise<void>((resolve) => out.end(() => resolve()));
  }
}

/** One writer (connection) per agency, all at once; the wall time of the whole. */
async function concurrently<T>(
  databaseUrl: string,
  files: AgencyFiles[],
  write: (writer: pg.Client, agencyFiles: AgencyFiles) => Promise<T>,
): Promise<{ results: T[]; ms: number }> {
  const writers = files.map(() => new pg.Client({ connectionString: databaseUrl }));
  await Promise.all(writers.map((writer) => writer.connect()));
  try {
    const started = performance.now();
    const results = await Promise.all(files.map((agencyFiles, index) => write(writers[index]!, agencyFiles)));
    return { results, ms: performance.now() - started };
  } finally {
    await Promise.all(writers.map((writer) => writer.end()));
  }
}

/** Re-inserts a file's rows in batches of RAW_BATCH, one multi-row statement each. */
async function insertFile(
  writer: pg.Client,
  file: string,
  table: string,
  conflict: string[] | null,
  jsonColumns: ReadonlySet<string>,
  omit: string[],
): Promise<number> {
  let batch: Record<string, unknown>[] = [];
  let total = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const upsert = multiRowUpsert(table, batch, { conflict, jsonColumns });
    await writer.query(upsert.text, upsert.values);
    total += batch.length;
    batch = [];
  };
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const row = JSON.parse(line) as Record<string, unknown>;
    for (const column of omit) delete row[column];
    batch.push(row);
    if (batch.length === RAW_BATCH) await flush();
  }
  await flush();
  return total;
}

async function jsonColumnsOf(client: pg.Client, table: string): Promise<Set<string>> {
  const { rows } = await client.query<{ column_name: string }>(
    `select column_name from information_schema.columns
     where table_schema = current_schema() and table_name = $1 and data_type in ('json', 'jsonb')`,
    [table],
  );
  return new Set(rows.map((row) => row.column_name));
}

async function primaryKeyOf(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    `select a.attname as column_name from pg_index i
     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
     where i.indrelid = $1::regclass and i.indisprimary`,
    [table],
  );
  return rows.map((row) => row.column_name);
}

type DatabaseActivity = {
  commits: number;
  inserted: number;
  updated: number;
  deleted: number;
  walRecords: number;
  walMb: number;
  walSyncs: number;
};

async function databaseActivity(databaseUrl: string): Promise<DatabaseActivity> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Counters are reported by each backend at its transaction's end: a snapshot of what is flushed.
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<Record<keyof DatabaseActivity, string>>(
      `select d.xact_commit as commits, d.tup_inserted as inserted, d.tup_updated as updated,
         d.tup_deleted as deleted, w.wal_records as "walRecords", w.wal_bytes / 1048576.0 as "walMb",
         w.wal_sync as "walSyncs"
       from pg_stat_database d, pg_stat_wal w where d.datname = current_database()`,
    );
    const row = rows[0]!;
    return Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, Math.round(Number(value))]),
    ) as DatabaseActivity;
  } finally {
    await client.end();
  }
}

/** Rows written (inserted, updated, deleted) per table so far, partitions folded into their table. */
async function tableWrites(databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ name: string; writes: string }>(
      `select coalesce(parent.relname, t.relname) as name, sum(t.n_tup_ins + t.n_tup_upd + t.n_tup_del) as writes
       from pg_stat_all_tables t
       left join pg_inherits i on i.inhrelid = t.relid
       left join pg_class parent on parent.oid = i.inhparent
       where t.schemaname not in ('pg_catalog', 'information_schema', 'pg_toast')
       group by 1`,
    );
    return Object.fromEntries(rows.map((row) => [row.name, Number(row.writes)]));
  } finally {
    await client.end();
  }
}

/** The fields of /proc/<pid>/stat after the command name (field 3 onwards); null once it is gone. */
function statFields(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return null;
  }
}

/** A process's user + system CPU seconds so far, with its reaped children's when asked (Linux /proc). */
function cpuSecondsOf(pid: number, withChildren = false): number {
  const fields = statFields(pid);
  if (!fields) return Number.NaN;
  // utime, stime, cutime and cstime are fields 14–17 of stat, 11–14 here.
  const ticks = [11, 12, ...(withChildren ? [13, 14] : [])].reduce(
    (sum, index) => sum + Number(fields[index]),
    0,
  );
  return ticks / 100;
}

/**
 * CPU seconds PostgreSQL has spent so far: the postmaster with the backends it has reaped, plus
 * every live backend (this server only: the children of this connection's postmaster).
 */
async function postgresCpuSeconds(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const postmaster = Number(statFields(rows[0]!.pid)?.[1]);
    let total = cpuSecondsOf(postmaster, true);
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = statFields(Number(entry));
      if (fields && Number(fields[1]) === postmaster) total += cpuSecondsOf(Number(entry));
    }
    return total;
  } finally {
    await client.end();
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;
