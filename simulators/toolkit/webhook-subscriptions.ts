import { defined } from './define-simulator.ts';

/**
 * The webhook subscriptions a CRM's API manages, in creation order: add, list, get, update,
 * delete and "who listens", per tenant (agency, team) where the CRM has several. A CRM's webhook
 * class extends it and keeps only its own parts: the record it creates, how it renders and signs.
 */
export class WebhookSubscriptions<Subscription extends object> {
  readonly #byId = new Map<string, Subscription>();
  readonly #spec: SubscriptionKeys<Subscription>;

  constructor(spec: SubscriptionKeys<Subscription>) {
    this.#spec = spec;
  }

  protected add(subscription: Subscription): Subscription {
    this.#byId.set(this.#spec.idOf(subscription), subscription);
    return subscription;
  }

  /** Every subscription, or the tenant's. */
  list(tenant?: string): Subscription[] {
    const all = [...this.#byId.values()];
    return tenant === undefined ? all : all.filter((subscription) => this.#belongs(subscription, tenant));
  }

  /** The subscription with this id (as the API spells it), when it is the tenant's. */
  get(id: string, tenant?: string): Subscription | undefined {
    const subscription = this.#byId.get(this.#spec.normaliseId?.(id) ?? id);
    return subscription !== undefined && this.#belongs(subscription, tenant) ? subscription : undefined;
  }

  /** Sets the fields given (undefined ones are left alone); undefined when there is no such one. */
  update(id: string, changes: Partial<Subscription>, tenant?: string): Subscription | undefined {
    const subscription = this.get(id, tenant);
    if (subscription !== undefined) Object.assign(subscription, defined(changes));
    return subscription;
  }

  /** The removed subscription, or undefined when there was none. */
  delete(id: string, tenant?: string): Subscription | undefined {
    const subscription = this.get(id, tenant);
    if (subscription !== undefined) this.#byId.delete(this.#spec.idOf(subscription));
    return subscription;
  }

  /** The tenant's subscriptions that `listens` accepts (active, subscribed to the event…). */
  listening(tenant: string | undefined, listens: (subscription: Subscription) => boolean): Subscription[] {
    return this.list(tenant).filter(listens);
  }

  clear(): void {
    this.#byId.clear();
  }

  #belongs(subscription: Subscription, tenant: string | undefined): boolean {
    return tenant === undefined || this.#spec.tenantOf?.(subscription) === tenant;
  }
}

/** How a CRM's subscription record names itself and its tenant. */
export interface SubscriptionKeys<Subscription> {
  idOf(subscription: Subscription): string;
  tenantOf?(subscription: Subscription): string;
  /** The stored form of an id a request names (ids may be case-insensitive). */
  normaliseId?(id: string): string;
}
