/** A verified delivery waiting to be applied, in arrival order. */
export type PendingWebhookDelivery = { id: string; organisationId: string; payload: unknown };

/** The durable inbox of verified webhook deliveries, and the contact links applying them needs. */
export interface WebhookDeliveryStore {
  /** Stores a delivery before it is acknowledged; false when one with its key was already stored. */
  accept(delivery: {
    connectionId: string;
    organisationId: string;
    deliveryKey: string;
    eventType: string;
    payload: unknown;
  }): Promise<boolean>;
  /** The connection's pending deliveries, oldest first. */
  pending(connectionId: string, limit: number): Promise<PendingWebhookDelivery[]>;
  /** Records a failed attempt; the delivery stays pending. */
  recordFailedAttempt(deliveryId: string, message: string): Promise<void>;
  markProcessed(deliveryIds: readonly string[]): Promise<void>;
  /** The Propsync contact each of these CRM ids is linked to on the connection (unknown ids are absent). */
  linkedContacts(connectionId: string, externalIds: readonly string[]): Promise<Map<string, string>>;
}
