import { randomUUID } from 'node:crypto';
import { signedDispatch } from '../toolkit/standard-webhook-delivery.ts';
import { newMessageId, newWebhookSecret } from '../toolkit/standard-webhooks.ts';
import { SubscriptionRegistry } from '../toolkit/subscription-registry.ts';
import type { StreetWebhookEvent } from './street-constants.ts';
import { streetTime, type JsonObject } from './street-person.model.ts';

/** A webhook subscription created through `POST /webhooks`. Its secret is shown once, at creation. */
export interface WebhookSubscription {
  id: string;
  url: string;
  events: StreetWebhookEvent[];
  description: string;
  enabled: boolean;
  /** `whsec_` + base64 of 24 random bytes, as Standard Webhooks libraries expect. */
  secret: string;
  tokenId: string;
  created: number;
  modified: number;
}

/** The Standard Webhooks payload envelope: `{type, timestamp, data}`. */
export function webhookBody(type: StreetWebhookEvent, eventTime: number, data: JsonObject): string {
  return JSON.stringify({ type, timestamp: streetTime(eventTime), data });
}

/**
 * Subscriptions and fan-out. Each event goes to every enabled subscription that lists it, as its
 * own message (own `webhook-id`, kept across retries), signed with that subscription's secret,
 * through the shared background dispatcher.
 */
export class StreetWebhooks extends SubscriptionRegistry<WebhookSubscription> {
  create(
    tokenId: string,
    input: Pick<WebhookSubscription, 'url' | 'events' | 'description' | 'enabled'>,
  ): WebhookSubscription {
    const now = this.now();
    return this.add({
      id: randomUUID(),
      ...input,
      events: [...input.events],
      secret: newWebhookSecret(),
      tokenId,
      created: now,
      modified: now,
    });
  }

  /** True when an enabled subscription listens to any of these events. */
  hasSubscribers(...events: StreetWebhookEvent[]): boolean {
    return this.any(
      (subscription) => subscription.enabled && events.some((event) => subscription.events.includes(event)),
    );
  }

  /** Queues one message per listening subscription. */
  emit(type: StreetWebhookEvent, eventTime: number, data: JsonObject): void {
    const body = webhookBody(type, eventTime, data);
    this.fanOut(
      (candidate) => candidate.enabled && candidate.events.includes(type),
      ({ url, secret, id }) => {
        const messageId = newMessageId();
        return signedDispatch({
          url,
          secret,
          messageId,
          body,
          labels: { messageId, type, subscriptionId: id },
        });
      },
    );
  }

  /** The webhook resource; the secret only in the answer to its creation. */
  render(
    subscription: WebhookSubscription,
    base: string,
    options: { withSecret?: boolean } = {},
  ): JsonObject {
    return {
      type: 'webhook',
      id: subscription.id,
      attributes: {
        url: subscription.url,
        events: [...subscription.events],
        description: subscription.description,
        enabled: subscription.enabled,
        ...(options.withSecret ? { secret: subscription.secret } : {}),
        created_at: streetTime(subscription.created),
        updated_at: streetTime(subscription.modified),
      },
      links: { self: `${base}/webhooks/${subscription.id}` },
    };
  }
}
