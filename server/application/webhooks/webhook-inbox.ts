import type { CanonicalActivity } from '../../../shared/activity.ts';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { ConnectionService } from '../connections/connection-service.ts';
import type { EngagementService } from '../engagement/engagement-service.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { PropsyncMetrics } from '../../infrastructure/observability/metrics.ts';
import type { IngestedWebhook } from '../../core/ports/crm-adapter.ts';
import type { RunError, SyncStore } from '../../core/ports/sync-store.ts';
import { refusalReasonOf, type WebhookRefusalReason } from '../../core/ports/webhook-refusal.ts';
import type { WebhookDeliveryStore } from '../../core/ports/webhook-delivery-store.ts';
import type { SyncJobQueue } from '../../infrastructure/scheduling/sync-job-queue.ts';

export type InboxAnswer = {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
};

/** What is stored per accepted delivery: the verified, already-mapped content, never the raw secret-bearing headers. */
type StoredDelivery = Pick<
  IngestedWebhook,
  | 'eventType'
  | 'occurredAt'
  | 'contacts'
  | 'activities'
  | 'contactIdsToFetch'
  | 'removedContactIds'
  | 'rejected'
>;

const DELIVERIES_PER_BATCH = 200;

/**
 * Webhooks in: verify, store durably, answer; apply later through the job queue. Nothing is stored
 * for a delivery that fails verification, and every refusal is counted by reason.
 */
export class WebhookInbox {
  readonly #deliveries: WebhookDeliveryStore;
  readonly #connections: ConnectionService;
  readonly #store: SyncStore;
  readonly #engagement: EngagementService;
  readonly #jobs: SyncJobQueue;
  readonly #metrics: PropsyncMetrics;
  readonly #logger: Logger;
  readonly #sendsNotStarted = new Map<string, Promise<void>>();

  constructor(deps: {
    deliveries: WebhookDeliveryStore;
    connections: ConnectionService;
    store: SyncStore;
    engagement: EngagementService;
    jobs: SyncJobQueue;
    metrics: PropsyncMetrics;
    logger: Logger;
  }) {
    this.#deliveries = deps.deliveries;
    this.#connections = deps.connections;
    this.#store = deps.store;
    this.#engagement = deps.engagement;
    this.#jobs = deps.jobs;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
  }

