import { randomBytes } from 'node:crypto';
import { signedDispatch } from '../toolkit/standard-webhook-delivery.ts';
import { newMessageId, newWebhookSecret } from '../toolkit/standard-webhooks.ts';

const USER_AGENT = { 'user-agent': 'Propsync-Open-CRM-Simulator/1.0' };
import {
  WebhookDispatcher,
  type WebhookAttempt,
  type WebhookDeliveryFaults,
} from '../toolkit/webhook-dispatcher.ts';
import { mixSeed } from '../toolkit/seeded-random.ts';
import type { CustomWebhookEvent } from './custom-constants.ts';
import { isoTime, type JsonObject } from './custom-contact.model.ts';

/** A webhook subscription; the secret never leaves the simulator after creation. */
export interface WebhookSubscriptionRecord {
  id: string;
  url: string;
  events: CustomWebhookEvent[];
  description: string | null;
  status: 'active' | 'disabled';
  created: number;
  secret: string;
}

/** The JSON body of every delivery: `{type, timestamp, data}` (Standard Webhooks' payload shape). */
export function eventBody(event: CustomWebhookEvent, occurredAt: number, data: JsonObject): string {
  return JSON.stringify({ type: event, timestamp: isoTime(occurredAt), data });
}

export interface CustomWebhooksOptions {
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  seed: number;
  now: () => number;
}

/**
 * Subscriptions and signed delivery. Each subscription has its own background dispatcher, so a
 * 410 can disable exactly that subscription and deleting one cancels only its pending work.
 */
export class CustomWebhooks {
  readonly #options: CustomWebhooksOptions;
  readonly #subscriptions = new Map<string, WebhookSubscriptionRecord>();
  readonly #dispatchers = new Map<string, WebhookDispatcher>();
  #faults: Partial<WebhookDeliveryFaults> = {};
  /** Attempts of deleted subscriptions, kept for the delivery log. */
  #pastAttempts: WebhookAttempt[] = [];

  constructor(options: CustomWebhooksOptions) {
    this.#options = options;
  }

  create(input: {
    url: string;
    events: CustomWebhookEvent[];
    description: string | null;
  }): WebhookSubscriptionRecord {
    const record: WebhookSubscriptionRecord = {
      id: `wh_${randomBytes(8).toString('hex')}`,
      url: input.url,
      events: [...new Set(input.events)],
      description: input.description,
      status: 'active',
      created: this.#options.now(),
      secret: newWebhookSecret(),
    };
    const dispatcher = new WebhookDispatcher({
      retryDelaysMs: this.#options.retryDelaysMs,
      // Any failure is retried except 410 Gone, which disables the subscription (Standard Webhooks).
      shouldRetry: (status) => {
        if (status === 410) {
          record.status = 'disabled';
          return false;
        }
        return true;
      },
      timeoutMs: this.#options.timeoutMs,
      seed: mixSeed(this.#options.seed, record.id),
      now: this.#options.now,
    });
    dispatcher.setFaults(this.#faults);
    this.#dispatchers.set(record.id, dispatcher);
    this.#subscriptions.set(record.id, record);
    return record;
  }

  list(): WebhookSubscriptionRecord[] {
    return [...this.#subscriptions.values()];
  }

  get(id: string): WebhookSubscriptionRecord | undefined {
    return this.#subscriptions.get(id);
  }

  /** Also cancels the subscription's pending work, keeping its attempts for the log. */
  delete(id: string): boolean {
    const dispatcher = this.#dispatchers.get(id);
    if (dispatcher !== undefined) {
      this.#pastAttempts.push(...dispatcher.attempts());
      dispatcher.reset();
      this.#dispatchers.delete(id);
    }
    return this.#subscriptions.delete(id);
  }

  /** The active subscriptions to the event. */
  #listening(event: CustomWebhookEvent): WebhookSubscriptionRecord[] {
    return this.list().filter((record) => record.status === 'active' && record.events.includes(event));
  }

  /** True when an active subscription listens to the event (so payloads are only built when needed). */
  hasSubscribers(event: CustomWebhookEvent): boolean {
    return this.#listening(event).length > 0;
  }

  /** Queues one message per listening subscription; returns how many were queued. */
  emit(event: CustomWebhookEvent, occurredAt: number, data: JsonObject): number {
    let queued = 0;
    const body = eventBody(event, occurredAt, data);
    for (const record of this.#listening(event)) {
      // One message id per subscription and message, kept on retries: receivers dedupe on it.
      const messageId = newMessageId();
      const labels = {
        messageId,
        event,
        subscriptionId: record.id,
        ...(typeof data.id === 'string' ? { objectId: data.id } : {}),
      };
      const { url, secret } = record;
      this.#dispatchers
        .get(record.id)
        ?.enqueue(signedDispatch({ url, secret, messageId, body, labels, headers: USER_AGENT }));
      queued++;
    }
    return queued;
  }

  render(record: WebhookSubscriptionRecord, withSecret = false): JsonObject {
    return {
      id: record.id,
      url: record.url,
      events: [...record.events],
      description: record.description,
      status: record.status,
      created_at: isoTime(record.created),
      ...(withSecret ? { secret: record.secret } : {}),
    };
  }

  setFaults(faults: Partial<WebhookDeliveryFaults>): void {
    this.#faults = { ...this.#faults, ...faults };
    for (const dispatcher of this.#dispatchers.values()) dispatcher.setFaults(faults);
  }

  attempts(): WebhookAttempt[] {
    return [
      ...this.#pastAttempts,
      ...[...this.#dispatchers.values()].flatMap((dispatcher) => dispatcher.attempts()),
    ].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  }

  async idle(): Promise<void> {
    await Promise.all([...this.#dispatchers.values()].map((dispatcher) => dispatcher.idle()));
  }

  /** Cancels pending work and forgets every subscription. */
  reset(): void {
    for (const dispatcher of this.#dispatchers.values()) dispatcher.reset();
    this.#dispatchers.clear();
    this.#subscriptions.clear();
    this.#faults = {};
    this.#pastAttempts = [];
  }
}
