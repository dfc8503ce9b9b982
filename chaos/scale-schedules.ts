/**
 * Many worker processes, many connections on one-minute schedules: did every scheduled slot run
 * exactly once, none twice, none missed? `node chaos/scale-schedules.ts --workers 3
 * --connections 200 --minutes 5` prints a one-line verdict and the JSON. Uses DATABASE_URL when
 * set, else an embedded PostgreSQL in .data/scale-postgres.
 *
 * How it decides: each connection gets a first slot at a whole minute plus a stagger; the workers'
 * scheduler ticks claim slots (each claim queues a job carrying its `scheduledFor`) and run them.
 * At the end, slot-taking is cut off by moving `next_sync_at` a day ahead in one statement that
 * also reads the first unclaimed slot. Then, per connection, the expected slots are the one-minute
 * chain from the first slot to just before that first unclaimed slot; the claimed slots (queued
 * jobs) and the cycles (sync_runs.scheduled_for) must both equal that chain exactly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDatabase } from '../server/infrastructure/db/database.ts';
import { startEmbeddedPostgres } from '../server/infrastructure/db/embedded-postgres.ts';
import { createLogger } from '../server/infrastructure/logger.ts';
import { SYNC_QUEUE } from '../server/infrastructure/scheduling/sync-job-queue.ts';
import { createDrivenServices, dropDatabase } from '../server/test-support/driven-services.ts';
import { REAPIT_DEMO_CLIENT } from '../simulators/reapit/reapit-constants.ts';
import { reapitOperatorConfig } from '../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator } from '../simulators/reapit/reapit-simulator.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOKEN_SECRET = 'scale-token-secret-that-is-long-enough-0123456789';

export type ScaleOptions = {
  workers: number;
  connections: number;
  minutes: number;
  /** PostgreSQL server for the throw-away database (default: DATABASE_URL or an embedded one). */
  adminUrl?: string;
  /** Cycles per worker process. */
  concurrency?: number;
  log?: (line: string) => void;
};

export type ScaleReport = {
  ok: boolean;
  workers: number;
  connections: number;
  minutes: number;
  expectedSlots: number;
  ranOnce: number;
  ranTwice: number;
  missed: number;
  /** Slots that ran but were never expected (a drifted chain). */
  unexpected: number;
  failedCycles: number;
  /** Slots whose cycle started more than 60 s after the slot time. */
  lateSlots: number;
  maxStartDelayMs: number;
  workerExits: Array<number | string | null>;
  problems: string[];
  durationMs: number;
};

