import { z } from 'zod';
import {
  refusal,
  type BudgetDecision,
  type BudgetRequest,
  type RateBudget,
} from '../../core/ports/rate-budget.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlNumber } from './sql.ts';

/** Namespace of the budget locks (distinct from the cycle, refresh and dedup locks). */
const BUDGET_LOCK_NAMESPACE = 0x5059_5242;

/**
 * A slot still in flight this long after it was taken belongs to a process that died mid-request:
 * no request runs this long (the HTTP timeout is 30 s), so it stops counting.
 */
export const ABANDONED_SLOT_MS = 60_000;

const UsageRow = z.object({
  held_ms: sqlNumber.nullable(),
  requests_today: sqlNumber,
  ms_to_day_end: sqlNumber,
  in_window: sqlNumber,
  writes_in_window: sqlNumber,
  in_flight: sqlNumber,
  first_leaves_in_ms: sqlNumber.nullable(),
  first_write_leaves_in_ms: sqlNumber.nullable(),
});

/**
 * Rate budgets in PostgreSQL, shared by every process calling one CRM customer. A slot is taken in
 * one short transaction under an advisory lock on the key: count the slots in flight or finished
 * less than a window ago, and insert one if the budget allows. Every time is the database's clock,
 * so the processes' own clocks never disagree about a window.
 */
export class PostgresRateBudget implements RateBudget {
  readonly #sql: Sql;
  readonly #ownerPid: (() => Promise<number>) | null;

  /**
   * `ownerPid`: the backend pid of a session that lives exactly as long as this process (its lock
   * session). A slot of a process that died mid-request then stops counting as in flight at once,
   * instead of blocking the customer's cap until it is taken for abandoned.
   */
  constructor(em: EntityManager, options: { ownerPid?: () => Promise<number> } = {}) {
    this.#sql = new Sql(em);
    this.#ownerPid = options.ownerPid ?? null;
  }

  async tryAcquire(request: BudgetRequest): Promise<BudgetDecision> {
    const { key, write, limits } = request;
    const owner = this.#ownerPid ? await this.#ownerPid() : null;
    return this.#sql.transaction(async (sql) => {
      await sql.run(`select pg_advisory_xact_lock(?, hashtext(?))`, [BUDGET_LOCK_NAMESPACE, key]);
      // A separate statement after the lock: its snapshot sees what the previous holder committed.
      const usage = await sql.first(
        UsageRow,
        `with now as materialized (select clock_timestamp() as at),
         expired as (
           -- Never counted again (twice the window; abandoned), so removing them changes no decision.
           delete from rate_budget_slots s using now
           where s.budget_key = ? and (s.finished_at < now.at - 2 * ?::float8 * interval '1 millisecond'
             or (s.finished_at is null and s.started_at < now.at - ?::float8 * interval '1 millisecond'))),
         slots as (
           -- A slot whose owner's session is gone (the process died mid-request) counts as a
           -- request that finished when it started.
           select s.write, s.started_at,
             case when s.finished_at is null and s.owner_pid is not null
                   and not exists (select 1 from pg_stat_activity a where a.pid = s.owner_pid)
                  then s.started_at else s.finished_at end as finished_at
           from rate_budget_slots s where s.budget_key = ?),
         live as (
           select slots.write, slots.finished_at from slots, now
           where (slots.finished_at is null and slots.started_at >= now.at - ?::float8 * interval '1 millisecond')
             or slots.finished_at > now.at - ?::float8 * interval '1 millisecond')
         select
           extract(epoch from b.held_until - now.at) * 1000 as held_ms,
           case when b.usage_day = (now.at at time zone 'utc')::date then b.day_requests else 0 end as requests_today,
           extract(epoch from date_trunc('day', now.at at time zone 'utc') + interval '1 day' - (now.at at time zone 'utc')) * 1000 as ms_to_day_end,
           (select count(*) from live) as in_window,
           (select count(*) from live where write) as writes_in_window,
           (select count(*) from live where finished_at is null) as in_flight,
           extract(epoch from (select min(finished_at) from live) - now.at) * 1000 + ?::float8 as first_leaves_in_ms,
           extract(epoch from (select min(finished_at) from live where write) - now.at) * 1000 + ?::float8 as first_write_leaves_in_ms
         from now left join rate_budgets b on b.budget_key = ?`,
        [
          key,
          limits.windowMs,
          ABANDONED_SLOT_MS,
          key,
          ABANDONED_SLOT_MS,
          limits.windowMs,
          limits.windowMs,
          limits.windowMs,
          key,
        ],
      );
      const refused = refusal(
        {
          heldMs: usage!.held_ms ?? 0,
          requestsToday: usage!.requests_today,
          msToDayEnd: usage!.ms_to_day_end,
          inWindow: usage!.in_window,
          writesInWindow: usage!.writes_in_window,
          inFlight: usage!.in_flight,
          firstLeavesInMs: usage!.first_leaves_in_ms,
          firstWriteLeavesInMs: usage!.first_write_leaves_in_ms,
        },
        request,
      );
      if (refused) return refused;
      const slot = await sql.first(
        z.object({ id: z.string() }),
        `with slot as (
           insert into rate_budget_slots (budget_key, write, started_at, owner_pid)
           values (?, ?, clock_timestamp(), ?) returning id),
         counted as (
           insert into rate_budgets (budget_key, usage_day, day_requests)
           values (?, (clock_timestamp() at time zone 'utc')::date, 1)
           on conflict (budget_key) do update set
             day_requests = case when rate_budgets.usage_day = excluded.usage_day then rate_budgets.day_requests + 1 else 1 end,
             usage_day = excluded.usage_day)
         select id::text from slot`,
        [key, write, owner, key],
      );
      return { granted: true, slotId: slot!.id };
    });
  }

  async release(key: string, slotId: string): Promise<void> {
    await this.#sql.run(
      `update rate_budget_slots set finished_at = clock_timestamp() where id = ?::bigint and budget_key = ?`,
      [slotId, key],
    );
  }

  async holdFor(key: string, ms: number): Promise<void> {
    await this.#sql.run(
      `insert into rate_budgets (budget_key, held_until) values (?, clock_timestamp() + ?::float8 * interval '1 millisecond')
       on conflict (budget_key) do update set held_until = greatest(rate_budgets.held_until, excluded.held_until)`,
      [key, ms],
    );
  }

  async requestsToday(keys: readonly string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.#sql.rows(
      z.object({ budget_key: z.string(), day_requests: sqlNumber }),
      `select budget_key, day_requests from rate_budgets
       where budget_key = any(array[?]::text[]) and usage_day = (now() at time zone 'utc')::date`,
      [keys],
    );
    return new Map(rows.map((row) => [row.budget_key, row.day_requests]));
  }
}
