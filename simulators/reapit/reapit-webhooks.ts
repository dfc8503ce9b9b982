import { randomUUID } from 'node:crypto';
import { unixSeconds } from '../toolkit/standard-webhook-delivery.ts';
import { SubscriptionRegistry } from '../toolkit/subscription-registry.ts';
import type { WebhookDispatcher } from '../toolkit/webhook-dispatcher.ts';
import type { ReapitAuth } from './reapit-auth.ts';
import { reapitTime, type JsonObject } from './reapit-contact.model.ts';

/** A webhook subscription (`/resthooks`). Belongs to the app and customer that created it. */
export interface ResthookRecord {
  id: string;
  created: number;
  modified: number;
  url: string;
  description: string;
  topicIds: string[];
  active: boolean;
  ignoreEtagOnlyChanges: boolean;
  customerId: string;
  clientId: string;
}

/** What a client sets on a subscription (`POST` and `PUT /resthooks`). */
export type ResthookInput = Pick<
  ResthookRecord,
  'url' | 'description' | 'topicIds' | 'active' | 'ignoreEtagOnlyChanges'
>;

/** One notification of an event; all notifications of one emit share an eventId. */
export interface ReapitNotification {
  topicId: string;
  entityId: string;
  new: JsonObject | null;
  old: JsonObject | null;
  diff: JsonObject | null;
  /** Only bookkeeping changed (modified, _eTag): subscriptions with ignoreEtagOnlyChanges skip it. */
  etagOnly: boolean;
}

/**
 * Resthook subscriptions and event fan-out. Each event gets one eventId; every notification it
 * fans out to (one per topic and entity) goes to every active matching subscription, signed
 * with the subscribing app's Ed25519 key, through the shared background dispatcher.
 */
export class ReapitWebhooks extends SubscriptionRegistry<ResthookRecord> {
  protected override readonly owner = 'customerId';
  readonly #auth: ReapitAuth;

  constructor(options: { auth: ReapitAuth; dispatcher: WebhookDispatcher; now: () => number }) {
    super(options);
    this.#auth = options.auth;
  }

  create(customerId: string, clientId: string, input: ResthookInput): ResthookRecord {
    const now = this.now();
    return this.add({
      id: randomUUID(),
      created: now,
      modified: now,
      ...input,
      topicIds: [...input.topicIds],
      customerId,
      clientId,
    });
  }

  replace(customerId: string, id: string, input: ResthookInput): ResthookRecord | undefined {
    const hook = this.find(customerId, id);
    if (hook === undefined) return undefined;
    Object.assign(hook, input, { topicIds: [...input.topicIds], modified: this.now() });
    return hook;
  }

  /** True when some active subscription of the customer listens to a topic with this prefix. */
  hasSubscribers(customerId: string, topicPrefix = ''): boolean {
    return this.any(
      (hook) =>
        hook.customerId === customerId &&
        hook.active &&
        hook.topicIds.some((topic) => topic.startsWith(topicPrefix)),
    );
  }

  /** Queues the notifications of one event; returns how many deliveries were queued. */
  emit(customerId: string, eventTime: number, notifications: readonly ReapitNotification[]): number {
    if (notifications.length === 0) return 0;
    const eventId = randomUUID();
    let queued = 0;
    for (const notification of notifications) {
      const body = JSON.stringify({
        eventId,
        entityId: notification.entityId,
        customerId,
        eventTime: reapitTime(eventTime),
        topicId: notification.topicId,
        new: notification.new,
        old: notification.old,
        diff: notification.diff,
      });
      const receives = (hook: ResthookRecord) =>
        hook.customerId === customerId &&
        hook.active &&
        hook.topicIds.includes(notification.topicId) &&
        !(hook.ignoreEtagOnlyChanges && notification.etagOnly);
      queued += this.fanOut(receives, (hook) => ({
        url: hook.url,
        body,
        // Signed per attempt with the wall clock: receivers compare it with their own clock.
        headers: () => ({
          'content-type': 'application/json',
          'x-signature': this.#auth.signatureHeader(hook.clientId, body, unixSeconds()),
        }),
        labels: {
          eventId,
          topicId: notification.topicId,
          entityId: notification.entityId,
          resthookId: hook.id,
          customerId,
        },
      }));
    }
    return queued;
  }

  render(hook: ResthookRecord): JsonObject {
    return {
      id: hook.id,
      created: reapitTime(hook.created),
      modified: reapitTime(hook.modified),
      url: hook.url,
      description: hook.description,
      topicIds: [...hook.topicIds],
      active: hook.active,
      ignoreEtagOnlyChanges: hook.ignoreEtagOnlyChanges,
      customerIds: [hook.customerId],
      _links: { self: { href: `/resthooks/${hook.id}` } },
    };
  }
}
