import type { WebhookDispatcher, WebhookDispatchRequest } from './webhook-dispatcher.ts';

/**
 * Webhook subscriptions by id, oldest first, and the dispatcher their deliveries go through: what
 * a CRM's registration API keeps. The CRM's own class adds what its subscriptions hold, how it
 * filters them and how it signs deliveries.
 */
export class SubscriptionRegistry<S extends { id: string }> {
  protected readonly dispatcher: WebhookDispatcher;
  /** The simulator clock (creation and update times). */
  protected readonly now: () => number;
  /** The field naming who a subscription belongs to (agency, team, customer), for the scoped reads. */
  protected readonly owner?: keyof S;
  readonly #byId = new Map<string, S>();

  constructor(options: { dispatcher: WebhookDispatcher; now: () => number }) {
    this.dispatcher = options.dispatcher;
    this.now = options.now;
  }

  protected add(subscription: S): S {
    this.#byId.set(subscription.id, subscription);
    return subscription;
  }

  /** An id as the client sent it, as it is stored (e.g. a GUID in any case). */
  protected idOf(raw: string): string {
    return raw;
  }

  get(id: string): S | undefined {
    return this.#byId.get(id);
  }

  delete(id: string): boolean {
    return this.#byId.delete(id);
  }

  /** Subscriptions, oldest first; only those `matching` when given. */
  where(matching: (subscription: S) => boolean = () => true): S[] {
    return [...this.#byId.values()].filter(matching);
  }

  /** True when any subscription matches (skips building payloads nobody gets). */
  any(matching: (subscription: S) => boolean): boolean {
    for (const subscription of this.#byId.values()) if (matching(subscription)) return true;
    return false;
  }

  /** The owner's subscriptions, oldest first. */
  list(owner: string): S[] {
    return this.where((subscription) => this.#owns(owner, subscription));
  }

  /** The owner's subscription with this id; another owner's is not found. */
  find(owner: string, id: string): S | undefined {
    const subscription = this.get(this.idOf(id));
    return subscription !== undefined && this.#owns(owner, subscription) ? subscription : undefined;
  }

  remove(owner: string, id: string): boolean {
    const subscription = this.find(owner, id);
    return subscription !== undefined && this.delete(subscription.id);
  }

  /** Queues one delivery to each subscription `matching`; returns how many were queued. */
  protected fanOut(
    matching: (subscription: S) => boolean,
    delivery: (subscription: S) => WebhookDispatchRequest,
  ): number {
    const receivers = this.where(matching);
    for (const subscription of receivers) this.dispatcher.enqueue(delivery(subscription));
    return receivers.length;
  }

  reset(): void {
    this.#byId.clear();
  }

  #owns(owner: string, subscription: S): boolean {
    return this.owner !== undefined && subscription[this.owner] === owner;
  }
}
