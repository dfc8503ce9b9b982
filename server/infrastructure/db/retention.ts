import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { isLockTimeout } from './database-errors.ts';
import type { EntityManager } from './orm.ts';
import { Sql } from './sql.ts';

/** How long each table keeps its rows, in days (README "Retention"). */
export type RetentionPolicy = {
  syncLogDays: number;
  syncRunsDays: number;
  webhookDeliveriesDays: number;
  hostEventsDays: number;
};

export type RetentionCounts = {
  logPartitionsCreated: number;
  logPartitionsDropped: number;
  /** Partition DDL attempts that gave up waiting for their lock (retried, or left to the next run). */
  logPartitionLockTimeouts: number;
  /** Expired rows deleted from `crm_sync_log_default` (rows no month partition covered). */
  logDefaultRowsDeleted: number;
  syncRunsDeleted: number;
  webhookDeliveriesDeleted: number;
  hostEventsDeleted: number;
};

export type RetentionOptions = {
  /** Rows per DELETE: each batch is its own short transaction. */
  batchSize?: number;
  /** Batches per table per run; what is left waits for the next run. */
  maxBatches?: number;
  /** Month partitions of `crm_sync_log` kept ready beyond the current month. */
  monthsAhead?: number;
  /**
   * How long a partition's create or drop waits for its lock before giving up for this attempt.
   * Writers queue behind a waiting DROP, so this bounds how long one insert can be held up.
   */
  lockTimeoutMs?: number;
  /** Attempts per partition within one run (a long read on the log may hold the lock). */
  lockAttempts?: number;
};

/** The retention runs once per period, claimed across processes (`maintenance_slots`). */
export const RETENTION_PERIOD_MS = 60 * 60_000;
const JOB = 'retention';
const DAY_MS = 24 * 60 * 60_000;
const MONTH_PARTITION = /^crm_sync_log_y(\d{4})m(\d{2})$/;

/**
 * Keeps the tables that grow with every cycle, delivery and event bounded:
 * - `crm_sync_log` is partitioned by UTC month: a month whose every row is past retention is
 *   dropped whole; months ahead are created before their rows arrive. The default partition only
 *   catches rows no month covers (the job stopped for months): creating a month moves its rows in,
 *   and rows of past months are deleted there in batches once expired.
 * - `webhook_deliveries` (processed or dead-lettered), `host_events` (delivered, or given up on) and
 *   `sync_runs` (finished) are deleted in bounded batches. A run is kept while log rows still point
 *   at it (its foreign key would cascade into them), while the conflict audit names it, and when it
 *   is its connection's newest run or newest completed full import (what "first import" checks).
 * - `conflict_audit` is never touched.
 */
export class PostgresRetention {
  readonly #sql: Sql;
  readonly #policy: RetentionPolicy;
  readonly #batchSize: number;
  readonly #maxBatches: number;
  readonly #monthsAhead: number;
  readonly #lockTimeoutMs: number;
  readonly #lockAttempts: number;
  #lockTimeouts = 0;

  constructor(em: EntityManager, policy: RetentionPolicy, options: RetentionOptions = {}) {
    this.#sql = new Sql(em);
    this.#policy = policy;
    this.#batchSize = options.batchSize ?? 5_000;
    this.#maxBatches = options.maxBatches ?? 100;
    this.#monthsAhead = options.monthsAhead ?? 2;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 50;
    this.#lockAttempts = options.lockAttempts ?? 5;
  }

