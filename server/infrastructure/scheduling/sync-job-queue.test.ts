import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { waitFor } from '../../test-support/worker-process.ts';
import { createLogger } from '../logger.ts';
import { SyncJobQueue, type SyncJob } from './sync-job-queue.ts';

let database: TestDatabase;
let queue: SyncJobQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = await SyncJobQueue.start(database.url, createLogger({ level: 'silent' }));
}, 60_000);

afterAll(async () => {
  await queue?.stop();
  await database?.destroy();
});

describe('the sync job queue', () => {
  it('runs a first import or a "sync now", then fresh background cycles, then backlog follow-ups', async () => {
    const followUps: SyncJob[] = [
      { connectionId: randomUUID(), trigger: 'webhook', followUp: true },
      { connectionId: randomUUID(), trigger: 'webhook', followUp: true },
    ];
    const background: SyncJob[] = [
      { connectionId: randomUUID(), trigger: 'webhook' },
      { connectionId: randomUUID(), trigger: 'schedule', scheduledFor: new Date().toISOString() },
      { connectionId: randomUUID(), trigger: 'webhook' },
    ];
    // A "sync now" for a connection whose backlog follow-up still waits is not swallowed by it.
    followUps.push({ connectionId: randomUUID(), trigger: 'webhook', followUp: true });
    const waitedFor: SyncJob[] = [
      { connectionId: randomUUID(), trigger: 'initial' },
      { connectionId: randomUUID(), trigger: 'manual' },
      { connectionId: followUps.at(-1)!.connectionId, trigger: 'manual' },
    ];
    for (const job of [...followUps, ...background, ...waitedFor])
      expect(await queue.enqueue(job)).toBe(true);

    const ran: string[] = [];
    await queue.work(
      async (job) => {
        ran.push(job.connectionId);
        return 'done';
      },
      { concurrency: 1 },
    );
    await waitFor(async () => ran.length === 9, 30_000, 'every job to run');
    expect(ran.slice(0, 3).sort()).toEqual(waitedFor.map((job) => job.connectionId).sort());
    expect(ran.slice(3, 6)).toEqual(background.map((job) => job.connectionId));
    expect(ran.slice(6)).toEqual(followUps.map((job) => job.connectionId));
  });
});
