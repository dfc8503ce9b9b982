import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { createOrm } from './orm.ts';
import { monthPartitionName, PostgresRetention, type RetentionPolicy } from './retention.ts';

const database = useTestDatabase();
const DAY = 24 * 60 * 60_000;
const POLICY: RetentionPolicy = {
  syncLogDays: 90,
  syncRunsDays: 180,
  webhookDeliveriesDays: 30,
  hostEventsDays: 30,
};
const today = new Date();
/** The first instant of the UTC month `offset` months from this one. */
const month = (offset: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + offset, 1));
const inMonth = (offset: number) => new Date(month(offset).getTime() + 2 * DAY);
// The runs happen on the 4th of this month, whatever today is: 90 days back then always falls
// between the 4th and the 6th of three months ago, so which months expire is fixed.
const now = new Date(month(0).getTime() + 3 * DAY + 12 * 60 * 60_000);
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

const sql = async <Row>(statement: string, params: unknown[] = []) =>
  database().orm.em.getConnection().execute<Row[]>(statement, params);
const one = async <Row>(statement: string, params: unknown[] = []) => (await sql<Row>(statement, params))[0]!;

let organisationId: string;
let connectionId: string;
let quietConnectionId: string;

async function connection(provider: string): Promise<string> {
  return (
    await one<{ id: string }>(
      `insert into crm_connections (organisation_id, provider) values (?, ?) returning id`,
      [organisationId, provider],
    )
  ).id;
}

async function run(
  onConnection: string,
  started: Date,
  finished: Date | null,
  options: { fullImport?: boolean } = {},
): Promise<string> {
  return (
    await one<{ id: string }>(
      `insert into sync_runs (connection_id, organisation_id, trigger, status, full_import, started_at, finished_at)
       values (?, ?, 'schedule', ?, ?, ?, ?) returning id`,
      [
        onConnection,
        organisationId,
        finished ? 'succeeded' : 'running',
        options.fullImport ?? false,
        started,
        finished,
      ],
    )
  ).id;
}

async function logRow(at: Date, runId: string | null = null): Promise<string> {
  return (
    await one<{ id: string }>(
      `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, status, created_at)
       values (?, ?, ?, 'contact', 'inbound', 'RPT-1', 'updated', ?) returning id`,
      [runId, connectionId, organisationId, at],
    )
  ).id;
}

/** Which partition holds each of these log rows (by id); missing ids are gone. */
async function partitionsOf(ids: string[]): Promise<Record<string, string>> {
  const rows = await sql<{ id: string; partition: string }>(
    `select id::text as id, tableoid::regclass::text as partition from crm_sync_log where id in (?)`,
    [ids],
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.partition]));
}

const stillThere = async (table: string, ids: string[]) =>
  (await sql<{ id: string }>(`select id from ${table} where id in (?) order by id`, [ids])).map(
    (row) => row.id,
  );

beforeAll(async () => {
  organisationId = (
    await one<{ id: string }>(`insert into organisations (name) values ('Long Memory Lettings') returning id`)
  ).id;
  connectionId = await connection('reapit');
  quietConnectionId = await connection('agentos');
});

