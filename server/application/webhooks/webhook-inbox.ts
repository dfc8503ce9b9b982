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
import { signalOf } from '../../core/ports/engagement-store.ts';
import type {
  PendingWebhookDelivery,
  WebhookDeliveryStore,
} from '../../core/ports/webhook-delivery-store.ts';
import type { SyncJobQueue } from '../../infrastructure/scheduling/sync-job-queue.ts';
import {
  afterFailedAttempt,
  DEFAULT_PARKING_POLICY,
  describeDeliveryRecords,
  type ParkingPolicy,
} from './parking-policy.ts';

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
> &
  // Deliveries stored before removed activities were read carry none.
  Partial<Pick<IngestedWebhook, 'removedActivityIds'>>;

const DELIVERIES_PER_BATCH = 200;
/** A delivery still pending this long had its job lost (a failed send, a crash before it): queue it again. */
const STALE_PENDING_MS = 60_000;

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
  readonly #sends = new Set<Promise<void>>();
  readonly #parking: ParkingPolicy;
  readonly #now: () => Date;

  constructor(deps: {
    deliveries: WebhookDeliveryStore;
    connections: ConnectionService;
    store: SyncStore;
    engagement: EngagementService;
    jobs: SyncJobQueue;
    metrics: PropsyncMetrics;
    logger: Logger;
    /** How long a delivery that cannot be applied yet is retried before it is dead-lettered. */
    parking?: ParkingPolicy;
    /** The clock parking and dead-lettering are measured by (tests move it). */
    now?: () => Date;
  }) {
    this.#deliveries = deps.deliveries;
    this.#connections = deps.connections;
    this.#store = deps.store;
    this.#engagement = deps.engagement;
    this.#jobs = deps.jobs;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
    this.#parking = deps.parking ?? DEFAULT_PARKING_POLICY;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * Queues the connection's webhook job with a send that *starts after* this delivery committed, so
   * the job is sure to see it; deliveries committing while a send is still waiting to start share
   * it (under a burst, one queue write per tick instead of one per delivery).
   */
  #requestProcessing(connectionId: string): void {
    if (this.#sendsNotStarted.has(connectionId)) return;
    const send = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        this.#sendsNotStarted.delete(connectionId);
        return this.#jobs.enqueueWebhookWork(connectionId);
      })
      .catch((error: unknown) =>
        // The delivery is stored: the sweep of stale pending deliveries queues its job instead.
        this.#logger.warn({ connectionId, err: error }, 'could not queue webhook work; the sweep will'),
      )
      .finally(() => this.#sends.delete(send));
    this.#sendsNotStarted.set(connectionId, send);
    this.#sends.add(send);
  }

  /** Resolves once the job sends this process started have been made (so the jobs are visible). */
  async sendsMade(): Promise<void> {
    while (this.#sends.size > 0) await Promise.all(this.#sends);
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
      removedActivityIds: ingested.removedActivityIds,
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
    // The answer waits for durability only: the job that applies the delivery is queued after it.
    if (inserted) this.#requestProcessing(request.connectionId);
    return { status: 200, body: { received: true, duplicate: !inserted } };
  }

  /**
   * Applies the connection's accepted deliveries in the order they arrived. Contacts reconcile like
   * a sync page (an older version never overwrites a newer one); activities become engagement
   * signals; removals deactivate links; ids without a snapshot are fetched by a delta sync.
   *
   * A delivery that cannot be applied yet (an activity whose contact is not imported, a record the
   * store refuses) is parked and retried with backoff; it never holds back the deliveries behind
   * it. Past the parking policy's bound it is dead-lettered with an alert naming the record.
   */
  async processPending(connectionId: string): Promise<void> {
    const tried: string[] = [];
    for (;;) {
      const now = this.#now();
      const deliveries = await this.#deliveries.pending(connectionId, DELIVERIES_PER_BATCH, now, tried);
      if (deliveries.length === 0) break;
      const run = await this.#store.openWebhookRun(connectionId);
      const errors: RunError[] = [];
      let needsSync = false;
      const done: string[] = [];
      for (const delivery of deliveries) {
        tried.push(delivery.id);
        // Stored by `receive` above from a StoredDelivery.
        const payload = delivery.payload as StoredDelivery;
        try {
          const outcome = await this.#apply(run, delivery.organisationId, connectionId, payload);
          needsSync ||= outcome.needsSync;
          done.push(delivery.id);
        } catch (error) {
          const failure = await this.#setAside(connectionId, delivery, payload, error, now);
          errors.push(failure);
          // The missing contact (or a fresh copy of a refused record) comes with a delta sync.
          needsSync = true;
        }
      }
      await this.#deliveries.markProcessed(done);
      await this.#store.closeWebhookRun(run, errors);
      if (needsSync) await this.#jobs.enqueue({ connectionId, trigger: 'webhook' });
    }
    // pg-boss retries the job with backoff while anything is parked; each retry applies whatever is due.
    const parked = await this.#deliveries.parkedCount(connectionId);
    if (parked > 0)
      throw new PropsyncError(
        'WEBHOOK.CONTACT_NOT_YET_IMPORTED',
        `${parked} webhook deliveries are parked on this connection and will be retried`,
      );
  }

  /**
   * Queues the webhook job of every connection with a parked delivery due again, or with a
   * delivery pending for a minute (its job was never queued: the send failed, or the process
   * stopped after the 200). The job's own retries cover the first hour or so; this is what brings
   * a delivery back after that, on a quiet connection, until it applies or is dead-lettered.
   * Meant for a periodic timer.
   */
  async retryDueParked(): Promise<number> {
    const now = this.#now();
    const connectionIds = await this.#deliveries.connectionsWithDueDeliveries(
      now,
      new Date(now.getTime() - STALE_PENDING_MS),
    );
    for (const connectionId of connectionIds) await this.#jobs.enqueueWebhookWork(connectionId);
    return connectionIds.length;
  }

  /** Parks a delivery that failed, or dead-letters it with an alert once it is past its bound. */
  async #setAside(
    connectionId: string,
    delivery: PendingWebhookDelivery,
    payload: StoredDelivery,
    error: unknown,
    now: Date,
  ): Promise<RunError> {
    // Our own errors read as they are; anything else (a driver's text) goes to the log only.
    const reason =
      error instanceof PropsyncError
        ? error.message
        : 'Propsync could not store a record of this delivery; the cause is in the server log';
    if (!(error instanceof PropsyncError))
      this.#logger.error({ err: error, connectionId, deliveryId: delivery.id }, 'webhook delivery failed');
    const decision = afterFailedAttempt(delivery, now, this.#parking);
    const code = error instanceof PropsyncError ? error.code : 'WEBHOOK.UNEXPECTED';
    if (!decision.deadLetter) {
      await this.#deliveries.park(delivery.id, { reason, now, retryAt: decision.retryAt });
      return { code, message: reason, statusCode: null, externalId: null, retryState: 'retry_scheduled' };
    }
    const records = describeDeliveryRecords({
      ...payload,
      eventType: delivery.eventType,
      deliveryKey: delivery.deliveryKey,
    });
    const attempts = delivery.attempts + 1;
    const message = `Gave up on ${records} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`;
    await this.#deliveries.deadLetter(
      { id: delivery.id, organisationId: delivery.organisationId, connectionId },
      { reason, now, alert: { message } },
    );
    this.#logger.warn({ connectionId, deliveryId: delivery.id, attempts }, 'webhook delivery dead-lettered');
    return { code, message, statusCode: null, externalId: null, retryState: 'gave_up' };
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
    // Records the CRM deleted: only what was stored for them is withdrawn, so no contact is needed.
    const removedActivities = delivery.removedActivityIds ?? [];
    if (removedActivities.length > 0)
      await this.#engagement.withdrawRecords(organisationId, connectionId, removedActivities);
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
      activities.map((activity) =>
        signalOf(activity, contactOf.get(activity.contactExternalId)!, connectionId),
      ),
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
