import cron from 'node-cron';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { SyncJobQueue } from './sync-job-queue.ts';

/** How many due connections one tick claims; the rest wait for the next tick seconds later. */
const CLAIM_LIMIT = 500;

/**
 * One scheduler tick: claim every due slot and queue its job, in one transaction. A slot is a
 * connection's `next_sync_at`; claiming it moves `next_sync_at` one interval on (the connection's
 * own interval, else its agency's), so however many processes tick at once, each slot is claimed
 * by exactly one, and a process that dies mid-tick claims nothing. Slots missed while every process
 * was down collapse into one cycle (a delta sync catches everything up anyway).
 * Connections in `error` wait for a reconnect: retrying rejected credentials would only get the
 * key blocked (agentOS blocks abusive clients).
 */
export async function enqueueDueSyncs(pool: pg.Pool, queue: SyncJobQueue): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ id: string; slot: Date }>(
      `with due as (
         select c.id, coalesce(c.next_sync_at, date_trunc('second', now())) as slot,
                make_interval(mins => coalesce(c.sync_interval_minutes, o.sync_interval_minutes)) as every
         from crm_connections c join organisations o on o.id = c.organisation_id
         where c.status = 'active' and coalesce(c.next_sync_at, now()) <= now()
         order by c.next_sync_at nulls first
         limit $1
         for update of c skip locked)
       update crm_connections c
         set next_sync_at = case when due.slot + due.every > now() then due.slot + due.every else date_trunc('second', now()) + due.every end
       from due where c.id = due.id
       returning c.id, due.slot`,
      [CLAIM_LIMIT],
    );
    for (const row of rows) {
      await queue.enqueue(
        { connectionId: row.id, trigger: 'schedule', scheduledFor: row.slot.toISOString() },
        client,
      );
    }
    await client.query('commit');
    return rows.length;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * node-cron drives the tick on every process that schedules; intervals and slots live in the
 * database, so changing an interval through the API takes effect on the next tick, no restart.
 */
export function startSyncSchedule(
  databaseUrl: string,
  queue: SyncJobQueue,
  logger: Logger,
  expression = '*/5 * * * * *',
): { stop: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'propsync-scheduler' });
  pool.on('error', (error) => logger.error({ err: error }, 'scheduler database connection failed'));
  let ticking: Promise<void> | null = null;
  const task = cron.schedule(expression, () => {
    if (ticking) return;
    ticking = (async () => {
      try {
        const queued = await enqueueDueSyncs(pool, queue);
        if (queued > 0) logger.info({ queued }, 'scheduler queued due sync cycles');
      } catch (error) {
        logger.error({ err: error }, 'scheduler tick failed');
      } finally {
        ticking = null;
      }
    })();
  });
  return {
    stop: async () => {
      await task.stop();
      await ticking;
      await pool.end();
    },
  };
}

/** A periodic job whose work claims its share in the database, so every scheduling process may run it. */
export type ClaimedTick = {
  /** node-cron expression (with seconds). */
  expression: string;
  /** Does what is due; answers counts by name, logged as `done` when one is not zero. */
  work: () => Promise<Record<string, number>>;
  done: string;
  failed: string;
};

/**
 * The claimed ticks (rescoring, reconciliation), each on its node-cron schedule on every process
 * that schedules; a tick never overlaps itself, and its claims in the database share the work
 * across processes (each due contact rescored, each connection reconciled, once per period).
 */
export function startClaimedTicks(logger: Logger, ticks: ClaimedTick[]): { stop: () => Promise<void> } {
  const running = new Map<ClaimedTick, Promise<void>>();
  const tasks = ticks.map((tick) =>
    cron.schedule(tick.expression, () => {
      if (running.has(tick)) return;
      const run = tick
        .work()
        .then((counts) => {
          if (Object.values(counts).some((count) => count > 0)) logger.info(counts, tick.done);
        })
        .catch((error: unknown) => logger.error({ err: error }, tick.failed))
        .finally(() => running.delete(tick));
      running.set(tick, run);
    }),
  );
  return {
    stop: async () => {
      for (const task of tasks) await task.stop();
      await Promise.all(running.values());
    },
  };
}
