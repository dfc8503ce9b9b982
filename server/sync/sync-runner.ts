import type { Logger } from '../logger.ts';
import type { SyncRunTrigger } from '../ports/sync-store.ts';
import type { SyncCycleResult } from './sync-cycle.ts';

/**
 * Runs sync cycles in this process, at most one per connection, coalescing requests that arrive
 * while a cycle is running into one follow-up cycle. Failures are recorded by the cycle itself.
 */
export class InProcessSyncRunner {
  readonly #runCycle: (connectionId: string, trigger: SyncRunTrigger) => Promise<SyncCycleResult>;
  readonly #logger: Logger;
  readonly #running = new Map<string, Promise<void>>();
  readonly #followUp = new Map<string, SyncRunTrigger>();

  constructor(runCycle: (connectionId: string, trigger: SyncRunTrigger) => Promise<SyncCycleResult>, logger: Logger) {
    this.#runCycle = runCycle;
    this.#logger = logger;
  }

  enqueue(connectionId: string, trigger: SyncRunTrigger): void {
    if (this.#running.has(connectionId)) {
      this.#followUp.set(connectionId, trigger);
      return;
    }
    const work = this.#runCycle(connectionId, trigger)
      .then(() => undefined)
      .catch((error: unknown) => this.#logger.error({ err: error, connectionId }, 'sync cycle could not run'))
      .finally(() => {
        this.#running.delete(connectionId);
        const next = this.#followUp.get(connectionId);
        if (next) {
          this.#followUp.delete(connectionId);
          this.enqueue(connectionId, next);
        }
      });
    this.#running.set(connectionId, work);
  }

  /** Resolves once no cycle is running or queued (tests, graceful shutdown). */
  async whenIdle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }
}
