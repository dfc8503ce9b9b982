import { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { SyncRunTrigger } from '../../core/ports/sync-store.ts';

export const SYNC_QUEUE = 'sync-connection';
/** Accepted webhook deliveries waiting to be applied, one job per connection with work pending. */
export const WEBHOOK_QUEUE = 'webhook-connection';

export type SyncJob = {
  connectionId: string;
  trigger: SyncRunTrigger;
  scheduledFor?: string;
  /** Queued by a cycle that ran out of push time: it drains a backlog, so fresh work goes first. */
  followUp?: boolean;
};

/** What a job handler reports back; `busy` asks for a retry a little later. */
export type SyncJobOutcome = 'done' | 'busy';

/** A pg client (or anything with the same `query`) whose transaction a job should join. */
export type JobTransaction = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

class ConnectionBusy extends Error {
  constructor(connectionId: string) {
    super(`connection ${connectionId} is syncing in another cycle; the scheduled cycle will retry`);
  }
}

/**
 * Sync work through pg-boss on the same PostgreSQL, so any number of server and worker processes
 * share one queue. Jobs carry a singleton key: at most one queued "sync now" per connection, and
 * one job per scheduled slot. That a connection never runs twice at once is enforced where the
 * cycle starts (a PostgreSQL advisory lock that dies with its process), because a killed worker's
 * pg-boss job would otherwise block the connection until pg-boss noticed.
 */
export class SyncJobQueue {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #webhookWorkers: string[] = [];

  private constructor(boss: PgBoss, logger: Logger) {
    this.#boss = boss;
    this.#logger = logger;
  }

  static async start(
    databaseUrl: string,
    logger: Logger,
    options: { supervise?: boolean } = {},
  ): Promise<SyncJobQueue> {
    const boss = new PgBoss({
      connectionString: databaseUrl,
      schema: 'pgboss',
      max: 4,
      application_name: 'propsync-jobs',
      supervise: options.supervise ?? true,
      schedule: false,
    });
    boss.on('error', (error: unknown) => logger.error({ err: error }, 'job queue error'));
    await boss.start();
    const queue = {
      policy: 'short',
      notify: true,
      // Cycles record their own failures and resume next time; pg-boss retries only "busy".
      retryLimit: 120,
      retryDelay: 5,
      retryBackoff: false,
      expireInSeconds: 4 * 60 * 60,
      heartbeatSeconds: 30,
    } as const;
    const webhookQueue = {
      policy: 'short',
      notify: true,
      retryLimit: 20,
      retryDelay: 2,
      retryBackoff: true,
      retryDelayMax: 300,
      expireInSeconds: 15 * 60,
    } as const;
    for (const [name, options] of [
      [SYNC_QUEUE, queue],
      [WEBHOOK_QUEUE, webhookQueue],
    ] as const) {
      if (await boss.getQueue(name)) continue;
      await boss.createQueue(name, options).catch((error: unknown) => {
        if (!String(error).includes('already exists')) throw error;
      });
    }
    return new SyncJobQueue(boss, logger);
  }

  /**
   * Queues one cycle; returns false when an identical request is already waiting (a second "sync
   * now", or a scheduled slot queued twice). Pass `transaction` to queue atomically with other writes.
   */
  async enqueue(job: SyncJob, transaction?: JobTransaction): Promise<boolean> {
    // A follow-up waits behind fresh work under a key of its own: sharing the connection's key
    // would swallow a later "sync now" into the waiting follow-up, at its low priority.
    const singletonKey = job.scheduledFor
      ? `${job.connectionId}@${job.scheduledFor}`
      : job.followUp
        ? `${job.connectionId}#follow-up`
        : job.connectionId;
    const id = await this.#boss.send(SYNC_QUEUE, job, {
      singletonKey,
      priority: priorityOf(job),
      ...(transaction
        ? { db: { executeSql: (text: string, values?: unknown[]) => transaction.query(text, values) } }
        : {}),
    });
    this.#logger.debug({ ...job, queued: id !== null }, 'sync job requested');
    return id !== null;
  }

  /** Runs queued cycles in this process, `concurrency` connections at a time. */
  async work(
    handle: (job: SyncJob) => Promise<SyncJobOutcome>,
    options: { concurrency: number },
  ): Promise<void> {
    await this.#boss.work<SyncJob>(
      SYNC_QUEUE,
      {
        batchSize: 1,
        localConcurrency: options.concurrency,
        pollingIntervalSeconds: 2,
        notifyPollingIntervalSeconds: 10,
      },
      async ([job]) => {
        if (!job) return;
        const outcome = await handle(job.data);
        // Throwing hands the job back to pg-boss, which retries it after `retryDelay`.
        if (outcome === 'busy') throw new ConnectionBusy(job.data.connectionId);
      },
    );
  }

  /** Asks for the connection's pending deliveries to be applied (one queued job per connection at most). */
  async enqueueWebhookWork(connectionId: string): Promise<void> {
    const id = await this.#boss.send(WEBHOOK_QUEUE, { connectionId }, { singletonKey: connectionId });
    // A worker in this process (the usual all-in-one server) is woken at once rather than at its next poll.
    if (id !== null) for (const workerId of this.#webhookWorkers) this.#boss.notifyWorker(workerId);
  }

  /** Applies accepted deliveries in this process; a thrown error makes pg-boss retry with backoff. */
  async workWebhooks(
    handle: (connectionId: string) => Promise<void>,
    options: { concurrency: number },
  ): Promise<void> {
    const workerId = await this.#boss.work<{ connectionId: string }>(
      WEBHOOK_QUEUE,
      {
        batchSize: 1,
        localConcurrency: options.concurrency,
        // Deliveries should land within a second even where NOTIFY cannot reach this process.
        pollingIntervalSeconds: 0.5,
        notifyPollingIntervalSeconds: 5,
      },
      async ([job]) => {
        if (job) await handle(job.data.connectionId);
      },
    );
    this.#webhookWorkers.push(workerId);
  }

  /** Jobs waiting or running: the queue-depth metric, and how tests wait for quiet. */
  async depth(): Promise<{ queued: number; active: number }> {
    const queue = await this.#boss.getQueue(SYNC_QUEUE);
    return { queued: queue?.queuedCount ?? 0, active: queue?.activeCount ?? 0 };
  }

  /** Resolves once no job is queued or running in any process. */
  async whenIdle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.#boss
        .getDb()
        .executeSql(
          `select count(*)::int as count from pgboss.job where name = any($1::text[]) and state in ('created', 'retry', 'active')`,
          [[SYNC_QUEUE, WEBHOOK_QUEUE]],
        );
      if ((rows[0] as { count: number } | undefined)?.count === 0) return;
      if (Date.now() > deadline) throw new Error(`sync jobs still queued or running after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: true, timeout: 10_000 });
  }
}

/**
 * What someone waits for on screen (a new connection's first import, "sync now") goes before
 * background work queued earlier (scheduled slots, webhooks, a host's change to push), and that
 * goes before the follow-ups draining an earlier backlog, so one agency's backlog of write-backs
 * never holds up another's fresh change.
 */
function priorityOf(job: SyncJob): number {
  if (job.trigger === 'initial' || job.trigger === 'manual') return 1;
  return job.followUp ? -1 : 0;
}
