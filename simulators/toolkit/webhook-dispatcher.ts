import { randomUUID } from 'node:crypto';
import { SeededRandom } from './seeded-random.ts';

/** One notification to deliver. The CRM simulator builds the body and signs it. */
export interface WebhookDispatchRequest {
  url: string;
  /** Raw JSON body, sent byte for byte (receivers verify signatures over it). */
  body: string;
  /** Headers for one attempt; called per attempt so a signature can carry a fresh timestamp. */
  headers: (attempt: number) => Record<string, string>;
  /** Labels copied into the delivery log: event id, topic, subscription… */
  labels?: Record<string, string>;
}

export type WebhookAttemptOutcome = 'delivered' | 'retry-scheduled' | 'failed';

/** One HTTP attempt at delivering a notification. */
export interface WebhookAttempt {
  deliveryId: string;
  /** 1 for the first try. */
  attempt: number;
  url: string;
  /** Receiver's status, or null on a network error or timeout. */
  status: number | null;
  error: string | null;
  outcome: WebhookAttemptOutcome;
  timestamp: string;
  /** True for the extra copy a duplicate-delivery fault sent. */
  duplicate: boolean;
  labels: Record<string, string>;
}

/** Delivery faults: at-least-once and unordered delivery, on demand. */
export interface WebhookDeliveryFaults {
  /** Share of notifications (0..1) delivered twice. */
  duplicateRate: number;
  /** Share of notifications (0..1) held back so later ones overtake them. */
  outOfOrderRate: number;
  /** How long a held-back notification waits. */
  outOfOrderDelayMs: number;
}

export interface WebhookDispatcherOptions {
  /** Wait before each retry; its length is the number of retries after the first attempt. */
  retryDelaysMs: readonly number[];
  /** Whether an attempt's result deserves a retry. Default: network errors, timeouts and 5xx. */
  shouldRetry?: (status: number | null) => boolean;
  /** The receiver must answer within this (default 10 s). */
  timeoutMs?: number;
  seed?: number;
  now?: () => number;
}

/** Deliveries in flight at once; the rest wait in the queue. */
const MAX_IN_FLIGHT = 16;

interface Job {
  id: string;
  request: WebhookDispatchRequest;
  attempt: number;
  duplicate: boolean;
}

const NO_DELIVERY_FAULTS: WebhookDeliveryFaults = {
  duplicateRate: 0,
  outOfOrderRate: 0,
  outOfOrderDelayMs: 50,
};

/**
 * Delivers webhook notifications in the background with retries, so a simulator's API answer is
 * never held up by a slow receiver. Tests await {@link WebhookDispatcher.idle}.
 */
export class WebhookDispatcher {
  readonly #options: Required<Omit<WebhookDispatcherOptions, 'seed'>>;
  readonly #seed: number;
  #random: SeededRandom;
  #faults: WebhookDeliveryFaults = { ...NO_DELIVERY_FAULTS };
  #queue: Job[] = [];
  #inFlight = 0;
  #pending = 0;
  #timers = new Set<NodeJS.Timeout>();
  #controllers = new Set<AbortController>();
  #idleWaiters: Array<() => void> = [];
  #attempts: WebhookAttempt[] = [];
  #generation = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.#seed = options.seed ?? 1;
    this.#random = new SeededRandom(this.#seed);
    this.#options = {
      retryDelaysMs: options.retryDelaysMs,
      shouldRetry: options.shouldRetry ?? ((status) => status === null || status >= 500),
      timeoutMs: options.timeoutMs ?? 10_000,
      now: options.now ?? Date.now,
    };
  }

  setFaults(faults: Partial<WebhookDeliveryFaults>): void {
    this.#faults = { ...this.#faults, ...faults };
  }

  /** Queues a notification; returns its delivery id. Never waits on the network. */
  enqueue(request: WebhookDispatchRequest): string {
    const id = randomUUID();
    const duplicateRoll = this.#random.next();
    const orderRoll = this.#random.next();
    const jobs: Job[] = [{ id, request, attempt: 1, duplicate: false }];
    if (duplicateRoll < this.#faults.duplicateRate) jobs.push({ id, request, attempt: 1, duplicate: true });
    for (const job of jobs) {
      this.#pending++;
      const held = !job.duplicate && orderRoll < this.#faults.outOfOrderRate;
      this.#schedule(() => this.#push(job), held ? this.#faults.outOfOrderDelayMs : 0);
    }
    return id;
  }

  /** Resolves once nothing is pending (retries included). */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  attempts(): WebhookAttempt[] {
    return [...this.#attempts];
  }

  /** Cancels queued work and retries, aborts in-flight attempts, and clears faults and the log. */
  reset(): void {
    this.#generation++;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const controller of this.#controllers) controller.abort();
    this.#controllers.clear();
    this.#queue = [];
    this.#inFlight = 0;
    this.#pending = 0;
    this.#attempts = [];
    this.#faults = { ...NO_DELIVERY_FAULTS };
    this.#random = new SeededRandom(this.#seed);
    this.#settleIdle();
  }

  #schedule(task: () => void, delayMs: number): void {
    const generation = this.#generation;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (generation === this.#generation) task();
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  #push(job: Job): void {
    this.#queue.push(job);
    this.#pump();
  }

  #pump(): void {
    while (this.#inFlight < MAX_IN_FLIGHT && this.#queue.length > 0) {
      const job = this.#queue.shift() as Job;
      this.#inFlight++;
      void this.#attempt(job, this.#generation);
    }
  }

  async #attempt(job: Job, generation: number): Promise<void> {
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.#options.timeoutMs);
    timeout.unref();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(job.request.url, {
        method: 'POST',
        headers: job.request.headers(job.attempt),
        body: job.request.body,
        signal: controller.signal,
        redirect: 'manual',
      });
      status = response.status;
      await response.body?.cancel().catch(() => {});
    } catch (caught) {
      error = controller.signal.aborted
        ? 'timeout'
        : caught instanceof Error
          ? caught.message
          : String(caught);
    } finally {
      clearTimeout(timeout);
      this.#controllers.delete(controller);
    }
    if (generation !== this.#generation) return;
    this.#inFlight--;

    const delivered = status !== null && status >= 200 && status < 300;
    const retryDelay = this.#options.retryDelaysMs[job.attempt - 1];
    const retry = !delivered && retryDelay !== undefined && this.#options.shouldRetry(status);
    this.#attempts.push({
      deliveryId: job.id,
      attempt: job.attempt,
      url: job.request.url,
      status,
      error,
      outcome: delivered ? 'delivered' : retry ? 'retry-scheduled' : 'failed',
      timestamp: new Date(this.#options.now()).toISOString(),
      duplicate: job.duplicate,
      labels: { ...job.request.labels },
    });
    if (retry) {
      this.#schedule(() => this.#push({ ...job, attempt: job.attempt + 1 }), retryDelay);
    } else {
      this.#pending--;
      this.#settleIdle();
    }
    this.#pump();
  }

  #settleIdle(): void {
    if (this.#pending > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
