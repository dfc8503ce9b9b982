import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RequestPacer } from '../../adapters/adapter-kit/request-pacer.ts';
import { PropsyncError } from '../../core/errors.ts';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { createOrm, type Orm } from './orm.ts';
import { PostgresRateBudget } from './rate-budget-store.ts';

// Real processes on a busy 2-core machine: room to start them (the pacing itself takes seconds).
vi.setConfig({ testTimeout: 120_000 });

const database = useTestDatabase();
const extraOrms: Orm[] = [];
afterAll(async () => {
  await Promise.all(extraOrms.map((orm) => orm.close(true)));
});

type Span = { start: number; finish: number };

/** A second process's view of the database: its own pool, nothing shared but PostgreSQL. */
async function anotherPool(): Promise<Orm> {
  const orm = await createOrm(database().url, { poolSize: 2 });
  extraOrms.push(orm);
  return orm;
}

function startProcess(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = fork(path.resolve(import.meta.dirname, '../../test-support/rate-budget-child.ts'), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`budget process exited (${code}) before it was ready`)));
  });
  return { child, ready };
}

/**
 * The most requests that met one window of `windowMs` anywhere, wherever in its span the CRM
 * stamped each: a window starting at some request's finish is where the most can meet.
 */
function mostInAnyWindow(spans: Span[], windowMs: number): number {
  return Math.max(
    ...spans.map(
      (opening) =>
        spans.filter((span) => span.start < opening.finish + windowMs && span.finish >= opening.finish)
          .length,
    ),
  );
}

function mostAtOnce(spans: Span[]): number {
  return Math.max(
    ...spans.map(
      (span) => spans.filter((other) => other.start <= span.start && other.finish > span.start).length,
    ),
  );
}

