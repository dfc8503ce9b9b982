import { createHash } from 'node:crypto';
import type { Logger } from '../../infrastructure/logger.ts';
import type {
  ActivityPage,
  ConnectionCheck,
  ContactChange,
  ContactPage,
  CrmAdapter,
  InboundWebhook,
  IngestedWebhook,
  OutboundActivity,
  PageCheckpoint,
  PushResult,
  SyncWindow,
  WebhookRegistration,
} from '../../core/ports/crm-adapter.ts';
import {
  INBOUND_TEXT_LIMITS,
  identifierProblem,
  isStorable,
  recordableId,
  sanitiseActivity,
  sanitiseContact,
  storableLine,
} from './inbound-text.ts';

type Rejected = ContactPage['rejected'][number];

/** Marks a checkpoint id that had to be encoded to be stored (see `storableCheckpointId`). */
const ENCODED_ID_PREFIX = 'propsync-encoded-id:';
const REASON_LIMIT = 1_000;

/**
 * Where every adapter's output crosses into the core: the text of contacts (sync pages and
 * webhooks) and activities is made storable (`inbound-text.ts`), and a record that cannot be made
 * storable is rejected on its own with a reason — recorded in the sync log like any record the
 * adapter could not map — so one poisoned record never fails its page, the cycle or the connection.
 * The resolver wraps every adapter it creates, so no adapter has to remember to.
 */
export function guardInbound(adapter: CrmAdapter, logger: Logger): CrmAdapter {
  return new InboundGuard(adapter, logger);
}

class InboundGuard implements CrmAdapter {
  readonly #inner: CrmAdapter;
  readonly #logger: Logger;

  constructor(inner: CrmAdapter, logger: Logger) {
    this.#inner = inner;
    this.#logger = logger;
  }

  get provider() {
    return this.#inner.provider;
  }

  async verifyConnection(): Promise<ConnectionCheck> {
    const check = await this.#inner.verifyConnection();
    return {
      ...check,
      accountLabel:
        check.accountLabel === null
          ? null
          : storableLine(check.accountLabel, INBOUND_TEXT_LIMITS.name, '') || null,
    };
  }

  async *syncContacts(window: SyncWindow, options?: { signal?: AbortSignal }): AsyncIterable<ContactPage> {
    for await (const page of this.#inner.syncContacts(windowFromStorage(window), options)) {
      const rejected = page.rejected.map(storableRejection);
      const contacts = this.#storableContacts(page.contacts, rejected);
      yield { ...page, contacts, rejected, checkpoint: storableCheckpoint(page.checkpoint) };
    }
  }

  async *syncActivities(window: SyncWindow, options?: { signal?: AbortSignal }): AsyncIterable<ActivityPage> {
    for await (const page of this.#inner.syncActivities(windowFromStorage(window), options)) {
      const rejected = page.rejected.map(storableRejection);
      const activities = this.#storableActivities(page.activities, rejected);
      yield { activities, rejected, checkpoint: storableCheckpoint(page.checkpoint) };
    }
  }

