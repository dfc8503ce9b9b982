import type { CanonicalActivity } from '../../../shared/activity.ts';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { CrmProvider } from '../../../shared/providers.ts';

/**
 * The one port through which the core talks to any CRM (sync, push, ingest and verify, plus the
 * contact writes and webhook registration: docs/crms/<crm>.md). Adapters translate to the canonical models;
 * they never touch the database, and the core never sees a CRM's own shapes.
 */
export interface CrmAdapter {
  readonly provider: CrmProvider;

  /** Validates the stored credentials and confirms the CRM answers. */
  verifyConnection(): Promise<ConnectionCheck>;

  /**
   * Pulls contacts changed inside `window`, page by page, already mapped to the canonical model
   * (each CRM's paging and delta filter: docs/crms/<crm>.md). The core reconciles each page and stores
   * the page's checkpoint with its data, so a cycle that dies resumes without skipping anything.
   */
  syncContacts(window: SyncWindow, options?: { signal?: AbortSignal }): AsyncIterable<ContactPage>;

  /**
   * Pulls engagement activities (viewings, valuations, offers, and whatever else the CRM's API
   * lists) created or changed inside `window`, with the same checkpoint guarantees as contacts:
   * no gaps, resumable from `resumeAfter`, safe to re-read (the core stores each activity once).
   * One CRM record is one activity: its `externalId` is `<kind>:<CRM id>` whatever its stage, and
   * its `type` is the stage it has reached (a viewing booked then completed comes again as
   * `viewing_completed` under the same id, so a progress update is one signal, not two).
   * Webhook deliveries map the same record to the same id. A CRM whose API lists no activities
   * yields no page (its catalog entry and docs/crms/<crm>.md say so).
   */
  syncActivities(window: SyncWindow, options?: { signal?: AbortSignal }): AsyncIterable<ActivityPage>;

  /** Writes one nurture outcome (email sent, score, hot-lead flag) back to the CRM (docs/crms/<crm>.md). */
  pushActivity(activity: OutboundActivity): Promise<PushResult>;

  /** Writes changed contact fields back to the CRM, honouring its concurrency tokens (docs/crms/<crm>.md). */
  pushContact(change: ContactChange): Promise<PushResult>;

  /** Verifies and parses a webhook delivery the CRM pushed (docs/crms/<crm>.md, webhooks). */
  ingestWebhook(delivery: InboundWebhook): Promise<IngestedWebhook>;

  /** Registers Propsync's receiver with the CRM (docs/crms/<crm>.md, webhooks). */
  registerWebhooks(target: { url: string }): Promise<WebhookRegistration>;

  /** Removes what `registerWebhooks` created; called on disconnect. */
  unregisterWebhooks(registration: WebhookRegistration): Promise<void>;
}

export type ConnectionCheck = {
  /** A human-readable account name the CRM reported, when it reports one. */
  accountLabel: string | null;
  /** Approximate number of contacts the CRM holds, when it tells (progress estimates). */
  contactCount: number | null;
};

/**
 * Which records to fetch. `modifiedFrom` null means a full import. `resumeAfter` is the checkpoint
 * of the last committed page of an interrupted cycle over the same window.
 */
export type SyncWindow = {
  modifiedFrom: string | null;
  modifiedTo: string;
  resumeAfter: PageCheckpoint | null;
};

/** Enough to continue after a page: the last modification time seen and the ids already seen at it. */
export type PageCheckpoint = { modifiedAt: string; idsAtModifiedAt: string[] };

export type ContactPage = {
  contacts: CanonicalContact[];
  /** Records the adapter could not map: stored as sync-log errors, never silently dropped. */
  rejected: Array<{ externalId: string | null; reason: string }>;
  checkpoint: PageCheckpoint | null;
  /** The CRM's count of records in the window, for progress bars. */
  estimatedTotal: number | null;
};

export type ActivityPage = {
  activities: CanonicalActivity[];
  /** Records the adapter could not map: stored as sync-log errors, never silently dropped. */
  rejected: ContactPage['rejected'];
  checkpoint: PageCheckpoint | null;
};

export type OutboundActivity = {
  kind: 'email_sent' | 'engagement_score' | 'hot_lead';
  /** Stable key: pushing the same key twice must not create a second record in the CRM. */
  idempotencyKey: string;
  contactExternalId: string;
  occurredAt: string;
  summary: string;
  details: Record<string, unknown>;
};

/**
 * Whether a `hot_lead` write clears the flag (`details.hotLead === false`, the score having
 * decayed below the clearing point) rather than sets it.
 */
export function clearsHotLead(activity: OutboundActivity): boolean {
  return activity.kind === 'hot_lead' && activity.details.hotLead === false;
}

export type ContactChange = {
  externalId: string;
  /** The concurrency token from the last read, where the CRM has one. */
  etag: string | null;
  fields: Partial<
    Pick<CanonicalContact, 'title' | 'firstName' | 'lastName' | 'emails' | 'phones' | 'marketingConsent'>
  >;
  metadata?: Record<string, unknown>;
};

export type PushResult = { externalRef: string | null; etag: string | null };

export type InboundWebhook = {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  receivedAt: Date;
};

export type IngestedWebhook = {
  /** Unique per notification (not per event: Reapit fans one event out to several notifications). */
  deliveryKey: string;
  eventType: string;
  occurredAt: string;
  contacts: CanonicalContact[];
  activities: CanonicalActivity[];
  /** Ids whose full record must be fetched because the payload carries no snapshot (Alto). */
  contactIdsToFetch: string[];
  /** Ids the CRM deleted or archived. */
  removedContactIds: string[];
  /**
   * Ids of activity records (`CanonicalActivity.externalId`) the CRM no longer has (a re-read
   * answered 404) when neither their contact nor their stage is known any more: whatever Propsync
   * stored for them is withdrawn; an id it never stored changes nothing.
   */
  removedActivityIds: string[];
  /**
   * Records of the delivery Propsync cannot store, with the reason: recorded in the sync log like
   * a page's rejected records. Set by the shared inbound guard; adapters may leave it out.
   */
  rejected?: ContactPage['rejected'];
};

export type WebhookRegistration = { ids: string[]; secret: string | null; url: string };