describe('the rate budget shared through PostgreSQL', () => {
  it('keeps four processes calling one CRM customer inside its window and its cap in flight together', async () => {
    const limits = { requests: 5, windowSeconds: 1, maxConcurrent: 2 };
    const processes = Array.from({ length: 4 }, () =>
      startProcess({
        DATABASE_URL: database().url,
        BUDGET_KEY: 'reapit:customer:SHARED',
        BUDGET_LIMITS: JSON.stringify(limits),
        REQUESTS: '5',
      }),
    );
    await Promise.all(processes.map(({ ready }) => ready));
    const reports = processes.map(
      ({ child }) =>
        new Promise<Span[]>((resolve) =>
          child.once('message', (message: { spans: Span[] }) => resolve(message.spans)),
        ),
    );
    for (const { child } of processes) child.send('go');
    const spans = (await Promise.all(reports)).flat();

    expect(spans).toHaveLength(20);
    expect(mostInAnyWindow(spans, 1_000)).toBeLessThanOrEqual(5);
    expect(mostAtOnce(spans)).toBeLessThanOrEqual(2);
    // Paced, not serialised: 20 requests at 5 a second take three windows and a bit, not much more.
    const spanMs =
      Math.max(...spans.map((span) => span.finish)) - Math.min(...spans.map((span) => span.start));
    expect(spanMs).toBeGreaterThan(3_000);
    expect(spanMs).toBeLessThan(8_000);
  });

  it('refuses requests once the daily limit is used up, with a transient error, until the UTC day ends', async () => {
    const budget = new PostgresRateBudget(database().orm.em);
    const elsewhere = new PostgresRateBudget((await anotherPool()).em);
    const limits = { requests: 100, windowSeconds: 1, perDay: 3 };
    const pacer = new RequestPacer(limits, { budget, key: 'reapit:customer:DAILY', providerName: 'Reapit' });
    const otherProcess = new RequestPacer(limits, { budget: elsewhere, key: 'reapit:customer:DAILY' });
    await pacer.run(async () => 'sent');
    await otherProcess.run(async () => 'sent');
    await pacer.run(async () => 'sent');

    const refused = await otherProcess.run(async () => 'sent').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PropsyncError);
    expect(refused).toMatchObject({ code: 'ADAPTER.DAILY_LIMIT_REACHED', transient: true });
    expect((refused as PropsyncError).retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as PropsyncError).retryAfterSeconds).toBeLessThanOrEqual(86_400);
    expect(await budget.requestsToday(['reapit:customer:DAILY', 'reapit:customer:NONE'])).toEqual(
      new Map([['reapit:customer:DAILY', 3]]),
    );

    // A new UTC day starts the count again.
    await database()
      .orm.em.fork()
      .execute(
        `update rate_budgets set usage_day = usage_day - 1 where budget_key = 'reapit:customer:DAILY'`,
      );
    await expect(pacer.run(async () => 'sent')).resolves.toBe('sent');
    expect(await budget.requestsToday(['reapit:customer:DAILY'])).toEqual(
      new Map([['reapit:customer:DAILY', 1]]),
    );
  });

  it('holds every process back for a Retry-After one of them received', async () => {
    const limits = { requests: 100, windowSeconds: 1 };
    const refusedOne = new RequestPacer(limits, {
      budget: new PostgresRateBudget(database().orm.em),
      key: 'alto:connection:held',
    });
    const otherProcess = new RequestPacer(limits, {
      budget: new PostgresRateBudget((await anotherPool()).em),
      key: 'alto:connection:held',
    });
    const unrelated = new RequestPacer(limits, {
      budget: new PostgresRateBudget((await anotherPool()).em),
      key: 'alto:connection:other',
    });
    await refusedOne.holdFor(1_500);
    const asked = performance.now();
    const waited = otherProcess.run(async () => performance.now() - asked);
    const unrelatedWaited = await unrelated.run(async () => performance.now() - asked);
    expect(unrelatedWaited).toBeLessThan(1_000);
    expect(await waited).toBeGreaterThanOrEqual(1_400);
  });

  it('keeps writes to their own budget (Street) and stops counting a slot its dead process left in flight', async () => {
    const budget = new PostgresRateBudget(database().orm.em);
    const limits = { requests: 10, windowMs: 60_000, writeRequests: 2, maxConcurrent: 3 };
    const take = (write: boolean) => budget.tryAcquire({ key: 'street:connection:writes', write, limits });
    const firstWrite = await take(true);
    const secondWrite = await take(true);
    expect([firstWrite.granted, secondWrite.granted]).toEqual([true, true]);
    expect(await take(true)).toMatchObject({ granted: false, reason: 'window' });
    // Three in flight: the cap holds reads too, until one ends.
    expect(await take(false)).toMatchObject({ granted: true });
    expect(await take(false)).toMatchObject({ granted: false, reason: 'in_flight' });
    if (firstWrite.granted) await budget.release('street:connection:writes', firstWrite.slotId);
    expect(await take(false)).toMatchObject({ granted: true });

    // A process killed mid-request never releases its slot: after a minute it stops counting.
    await database()
      .orm.em.fork()
      .execute(
        `update rate_budget_slots set started_at = started_at - interval '61 seconds'
       where budget_key = 'street:connection:writes' and finished_at is null`,
      );
    const afterwards = await take(true);
    // The finished write is still in the window (one of two), the abandoned ones no longer count.
    expect(afterwards).toMatchObject({ granted: true });
    expect(await take(true)).toMatchObject({ granted: false, reason: 'window' });
  });

  it('stops counting, at once, the requests in flight of a process whose session is gone', async () => {
    // Each "process" is known by the backend of a session that lives as long as it does.
    const sessionOf = async () => {
      const client = new pg.Client({ connectionString: database().url });
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      return { client, pid: rows[0]!.pid };
    };
    const dying = await sessionOf();
    const living = await sessionOf();
    const limits = { requests: 100, windowMs: 1_000, maxConcurrent: 1 };
    const key = 'reapit:customer:KILLED';
    const doomed = new PostgresRateBudget((await anotherPool()).em, { ownerPid: async () => dying.pid });
    const survivor = new PostgresRateBudget(database().orm.em, { ownerPid: async () => living.pid });
    try {
      expect(await doomed.tryAcquire({ key, write: false, limits })).toMatchObject({ granted: true });
      expect(await survivor.tryAcquire({ key, write: false, limits })).toMatchObject({
        granted: false,
        reason: 'in_flight',
      });

      // SIGKILL mid-request: the slot is never released, but the process's session ends with it.
      await dying.client.end();
      for (;;) {
        const { rows } = await living.client.query('select 1 from pg_stat_activity where pid = $1', [
          dying.pid,
        ]);
        if (rows.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await survivor.tryAcquire({ key, write: false, limits })).toMatchObject({ granted: true });
    } finally {
      await living.client.end();
    }
  });
});
