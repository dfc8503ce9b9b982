/** A verified delivery waiting to be applied (or parked and due again), in arrival order. */
export type PendingWebhookDelivery = {
  id: string;
  organisationId: string;
  eventType: string;
  deliveryKey: string;
  /** Failed attempts so far. */
  attempts: number;
  /** When it first failed; null while it has never failed. */
  parkedSince: Date | null;
  payload: unknown;
};

/** The alert a dead-lettered delivery raises (one per delivery): the record and the reason, nothing secret. */
export type DeadLetterAlert = { message: string };

/** Per connection: deliveries parked or dead-lettered (and not yet replaced by a later success). */
export type DeliveryCounts = { parked: number; deadLettered: number };

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
  /**
   * The connection's deliveries to apply now, each kind oldest first: pending ones, then parked ones
   * whose retry time has come (`now`). `skip` leaves out deliveries already tried in this pass.
   */
  pending(
    connectionId: string,
    limit: number,
    now: Date,
    skip?: readonly string[],
  ): Promise<PendingWebhookDelivery[]>;
  /** Parks a delivery that could not be applied: counted, its reason kept, retried from `retryAt`. */
  park(deliveryId: string, failure: { reason: string; now: Date; retryAt: Date }): Promise<void>;
  /** Gives up on a parked delivery and raises its alert, in one transaction. */
  deadLetter(
    delivery: { id: string; organisationId: string; connectionId: string },
    failure: { reason: string; now: Date; alert: DeadLetterAlert },
  ): Promise<void>;
  /**
   * Connections with a delivery to apply that no job may be coming for: a parked one whose retry
   * time has come (`now`), or one still pending since before `pendingBefore`.
   */
  connectionsWithDueDeliveries(now: Date, pendingBefore: Date): Promise<string[]>;
  /** How many of the connection's deliveries are parked (due or not). */
  parkedCount(connectionId: string): Promise<number>;
  markProcessed(deliveryIds: readonly string[]): Promise<void>;
  /** The Propsync contact each of these CRM ids is linked to on the connection (unknown ids are absent). */
  linkedContacts(connectionId: string, externalIds: readonly string[]): Promise<Map<string, string>>;
}
