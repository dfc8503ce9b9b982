import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { unixSeconds } from '../toolkit/standard-webhook-delivery.ts';
import { SubscriptionRegistry } from '../toolkit/subscription-registry.ts';
import {
  AGENTOS_WEBHOOK_HEADERS,
  type AgentosContactType,
  type AgentosWebhookEvent,
} from './agentos-constants.ts';
import { agentosOid, agentosTime, type JsonObject } from './agentos-contact.model.ts';

/** A webhook subscription, created through the API by one key of one agency. */
export interface WebhookSubscription {
  seq: number;
  /** The subscription's OID. */
  id: string;
  shortName: string;
  url: string;
  events: AgentosWebhookEvent[];
  /** HMAC key; returned once, when the subscription is created. */
  secret: string;
  created: number;
}

/** One contact change to announce. `contact` null: the record is gone or no longer shared. */
export interface ContactNotification {
  event: AgentosWebhookEvent;
  type: AgentosContactType;
  oid: string;
  contact: JsonObject | null;
}

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signAgentosWebhook(secret: string, unixSeconds: number, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest('hex')}`;
}

/** The body of one delivery (one notification to one subscription). */
export function webhookBody(options: {
  deliveryId: string;
  eventId: string;
  occurredAt: number;
  shortName: string;
  notification: ContactNotification;
}): string {
  const { notification } = options;
  return JSON.stringify({
    DeliveryID: options.deliveryId,
    EventID: options.eventId,
    Event: notification.event,
    OccurredAt: agentosTime(options.occurredAt),
    ShortName: options.shortName,
    ContactType: notification.type,
    OID: notification.oid,
    // One string naming the record across the five lists (OIDs alone do not say which list).
    Subject: `${notification.type}:${notification.oid}`,
    Contact: notification.contact,
  });
}

/** Headers of one delivery attempt, signed at `unixSeconds`. */
export function webhookHeaders(options: {
  secret: string;
  body: string;
  event: string;
  deliveryId: string;
  unixSeconds: number;
}): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'agentOS-Webhooks/1.0 (simulator)',
    [AGENTOS_WEBHOOK_HEADERS.event]: options.event,
    [AGENTOS_WEBHOOK_HEADERS.delivery]: options.deliveryId,
    [AGENTOS_WEBHOOK_HEADERS.timestamp]: String(options.unixSeconds),
    [AGENTOS_WEBHOOK_HEADERS.signature]: signAgentosWebhook(
      options.secret,
      options.unixSeconds,
      options.body,
    ),
  };
}

/**
 * Subscriptions and delivery. Every notification goes to every matching subscription of the
 * agency with its own DeliveryID (notifications of one change share an EventID), signed with the
 * subscription's secret, through the shared background dispatcher.
 */
export class AgentosWebhooks extends SubscriptionRegistry<WebhookSubscription> {
  protected override readonly owner = 'shortName';
  #nextSeq = 1;

  create(
    shortName: string,
    seed: number,
    input: { url: string; events: AgentosWebhookEvent[] },
  ): WebhookSubscription {
    const seq = this.#nextSeq++;
    return this.add({
      seq,
      id: agentosOid(seed, 'webhook', seq),
      shortName,
      url: input.url,
      events: [...new Set(input.events)],
      secret: `aosws_${randomBytes(24).toString('base64url')}`,
      created: this.now(),
    });
  }

  /** OIDs are read in any case. */
  protected override idOf(oid: string): string {
    return oid.trim().toUpperCase();
  }

  /** Whether the subscription is the agency's and listens to the event. */
  #listens(shortName: string, event: AgentosWebhookEvent) {
    return (subscription: WebhookSubscription) =>
      subscription.shortName === shortName && subscription.events.includes(event);
  }

  hasSubscribers(shortName: string, event: AgentosWebhookEvent): boolean {
    return this.any(this.#listens(shortName, event));
  }

  /**
   * Queues one change's notification to every subscription listening for it, each delivery with
   * its own DeliveryID and the change's EventID; returns how many were queued.
   */
  emit(shortName: string, occurredAt: number, notification: ContactNotification): number {
    const eventId = randomUUID();
    return this.fanOut(this.#listens(shortName, notification.event), (subscription) => {
      const deliveryId = randomUUID();
      const body = webhookBody({ deliveryId, eventId, occurredAt, shortName, notification });
      return {
        url: subscription.url,
        body,
        // Signed per attempt with the wall clock: receivers compare it with their own.
        headers: () =>
          webhookHeaders({
            secret: subscription.secret,
            body,
            event: notification.event,
            deliveryId,
            unixSeconds: unixSeconds(),
          }),
        labels: {
          deliveryId,
          eventId,
          event: notification.event,
          contactType: notification.type,
          oid: notification.oid,
          subscription: subscription.id,
        },
      };
    });
  }

  /** The subscription as the API shows it; the secret only when just created. */
  render(subscription: WebhookSubscription, withSecret = false): JsonObject {
    return {
      OID: subscription.id,
      Url: subscription.url,
      Events: [...subscription.events],
      ...(withSecret ? { Secret: subscription.secret } : {}),
      CreatedDate: agentosTime(subscription.created),
    };
  }

  override reset(): void {
    super.reset();
    this.#nextSeq = 1;
  }
}