  /**
   * Queues the connection's webhook job with a send that *starts after* this delivery committed, so
   * the job is sure to see it; deliveries committing while a send is still waiting to start share
   * it (under a burst, one queue write per tick instead of one per delivery).
   */
  #requestProcessing(connectionId: string): Promise<void> {
    const waiting = this.#sendsNotStarted.get(connectionId);
    if (waiting) return waiting;
    const send = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#sendsNotStarted.delete(connectionId);
      return this.#jobs.enqueueWebhookWork(connectionId);
    });
    this.#sendsNotStarted.set(connectionId, send);
    return send;
  }

  /** Counts a refusal the HTTP layer made before a delivery reached us (size, content type). */
  refused(provider: string, reason: WebhookRefusalReason): void {
    this.#metrics.webhookRejected(provider, reason);
    this.#logger.warn({ provider, reason }, 'webhook delivery refused');
  }

  async receive(request: {
    provider: string;
    connectionId: string;
    headers: Record<string, string | undefined>;
    rawBody: Buffer;
  }): Promise<InboxAnswer> {
    const refuse = (
      status: number,
      reason: WebhookRefusalReason,
      message: string,
      headers?: Record<string, string>,
    ): InboxAnswer => {
      this.refused(request.provider, reason);
      return {
        status,
        body: { error: message, code: `WEBHOOK.${reason.toUpperCase()}` },
        ...(headers ? { headers } : {}),
      };
    };
    let ingested: IngestedWebhook;
    let target: Awaited<ReturnType<ConnectionService['webhookTarget']>>;
    try {
      target = await this.#connections.webhookTarget(request.provider, request.connectionId);
      if (!target) return refuse(404, 'unknown_connection', 'No such connection');
      ingested = await target.adapter.ingestWebhook({
        headers: request.headers,
        rawBody: request.rawBody,
        receivedAt: new Date(),
      });
    } catch (error) {
      // Whatever went wrong, the answer is JSON and the refusal is counted: nothing escapes to Express.
      const refusal = refusalFor(error);
      if (refusal.reason === 'internal_error') {
        this.#logger.error(
          { provider: request.provider, connectionId: request.connectionId, err: error },
          'webhook verification failed unexpectedly',
        );
      }
      return refuse(refusal.status, refusal.reason, refusal.message, refusal.headers);
    }
    const stored: StoredDelivery = {
      eventType: ingested.eventType,
      occurredAt: ingested.occurredAt,
      contacts: ingested.contacts,
      activities: ingested.activities,
      contactIdsToFetch: ingested.contactIdsToFetch,
      removedContactIds: ingested.removedContactIds,
      rejected: ingested.rejected ?? [],
    };
    // Durable before the 2xx: a redelivery of the same notification is recognised by its key.
    const inserted = await this.#deliveries.accept({
      connectionId: request.connectionId,
      organisationId: target.organisationId,
      deliveryKey: ingested.deliveryKey,
      eventType: ingested.eventType,
      payload: stored,
    });
    if (inserted) await this.#requestProcessing(request.connectionId);
    return { status: 200, body: { received: true, duplicate: !inserted } };
  }

  /**
   * Applies the connection's accepted deliveries in the order they arrived. Contacts reconcile like
   * a sync page (an older version never overwrites a newer one); activities become engagement
   * signals; removals deactivate links; ids without a snapshot are fetched by a delta sync.
   */
  async processPending(connectionId: string): Promise<void> {
    for (;;) {
      const deliveries = await this.#deliveries.pending(connectionId, DELIVERIES_PER_BATCH);
      if (deliveries.length === 0) return;
      const run = await this.#store.openWebhookRun(connectionId);
      const errors: RunError[] = [];
      let needsSync = false;
      let retryLater: PropsyncError | null = null;
      const done: string[] = [];
      for (const delivery of deliveries) {
        try {
          // Stored by `receive` above from a StoredDelivery.
          const payload = delivery.payload as StoredDelivery;
          const outcome = await this.#apply(run, delivery.organisationId, connectionId, payload);
          needsSync ||= outcome.needsSync;
          done.push(delivery.id);
        } catch (error) {
          // Our own errors read as they are; anything else (a driver's text) goes to the log only.
          const message =
            error instanceof PropsyncError
              ? error.message
              : 'Propsync hit an unexpected error applying this delivery; it is in the server log and will be retried';
          if (!(error instanceof PropsyncError))
            this.#logger.error(
              { err: error, connectionId, deliveryId: delivery.id },
              'webhook delivery failed',
            );
          errors.push({
            code: error instanceof PropsyncError ? error.code : 'WEBHOOK.UNEXPECTED',
            message,
            statusCode: null,
            externalId: null,
            retryState: 'will_retry',
          });
          await this.#deliveries.recordFailedAttempt(delivery.id, message);
          retryLater =
            error instanceof PropsyncError
              ? error
              : new PropsyncError('WEBHOOK.CONTACT_NOT_YET_IMPORTED', message);
          needsSync = true;
          // Keep arrival order: later deliveries of this connection wait for this one.
          break;
        }
      }
      await this.#deliveries.markProcessed(done);
      await this.#store.closeWebhookRun(run, errors);
      if (needsSync) await this.#jobs.enqueue({ connectionId, trigger: 'webhook' });
      // pg-boss retries the job with backoff; the delivery stays pending until it applies.
      if (retryLater) throw retryLater;
    }
  }

  async #apply(
    run: Awaited<ReturnType<SyncStore['openWebhookRun']>>,
    organisationId: string,
    connectionId: string,
    delivery: StoredDelivery,
  ): Promise<{ needsSync: boolean }> {
    // Records the inbound guard rejected are recorded in the sync log with their reason, like a page's.
    const rejected = delivery.rejected ?? [];
    if (delivery.contacts.length > 0 || rejected.length > 0) {
      await this.#store.applyContactPage(run, {
        contacts: delivery.contacts as CanonicalContact[],
        rejected,
        checkpoint: null,
        estimatedTotal: null,
      });
    }
    if (delivery.removedContactIds.length > 0)
      await this.#store.deactivateLinks(run, delivery.removedContactIds);
    if (delivery.activities.length > 0)
      await this.#applyActivities(organisationId, connectionId, delivery.activities);
    return { needsSync: delivery.contactIdsToFetch.length > 0 };
  }

  async #applyActivities(
    organisationId: string,
    connectionId: string,
    activities: CanonicalActivity[],
  ): Promise<void> {
    const externalIds = [...new Set(activities.map((activity) => activity.contactExternalId))];
    const contactOf = await this.#deliveries.linkedContacts(connectionId, externalIds);
    const unknown = externalIds.filter((id) => !contactOf.has(id));
    if (unknown.length > 0) {
      // The activity's contact has not been imported yet: the delta sync brings it, then we retry.
      throw new PropsyncError(
        'WEBHOOK.CONTACT_NOT_YET_IMPORTED',
        `Activity for contact ${unknown[0]} arrived before the contact; retrying after a sync`,
      );
    }
    await this.#engagement.recordSignals(
      organisationId,
      activities.map((activity) => ({
        contactId: contactOf.get(activity.contactExternalId)!,
        connectionId,
        type: activity.type,
        source: activity.source,
        externalId: activity.externalId,
        occurredAt: activity.occurredAt,
        details: activity.details,
      })),
    );
  }
}

/** How the inbox answers a delivery its adapter would not accept. */
function refusalFor(error: unknown): {
  status: number;
  reason: WebhookRefusalReason;
  message: string;
  headers?: Record<string, string>;
} {
  const refusal = error instanceof PropsyncError ? refusalReasonOf(error.code) : null;
  if (refusal !== null) return { status: 401, reason: refusal, message: (error as PropsyncError).message };
  // Credentials refused while verifying (a key look-up answered 401): the delivery is not accepted as signed.
  if (error instanceof PropsyncError && error.code === 'ADAPTER.AUTH_INVALID')
    return { status: 401, reason: 'bad_signature', message: error.message };
  if (
    error instanceof PropsyncError &&
    (error.code === 'ADAPTER.VALIDATION' || error.code === 'ADAPTER.BAD_RESPONSE')
  ) {
    return { status: 400, reason: 'malformed', message: error.message };
  }
  if (error instanceof PropsyncError && error.transient) {
    // The CRM's key endpoint is failing: the CRM retries the delivery later.
    return {
      status: 503,
      reason: 'verification_unavailable',
      message: 'The delivery could not be verified now; deliver it again later',
      headers: { 'retry-after': String(error.retryAfterSeconds ?? 60) },
    };
  }
  return {
    status: 500,
    reason: 'internal_error',
    message: 'Propsync could not verify the delivery; it was not stored',
  };
}