describe('the retention of crm_sync_log', () => {
  it('drops whole expired month partitions, keeps newer ones untouched, and trims only expired default rows', async () => {
    const retention = new PostgresRetention(database().orm.em, POLICY, { batchSize: 2 });
    // Months seven to two ago, as if the job had made them ahead back then.
    await retention.ensureLogPartitions(month(-7));
    await retention.ensureLogPartitions(month(-4));
    const expired = [await logRow(inMonth(-7)), await logRow(inMonth(-5)), await logRow(inMonth(-5))];
    // Older than 90 days, but its month ended less than 90 days ago: the month stays whole.
    const keptMonthRow = await logRow(new Date(month(-3).getTime() + 1_000));
    const recent = [await logRow(inMonth(-2)), await logRow(daysAgo(0))];
    // No month partition covers these: they wait in the default partition.
    const expiredInDefault = [
      await logRow(inMonth(-10)),
      await logRow(inMonth(-11)),
      await logRow(inMonth(-12)),
    ];
    const recentInDefault = await logRow(inMonth(-1));
    expect(Object.values(await partitionsOf([...expiredInDefault, recentInDefault]))).toEqual(
      Array(4).fill('crm_sync_log_default'),
    );
    const before = await partitionsOf([keptMonthRow, ...recent]);

    const counts = await retention.run(now);

    expect(counts).toMatchObject({ logPartitionsDropped: 4, logDefaultRowsDeleted: 3 });
    const partitions = await retention.logPartitions();
    for (const gone of [-7, -6, -5, -4]) expect(partitions).not.toContain(monthPartitionName(month(gone)));
    for (const kept of [-3, -2, 0, 1, 2]) expect(partitions).toContain(monthPartitionName(month(kept)));
    expect(await partitionsOf(expired)).toEqual({});
    expect(await partitionsOf(expiredInDefault)).toEqual({});
    expect(await partitionsOf([keptMonthRow, ...recent])).toEqual(before);
    expect(await partitionsOf([recentInDefault])).toEqual({ [recentInDefault]: 'crm_sync_log_default' });
  });

  it('makes the months ahead before their rows arrive, moving in any the default partition caught', async () => {
    const retention = new PostgresRetention(database().orm.em, POLICY);
    const early = await logRow(inMonth(4));
    expect(await partitionsOf([early])).toEqual({ [early]: 'crm_sync_log_default' });

    // Run as if it were two months on: months two to four ahead of today must exist.
    expect(await retention.ensureLogPartitions(month(2))).toBe(2);

    expect(await partitionsOf([early])).toEqual({ [early]: monthPartitionName(month(4)) });
    const arriving = await logRow(inMonth(3));
    expect(await partitionsOf([arriving])).toEqual({ [arriving]: monthPartitionName(month(3)) });
    expect(await retention.ensureLogPartitions(month(2))).toBe(0);
  });
});

describe('the retention of runs, deliveries and host events', () => {
  it('deletes only finished runs past retention that nothing still points at, and never the conflict audit', async () => {
    const retention = new PostgresRetention(database().orm.em, POLICY, { batchSize: 2 });
    const expiredRuns = [
      await run(connectionId, daysAgo(201), daysAgo(200)),
      await run(connectionId, daysAgo(202), daysAgo(201)),
      await run(connectionId, daysAgo(203), daysAgo(202)),
    ];
    // Its log rows sit in a partition that is kept: deleting the run would cascade into them.
    const withLog = await run(connectionId, daysAgo(190), daysAgo(190));
    await logRow(new Date(month(-3).getTime() + 60_000), withLog);
    const audited = await run(connectionId, daysAgo(195), daysAgo(195));
    await sql(
      `insert into conflict_audit (organisation_id, connection_id, sync_run_id, crm_version, platform_version,
         crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
       values (?, ?, ?, '{"email":"a@example.co.uk"}', '{"email":"b@example.co.uk"}', now(), now(), '{email}', '[]', 'crm')`,
      [organisationId, connectionId, audited],
    );
    const onlyFullImport = await run(connectionId, daysAgo(300), daysAgo(299), { fullImport: true });
    const stillRunning = await run(connectionId, daysAgo(250), null);
    const recent = await run(connectionId, daysAgo(10), daysAgo(10));
    // A quiet connection's newest run says when it last synced, however old.
    const quietNewest = await run(quietConnectionId, daysAgo(400), daysAgo(400));
    const auditBefore = await sql(`select * from conflict_audit order by id`);

    const counts = await retention.run(now);

    expect(counts.syncRunsDeleted).toBe(3);
    expect(await stillThere('sync_runs', expiredRuns)).toEqual([]);
    const kept = [withLog, audited, onlyFullImport, stillRunning, recent, quietNewest];
    expect(await stillThere('sync_runs', kept)).toEqual([...kept].sort());
    expect(await sql(`select * from conflict_audit order by id`)).toEqual(auditBefore);
  });

  it('deletes settled webhook deliveries and host events past retention, never those still in play', async () => {
    const retention = new PostgresRetention(database().orm.em, POLICY, { batchSize: 2 });
    const delivery = async (status: string, receivedAt: Date) =>
      (
        await one<{ id: string }>(
          `insert into webhook_deliveries (connection_id, organisation_id, delivery_key, event_type, payload, status, received_at)
           values (?, ?, gen_random_uuid()::text, 'contacts.modified', '{}', ?, ?) returning id`,
          [connectionId, organisationId, status, receivedAt],
        )
      ).id;
    const expiredDeliveries = [
      await delivery('processed', daysAgo(40)),
      await delivery('processed', daysAgo(41)),
      await delivery('dead_lettered', daysAgo(45)),
    ];
    const liveDeliveries = [
      await delivery('parked', daysAgo(40)),
      await delivery('pending', daysAgo(40)),
      await delivery('processed', daysAgo(10)),
    ];
    const event = async (status: string, createdAt: Date, nextAttemptAt: string) =>
      (
        await one<{ id: string }>(
          `insert into host_events (organisation_id, type, payload, status, created_at, next_attempt_at)
           values (?, 'contact.hot_lead', '{}', ?, ?, ?::timestamptz) returning id`,
          [organisationId, status, createdAt, nextAttemptAt],
        )
      ).id;
    const expiredEvents = [
      await event('delivered', daysAgo(40), daysAgo(40).toISOString()),
      // Given up on: never retried again.
      await event('failed', daysAgo(40), 'infinity'),
    ];
    const liveEvents = [
      await event('failed', daysAgo(40), new Date(now.getTime() + DAY).toISOString()),
      await event('pending', daysAgo(40), daysAgo(40).toISOString()),
      await event('delivered', daysAgo(10), daysAgo(10).toISOString()),
    ];

    const counts = await retention.run(now);

    expect(counts).toMatchObject({ webhookDeliveriesDeleted: 3, hostEventsDeleted: 2 });
    expect(await stillThere('webhook_deliveries', [...expiredDeliveries, ...liveDeliveries])).toEqual(
      [...liveDeliveries].sort(),
    );
    expect(await stillThere('host_events', [...expiredEvents, ...liveEvents])).toEqual(
      [...liveEvents].sort(),
    );
  });
});