export async function runScaleSchedules(options: ScaleOptions): Promise<ScaleReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const problems: string[] = [];
  const embedded = options.adminUrl
    ? null
    : process.env.DATABASE_URL
      ? null
      : await startEmbeddedPostgres({
          directory: path.resolve(ROOT, '.data/scale-postgres'),
          port: Number(process.env.SCALE_POSTGRES_PORT ?? 54379),
          logger: createLogger({ level: 'warn' }),
        });
  const adminUrl = options.adminUrl ?? process.env.DATABASE_URL ?? embedded!.adminUrl;
  const databaseName = `propsync_scale_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(adminUrl, databaseName);
  const simulator = createReapitSimulator({ seed: 9, contactCount: 5, rateLimits: false });
  const running = await simulator.listen(0);
  const services = await createDrivenServices(url, {
    label: 'scale',
    env: {
      PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
      PROPSYNC_SYNC_CONCURRENCY: '0',
      ...reapitOperatorConfig(running),
    },
  });
  const workers: ChildProcess[] = [];
  try {
    const query = <T>(sql: string, params: unknown[] = []) =>
      services.orm.em.fork().execute<T[]>(sql, params);
    log(`connecting ${options.connections} agencies to the Reapit simulator`);
    const connectionIds: string[] = [];
    for (let index = 0; index < options.connections; index++) {
      const [organisation] = await query<{ id: string }>(
        `insert into organisations (name) values (?) returning id`,
        [`Scale Agency ${index + 1}`],
      );
      const summary = await services.connections.connect(organisation!.id, 'reapit', {
        credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
        settings: { customerId: REAPIT_DEMO_CLIENT.customerId },
      });
      connectionIds.push(summary.id);
    }
    // One-minute schedules; first slots from the next whole minute, staggered across it.
    await query(
      `update crm_connections set sync_interval_minutes = 1,
         next_sync_at = date_trunc('minute', now()) + interval '1 minute' + (random() * interval '59 seconds')::interval
       where id = any(array[?]::uuid[])`,
      [connectionIds],
    );
    const firstSlots = new Map(
      (
        await query<{ id: string; slot: Date }>(
          `select id, date_trunc('milliseconds', next_sync_at) as slot from crm_connections where id = any(array[?]::uuid[])`,
          [connectionIds],
        )
      ).map((row) => [row.id, new Date(row.slot).getTime()]),
    );
    // Millisecond slots as stored (timestamptz keeps microseconds: truncate what we compare).
    await query(
      `update crm_connections set next_sync_at = date_trunc('milliseconds', next_sync_at) where id = any(array[?]::uuid[])`,
      [connectionIds],
    );
    log(`starting ${options.workers} worker processes for ${options.minutes} minute(s)`);
    for (let index = 0; index < options.workers; index++) {
      const child = spawn(process.execPath, ['server/entry/worker.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: url,
          PROPSYNC_DATA_DIR: services.dataDirectory,
          PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
          PROPSYNC_PUBLIC_URL: 'http://127.0.0.1:9',
          PROPSYNC_SCHEDULER: 'on',
          PROPSYNC_SCHEDULE_TICK: '* * * * * *',
          PROPSYNC_SYNC_CONCURRENCY: String(options.concurrency ?? 4),
          LOG_LEVEL: 'warn',
          ...reapitOperatorConfig(running),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      workers.push(child);
    }
    const until = Date.now() + options.minutes * 60_000 + 60_000; // +1: the first slots start a minute ahead
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const [progress] = await query<{ runs: number }>(
        `select count(*)::int as runs from sync_runs where scheduled_for is not null`,
      );
      log(`  ${Math.round((until - Date.now()) / 1000)} s left, ${progress!.runs} scheduled cycles so far`);
    }
    // Cut slot-taking off and learn, per connection, the first slot nobody claimed.
    const cut = await query<{ id: string; unclaimed: Date }>(
      `with old as (select id, next_sync_at from crm_connections where id = any(array[?]::uuid[]) for update)
       update crm_connections c set next_sync_at = now() + interval '1 day' from old where c.id = old.id
       returning c.id, old.next_sync_at as unclaimed`,
      [connectionIds],
    );
    await services.whenIdle(5 * 60_000);
    const workerExits = workers.map((child) => child.exitCode ?? child.signalCode);
    if (workerExits.some((exit) => exit !== null))
      problems.push(`a worker exited early: ${JSON.stringify(workerExits)}`);

    const claimed = await query<{ connection_id: string; slot: string; jobs: number }>(
      `select data ->> 'connectionId' as connection_id, data ->> 'scheduledFor' as slot, count(*)::int as jobs
       from pgboss.job where name = ? and data ->> 'scheduledFor' is not null group by 1, 2`,
      [SYNC_QUEUE],
    );
    const runs = await query<{ connection_id: string; slot: Date; status: string; delay_ms: number }>(
      `select connection_id, scheduled_for as slot, status, extract(epoch from started_at - scheduled_for) * 1000 as delay_ms
       from sync_runs where scheduled_for is not null`,
    );
    let expectedSlots = 0;
    let ranOnce = 0;
    let ranTwice = 0;
    let missed = 0;
    let unexpected = 0;
    const runsBySlot = new Map<string, number>();
    for (const run of runs) {
      const key = `${run.connection_id}@${new Date(run.slot).getTime()}`;
      runsBySlot.set(key, (runsBySlot.get(key) ?? 0) + 1);
    }
    const claimsBySlot = new Map(
      claimed.map((claim) => [`${claim.connection_id}@${Date.parse(claim.slot)}`, claim.jobs]),
    );
    const expected = new Set<string>();
    for (const { id, unclaimed } of cut) {
      const first = firstSlots.get(id)!;
      for (let slot = first; slot < new Date(unclaimed).getTime() - 1; slot += 60_000) {
        expected.add(`${id}@${slot}`);
      }
      // The chain must end exactly one minute before the first unclaimed slot.
      const chainEnd = first + Math.round((new Date(unclaimed).getTime() - first) / 60_000) * 60_000;
      if (Math.abs(chainEnd - new Date(unclaimed).getTime()) > 1)
        problems.push(`connection ${id}: its slots drifted off the one-minute chain`);
    }
    for (const key of expected) {
      expectedSlots++;
      const count = runsBySlot.get(key) ?? 0;
      if (count === 1) ranOnce++;
      else if (count > 1) ranTwice++;
      else missed++;
      if ((claimsBySlot.get(key) ?? 0) > 1)
        problems.push(`slot ${key} was queued ${claimsBySlot.get(key)} times`);
    }
    for (const key of runsBySlot.keys()) if (!expected.has(key)) unexpected++;
    const failedCycles = runs.filter((run) => run.status !== 'succeeded').length;
    const delays = runs.map((run) => Number(run.delay_ms));
    const lateSlots = delays.filter((delay) => delay > 60_000).length;
    if (expectedSlots === 0) problems.push('no slot fell inside the run');
    if (missed > 0) problems.push(`${missed} slot(s) never ran`);
    if (ranTwice > 0) problems.push(`${ranTwice} slot(s) ran more than once`);
    if (unexpected > 0) problems.push(`${unexpected} cycle(s) ran for slots off the schedule`);
    if (failedCycles > 0) problems.push(`${failedCycles} scheduled cycle(s) failed`);
    return {
      ok: problems.length === 0,
      workers: options.workers,
      connections: options.connections,
      minutes: options.minutes,
      expectedSlots,
      ranOnce,
      ranTwice,
      missed,
      unexpected,
      failedCycles,
      lateSlots,
      maxStartDelayMs: Math.round(Math.max(0, ...delays)),
      workerExits,
      problems,
      durationMs: Date.now() - started,
    };
  } finally {
    for (const child of workers)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await services.close().catch(() => undefined);
    await simulator.close();
    fs.rmSync(services.dataDirectory, { recursive: true, force: true });
    await dropDatabase(adminUrl, databaseName);
    await embedded?.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '3' },
      connections: { type: 'string', default: '200' },
      minutes: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '4' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const report = await runScaleSchedules({
    workers: Number(values.workers),
    connections: Number(values.connections),
    minutes: Number(values.minutes),
    concurrency: Number(values.concurrency),
    ...(values.quiet ? {} : { log: (line: string) => console.error(line) }),
  });
  console.log(
    `${report.ok ? 'PASS' : 'FAIL'} scale schedules: ${report.workers} workers × ${report.connections} connections × ${report.minutes} min — ` +
      `${report.ranOnce}/${report.expectedSlots} slots ran exactly once, ${report.ranTwice} twice, ${report.missed} missed, ` +
      `${report.unexpected} off-schedule, ${report.failedCycles} failed, max start delay ${(report.maxStartDelayMs / 1000).toFixed(1)} s`,
  );
  console.log(JSON.stringify(report));
  process.exitCode = report.ok ? 0 : 1;
}
