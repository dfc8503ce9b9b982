import { randomUUID } from 'node:crypto';
import { newMessageId, newWebhookSecret } from '../toolkit/standard-webhooks.ts';
import { defined } from '../toolkit/define-simulator.ts';
import { signedDispatch } from '../toolkit/standard-webhook-delivery.ts';
import { SubscriptionRegistry } from '../toolkit/subscription-registry.ts';
import type { LoopWebhookEvent } from './loop-constants.ts';
import { loopTime, type JsonObject } from './loop-contact.model.ts';

/** A webhook subscription. Belongs to the team whose key created it. */
export interface WebhookSubscription {
  id: string;
  teamId: string;
  url: string;
  events: LoopWebhookEvent[];
  description: string;
  active: boolean;
  /** `whsec_<base64>`: shown once, when the subscription is created. */
  secret: string;
  created: number;
  updated: number;
}

export interface SubscriptionInput {
  url: string;
  events: LoopWebhookEvent[];
  description: string;
}

/** Signs one attempt (the adapter tests sign their own deliveries with it). */
export { signStandardWebhook as signWebhook } from '../toolkit/standard-webhooks.ts';

/** What Loop's deliveries add to the signed headers. */
export const USER_AGENT = { 'user-agent': 'Loop-Webhooks/1.0 (simulator)' };

/** The Standard Webhooks payload: `{type, timestamp, data}`, plus `changedFields` on updates. */
export function webhookBody(
  type: LoopWebhookEvent,
  occurredAt: number,
  data: JsonObject,
  changedFields?: string[],
): string {
  return JSON.stringify({
    type,
    timestamp: loopTime(occurredAt),
    data,
    ...(changedFields === undefined ? {} : { changedFields }),
  });
}

/**
 * Webhook subscriptions and event fan-out: one message id per event, sent to every active
 * subscription of the team that listens for its type, each signed with its own secret, through
 * the shared background dispatcher.
 */
export class LoopWebhooks extends SubscriptionRegistry<WebhookSubscription> {
  protected override readonly owner = 'teamId';

  create(teamId: string, input: SubscriptionInput): WebhookSubscription {
    const now = this.now();
    return this.add({
      id: randomUUID(),
      teamId,
      ...input,
      events: [...input.events],
      active: true,
      secret: newWebhookSecret(),
      created: now,
      updated: now,
    });
  }

  /** Ids are case-insensitive GUIDs. */
  protected override idOf(id: string): string {
    return id.toLowerCase();
  }

  /** Moves `updated` too; the events list is copied, not shared with the request. */
  update(
    teamId: string,
    id: string,
    changes: Partial<SubscriptionInput & { active: boolean }>,
  ): WebhookSubscription | undefined {
    const subscription = this.find(teamId, id);
    if (subscription === undefined) return undefined;
    Object.assign(subscription, defined(changes), { updated: this.now() });
    if (changes.events !== undefined) subscription.events = [...changes.events];
    return subscription;
  }

  /** Whether the subscription is the team's, active, and listens for the event type. */
  #listens(teamId: string, type: LoopWebhookEvent) {
    return (subscription: WebhookSubscription) =>
      subscription.teamId === teamId && subscription.active && subscription.events.includes(type);
  }

  hasSubscribers(teamId: string, type: LoopWebhookEvent): boolean {
    return this.any(this.#listens(teamId, type));
  }

  /** Queues one event for every listening subscription; returns how many deliveries were queued. */
  emit(
    teamId: string,
    type: LoopWebhookEvent,
    occurredAt: number,
    data: JsonObject,
    changedFields?: string[],
  ): number {
    const messageId = newMessageId();
    const body = webhookBody(type, occurredAt, data, changedFields);
    return this.fanOut(this.#listens(teamId, type), ({ url, secret, id }) => {
      const labels = { messageId, type, subscriptionId: id, teamId };
      return signedDispatch({ url, secret, messageId, body, labels, headers: USER_AGENT });
    });
  }

  /** The subscription as the API shows it; the secret only when just created. */
  render(subscription: WebhookSubscription, options: { withSecret?: boolean } = {}): JsonObject {
    return {
      id: subscription.id,
      url: subscription.url,
      events: [...subscription.events],
      description: subscription.description,
      active: subscription.active,
      createdAt: loopTime(subscription.created),
      updatedAt: loopTime(subscription.updated),
      ...(options.withSecret ? { secret: subscription.secret } : {}),
    };
  }
}