describe('dropping a month while the log is in use', () => {
  it('gives up waiting for the lock after its timeout, so writers are not held behind it, and drops the month next time', async () => {
    const retention = new PostgresRetention(database().orm.em, POLICY, {
      lockTimeoutMs: 50,
      lockAttempts: 2,
    });
    // Months nine to seven ago: all three expired.
    await retention.ensureLogPartitions(month(-9));
    const expiredMonths = [-9, -8, -7].map((offset) => monthPartitionName(month(offset)));
    // A long read of the log: DROP needs the table to itself, so it must wait for this to end.
    const reader = new pg.Client({ connectionString: database().url });
    await reader.connect();
    try {
      await reader.query('begin');
      await reader.query('select count(*) from crm_sync_log');

      const blocked = await retention.run(now);

      // Two attempts per month, each given up after 50 ms.
      expect(blocked).toMatchObject({ logPartitionsDropped: 0, logPartitionLockTimeouts: 6 });
      expect(await retention.logPartitions()).toEqual(expect.arrayContaining(expiredMonths));
      // Meanwhile writers carry on.
      await logRow(daysAgo(0));
    } finally {
      await reader.query('rollback');
      await reader.end();
    }
    const next = await retention.run(now);
    expect(next).toMatchObject({ logPartitionsDropped: 3, logPartitionLockTimeouts: 0 });
    for (const expired of expiredMonths) expect(await retention.logPartitions()).not.toContain(expired);
  });
});

describe('the retention job across processes', () => {
  it('runs once per period however many processes call it at the same moment', async () => {
    const first = await createOrm(database().url, { poolSize: 2 });
    const second = await createOrm(database().url, { poolSize: 2 });
    try {
      const processes = [first, second].map((orm) => new PostgresRetention(orm.em, POLICY));

      const outcomes = await Promise.all(processes.map((process) => process.runDue()));

      expect(outcomes.filter((outcome) => outcome !== null)).toHaveLength(1);
      expect(await processes[1]!.runDue()).toBeNull();
      // The next period comes due.
      await sql(
        `update maintenance_slots set next_run_at = now() - interval '1 second' where job = 'retention'`,
      );
      const next = await Promise.all(processes.map((process) => process.runDue()));
      expect(next.filter((outcome) => outcome !== null)).toHaveLength(1);
    } finally {
      await first.close(true);
      await second.close(true);
    }
  });
});
