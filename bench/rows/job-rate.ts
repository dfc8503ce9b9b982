import { PgBoss } from 'pg-boss';
import { createBenchDatabase } from '../bench-database.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';

const JOBS = 5_000;
const BATCH = 50;
const SENDERS = 8;

/**
 * The job queue's own rates on this machine, for docs/scaling.md: 10,000 agencies × 3 CRMs at a
 * 5-minute cadence is 100 cycles/s, each a job sent, fetched and completed. Jobs sent one at a
 * time (8 senders at once, as many processes would) against inserted in batches of 50; fetched
 * and completed one at a time against 50 at a time.
 */
export async function jobRateRow(context: BenchContext): Promise<BenchRowResult[]> {
  const jobs = context.quick ? 1_000 : JOBS;
  const database = await createBenchDatabase(context.adminUrl, 'jobs');
  const boss = new PgBoss({
    connectionString: database.url,
    schema: 'pgboss',
    max: SENDERS + 2,
    schedule: false,
    supervise: false,
  });
  boss.on('error', () => {});
  try {
    await boss.start();
    await boss.createQueue('single', { policy: 'standard' });
    await boss.createQueue('batched', { policy: 'standard' });
    const payload = (index: number) => ({
      connectionId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      trigger: 'schedule',
    });

    context.log(`job rate: sending ${fmt(jobs)} jobs one at a time…`);
    let next = 0;
    const sendStarted = performance.now();
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < jobs) await boss.send('single', payload(next++));
      }),
    );
    const sendSingleMs = performance.now() - sendStarted;

    const insertStarted = performance.now();
    for (let from = 0; from < jobs; from += BATCH) {
      await boss.insert(
        'batched',
        Array.from({ length: Math.min(BATCH, jobs - from) }, (_, index) => ({
          data: payload(from + index),
        })),
      );
    }
    const insertBatchedMs = performance.now() - insertStarted;

    const drain = async (queue: string, batchSize: number) => {
      const started = performance.now();
      let done = 0;
      while (done < jobs) {
        const fetched = await boss.fetch(queue, { batchSize });
        if (fetched.length === 0) break;
        await boss.complete(
          queue,
          fetched.map((job) => job.id),
        );
        done += fetched.length;
      }
      if (done !== jobs) throw new Error(`${queue}: drained ${done} of ${jobs} jobs`);
      return performance.now() - started;
    };
    context.log('job rate: fetching and completing…');
    const drainSingleMs = await drain('single', 1);
    const drainBatchedMs = await drain('batched', BATCH);

    const rate = (ms: number) => jobs / (ms / 1000);
    const results: BenchRowResult[] = [
      {
        row: 'Job queue: send',
        measured: `${fmt(rate(insertBatchedMs))} jobs/s inserted ${BATCH} at a time`,
        baseline: `${fmt(rate(sendSingleMs))} jobs/s sent one at a time (${SENDERS} senders)`,
        ratio: sendSingleMs / insertBatchedMs,
        ratioLabel: `${fmt(sendSingleMs / insertBatchedMs, 1)}× faster batched`,
        target: 'reported (docs/scaling.md)',
        met: null,
        notes: `${fmt(jobs)} jobs on this machine's PostgreSQL; the scheduler's tick sends one job per due connection`,
        details: {
          jobs,
          sendSingleMs: Math.round(sendSingleMs),
          insertBatchedMs: Math.round(insertBatchedMs),
        },
      },
      {
        row: 'Job queue: fetch and complete',
        measured: `${fmt(rate(drainBatchedMs))} jobs/s, ${BATCH} a fetch`,
        baseline: `${fmt(rate(drainSingleMs))} jobs/s, one a fetch`,
        ratio: drainSingleMs / drainBatchedMs,
        ratioLabel: `${fmt(drainSingleMs / drainBatchedMs, 1)}× faster batched`,
        target: 'reported (docs/scaling.md)',
        met: null,
        notes:
          'one consumer; the workers fetch one job per cycle (batchSize 1), a cycle being seconds of work',
        details: { drainSingleMs: Math.round(drainSingleMs), drainBatchedMs: Math.round(drainBatchedMs) },
      },
    ];
    return results;
  } finally {
    await boss.stop({ graceful: false }).catch(() => {});
    await database.drop();
  }
}