  async ingestWebhook(delivery: InboundWebhook): Promise<IngestedWebhook> {
    const ingested = await this.#inner.ingestWebhook(delivery);
    const rejected = (ingested.rejected ?? []).map(storableRejection);
    const contacts = this.#storableContacts(ingested.contacts, rejected);
    const activities = this.#storableActivities(ingested.activities, rejected);
    const usableIds = (ids: string[], what: string) =>
      ids.filter((id) => {
        const problem = identifierProblem(id);
        if (problem)
          rejected.push(this.#reject({ externalId: recordableId(id), reason: `${what} ${problem}` }));
        return problem === null;
      });
    return {
      ...ingested,
      deliveryKey: storableDeliveryKey(ingested.deliveryKey),
      eventType: storableLine(ingested.eventType, INBOUND_TEXT_LIMITS.label, 'unknown'),
      occurredAt: storableLine(
        ingested.occurredAt,
        INBOUND_TEXT_LIMITS.label,
        delivery.receivedAt.toISOString(),
      ),
      contacts,
      activities,
      contactIdsToFetch: usableIds(ingested.contactIdsToFetch, 'The id of a changed record'),
      removedContactIds: usableIds(ingested.removedContactIds, 'The id of a removed record'),
      removedActivityIds: usableIds(ingested.removedActivityIds, 'The id of a removed activity'),
      rejected,
    };
  }

  pushActivity(activity: OutboundActivity): Promise<PushResult> {
    return this.#inner.pushActivity(activity);
  }

  pushContact(change: ContactChange): Promise<PushResult> {
    return this.#inner.pushContact(change);
  }

  registerWebhooks(target: { url: string }): Promise<WebhookRegistration> {
    return this.#inner.registerWebhooks(target);
  }

  unregisterWebhooks(registration: WebhookRegistration): Promise<void> {
    return this.#inner.unregisterWebhooks(registration);
  }

  /** The contacts fit to store, made so where they can be; the others join `rejected`. */
  #storableContacts(contacts: ContactPage['contacts'], rejected: Rejected[]): ContactPage['contacts'] {
    return contacts.flatMap((contact) => {
      const result = sanitiseContact(contact);
      if (result.ok) {
        this.#noteChanges(result.value.provenance.externalId, result.changed);
        return [result.value];
      }
      rejected.push(this.#reject(result));
      return [];
    });
  }

  /** The reason is logged, never the value (it may be personal data). */
  #storableActivities(
    activities: ActivityPage['activities'],
    rejected: Rejected[],
  ): ActivityPage['activities'] {
    return activities.flatMap((activity) => {
      const result = sanitiseActivity(activity);
      if (result.ok) return [result.value];
      rejected.push(this.#reject(result));
      return [];
    });
  }

  #reject(rejection: { externalId: string | null; reason: string }): Rejected {
    this.#logger.warn(
      { provider: this.#inner.provider, externalId: rejection.externalId, reason: rejection.reason },
      'CRM record rejected: Propsync cannot store it',
    );
    return { externalId: rejection.externalId, reason: rejection.reason };
  }

  #noteChanges(externalId: string, fields: string[]): void {
    if (fields.length > 0)
      this.#logger.debug(
        { provider: this.#inner.provider, externalId, fields },
        'CRM record text normalised',
      );
  }
}

/** The window as the adapter wrote it: its checkpoint's ids as they were before they were stored. */
function windowFromStorage(window: SyncWindow): SyncWindow {
  const resumeAfter = window.resumeAfter && {
    ...window.resumeAfter,
    idsAtModifiedAt: window.resumeAfter.idsAtModifiedAt.map(checkpointIdFromStorage),
  };
  return { ...window, resumeAfter };
}

/** An adapter's own rejection, made storable (its id spelled out if it must be, its reason one clean line). */
function storableRejection(rejected: Rejected): Rejected {
  return {
    externalId:
      rejected.externalId === null || identifierProblem(rejected.externalId) === null
        ? rejected.externalId
        : recordableId(rejected.externalId),
    reason: storableLine(rejected.reason, REASON_LIMIT, 'The record could not be read'),
  };
}

/**
 * A delivery key is only compared, never shown: one that is not storable as it is becomes its
 * digest, so redeliveries of the same notification are still recognised.
 */
function storableDeliveryKey(key: string): string {
  if (identifierProblem(key) === null) return key;
  return `sha256:${createHash('sha256')
    .update(Buffer.from(String(key), 'utf16le'))
    .digest('hex')}`;
}

/**
 * The checkpoint is stored with the page and handed back on resume: an id that cannot be stored
 * as it is (a record rejected for its id can still be the last one seen) is encoded, and decoded
 * again before the adapter sees it.
 */
function storableCheckpoint(checkpoint: PageCheckpoint | null): PageCheckpoint | null {
  if (!checkpoint) return checkpoint;
  return { ...checkpoint, idsAtModifiedAt: checkpoint.idsAtModifiedAt.map(checkpointIdForStorage) };
}

export function checkpointIdForStorage(id: string): string {
  if (isStorable(id) && !id.startsWith(ENCODED_ID_PREFIX)) return id;
  return `${ENCODED_ID_PREFIX}${Buffer.from(id, 'utf16le').toString('base64url')}`;
}

export function checkpointIdFromStorage(id: string): string {
  if (!id.startsWith(ENCODED_ID_PREFIX)) return id;
  return Buffer.from(id.slice(ENCODED_ID_PREFIX.length), 'base64url').toString('utf16le');
}
