/** An event due for delivery, with where its agency's host receives events. */
export type DueHostEvent = {
  id: string;
  organisationId: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
  hostWebhookUrl: string;
  /** The host's signing secret, as the vault sealed it. */
  hostWebhookSecret: unknown;
};

/** Storage of host events and of each agency's host webhook address (the organisation row). */
export interface HostEventStore {
  /**
   * Claims up to `limit` due events of agencies with a host webhook for `leaseSeconds`: a process
   * that dies mid-delivery leaves them due again afterwards. Safe from every process at once.
   */
  claimDue(limit: number, leaseSeconds: number): Promise<DueHostEvent[]>;
  markDelivered(eventId: string): Promise<void>;
  /** Records a failed attempt; after `maxAttempts` the event is never due again. */
  markFailed(
    eventId: string,
    failure: { error: string; maxAttempts: number; retryInSeconds: number },
  ): Promise<void>;
  webhookUrl(organisationId: string): Promise<string | null>;
  /** `sealedSecret`: the host's signing secret as the vault sealed it. */
  setWebhook(organisationId: string, url: string, sealedSecret: unknown): Promise<void>;
  clearWebhook(organisationId: string): Promise<void>;
}
