import type { WebhookDispatcher } from './webhook-dispatcher.ts';

/**
 * Webhook subscriptions by id, oldest first, and the dispatcher their deliveries go through: what
 * a CRM's registration API keeps. The CRM's own class adds what its subscriptions hold, how it
 * filters them and how it signs deliveries.
 */
export class SubscriptionRegistry<S extends { id: string }> {
  protected readonly dispatcher: WebhookDispatcher;
  /** The simulator clock (creation and update times). */
  protected readonly now: () => number;
  readonly #byId = new Map<string, S>();

  constructor(options: { dispatcher: WebhookDispatcher; now: () => number }) {
    this.dispatcher = options.dispatcher;
    this.now = options.now;
  }

  protected add(subscription: S): S {
    this.#byId.set(subscription.id, subscription);
    return subscription;
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

  reset(): void {
    this.#byId.clear();
  }
}