  /** Runs the retention when this period's run is still unclaimed; null when another run has it. */
  async runDue(periodMs = RETENTION_PERIOD_MS): Promise<RetentionCounts | null> {
    if (!(await this.#claim(periodMs))) return null;
    return this.run();
  }

  /** One retention pass, unclaimed: every step is safe to repeat. */
  async run(now = new Date()): Promise<RetentionCounts> {
    this.#lockTimeouts = 0;
    const logPartitionsCreated = await this.ensureLogPartitions(now);
    const logCutoff = daysBefore(now, this.#policy.syncLogDays);
    const logPartitionsDropped = await this.#dropExpiredLogPartitions(logCutoff);
    return {
      logPartitionsCreated,
      logPartitionsDropped,
      logPartitionLockTimeouts: this.#lockTimeouts,
      logDefaultRowsDeleted: await this.#inBatches(
        `delete from crm_sync_log_default where ctid = any(array(
           select ctid from crm_sync_log_default where created_at < ? limit ?))`,
        logCutoff,
      ),
      webhookDeliveriesDeleted: await this.#inBatches(
        `delete from webhook_deliveries where id in (
           select id from webhook_deliveries
           where status in ('processed', 'dead_lettered') and received_at < ?
           order by received_at limit ? for update skip locked)`,
        daysBefore(now, this.#policy.webhookDeliveriesDays),
      ),
      hostEventsDeleted: await this.#inBatches(
        `delete from host_events where id in (
           select id from host_events
           where (status = 'delivered' or next_attempt_at = 'infinity') and created_at < ?
           order by created_at limit ? for update skip locked)`,
        daysBefore(now, this.#policy.hostEventsDays),
      ),
      // After the log, so runs whose log just went are free to go in the same pass.
      syncRunsDeleted: await this.#inBatches(
        `delete from sync_runs where id in (
           select r.id from sync_runs r
           where r.finished_at is not null and r.finished_at < ?
             and not exists (select 1 from crm_sync_log l where l.sync_run_id = r.id)
             and not exists (select 1 from conflict_audit a where a.sync_run_id = r.id)
             and exists (select 1 from sync_runs newer
                         where newer.connection_id = r.connection_id and newer.started_at > r.started_at)
             and (not r.full_import or r.status not in ('succeeded', 'partial') or exists (
                   select 1 from sync_runs later
                   where later.connection_id = r.connection_id and later.full_import
                     and later.status in ('succeeded', 'partial') and later.started_at > r.started_at))
           order by r.finished_at limit ? for update of r skip locked)`,
        daysBefore(now, this.#policy.syncRunsDays),
      ),
    };
  }

  /** Creates the month partitions of `crm_sync_log` from `now`'s month to `monthsAhead` after it. */
  async ensureLogPartitions(now = new Date()): Promise<number> {
    const existing = new Set(await this.logPartitions());
    let created = 0;
    for (let ahead = 0; ahead <= this.#monthsAhead; ahead++) {
      const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1));
      const name = monthPartitionName(start);
      if (existing.has(name)) continue;
      if (await this.#withShortLock((tx) => addMonthPartition(tx, name, start))) created++;
    }
    return created;
  }

  /** The partitions of `crm_sync_log` by name, the default one included. */
  async logPartitions(): Promise<string[]> {
    const rows = await this.#sql.rows(
      z.object({ name: z.string() }),
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'crm_sync_log'::regclass order by c.relname`,
    );
    return rows.map((row) => row.name);
  }

  async #claim(periodMs: number): Promise<boolean> {
    // Insert-or-advance in one statement: of any number of processes, one moves the slot on.
    const claimed = await this.#sql.rows(
      z.object({ job: z.string() }),
      `insert into maintenance_slots (job, next_run_at) values (?, now() + make_interval(secs => ?))
       on conflict (job) do update set next_run_at = excluded.next_run_at
         where maintenance_slots.next_run_at <= now()
       returning job`,
      [JOB, periodMs / 1000],
    );
    return claimed.length > 0;
  }

  async #dropExpiredLogPartitions(cutoff: Date): Promise<number> {
    let dropped = 0;
    for (const name of await this.logPartitions()) {
      const end = monthPartitionEnd(name);
      // Only whole months past retention; a partition named otherwise (an operator's) is left alone.
      if (!end || end > cutoff) continue;
      if (await this.#withShortLock((tx) => tx.run(`drop table ${name}`))) dropped++;
    }
    return dropped;
  }

  /**
   * Runs partition DDL with a short lock timeout, retried a few times: the DDL needs a lock writers
   * also need, and while it waits, their inserts queue behind it. False when it never got the lock
   * (the next run tries again).
   */
  async #withShortLock(work: (tx: Sql) => Promise<unknown>): Promise<boolean> {
    for (let attempt = 1; attempt <= this.#lockAttempts; attempt++) {
      try {
        await this.#sql.transaction(async (tx) => {
          await tx.run(`select set_config('lock_timeout', ?, true)`, [`${this.#lockTimeoutMs}ms`]);
          await work(tx);
        });
        return true;
      } catch (error) {
        if (!isLockTimeout(error)) throw error;
        this.#lockTimeouts++;
        if (attempt < this.#lockAttempts) await sleep(attempt * 200);
      }
    }
    return false;
  }

  /** Repeats a `delete … limit ?` statement until a batch comes back short (or the run's cap). */
  async #inBatches(statement: string, cutoff: Date): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < this.#maxBatches; batch++) {
      const count = await this.#sql.run(statement, [cutoff, this.#batchSize]);
      deleted += count;
      if (count < this.#batchSize) break;
    }
    return deleted;
  }
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** `crm_sync_log_y2026m12` for a month starting at `start` (UTC). */
export function monthPartitionName(start: Date): string {
  return `crm_sync_log_y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Where a month partition's range ends (exclusive), from its name; null for any other name. */
function monthPartitionEnd(name: string): Date | null {
  const match = MONTH_PARTITION.exec(name);
  if (!match) return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]), 1));
}

/**
 * Built beside the log and attached, rather than `create table … partition of`: attaching locks the
 * default partition (whose rows of that month move in first) but lets writes to the parent go on.
 */
async function addMonthPartition(tx: Sql, name: string, start: Date): Promise<void> {
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  await tx.run(`create table ${name} (like crm_sync_log including defaults including constraints)`);
  await tx.run(
    `with moved as (delete from crm_sync_log_default where created_at >= ? and created_at < ? returning *)
     insert into ${name} select * from moved`,
    [start, end],
  );
  await tx.run(
    `alter table crm_sync_log attach partition ${name}
       for values from ('${start.toISOString()}') to ('${end.toISOString()}')`,
  );
}
