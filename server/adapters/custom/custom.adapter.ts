import { z } from 'zod';
import { VIEWING_VALUATION_AND_OFFER_TYPES } from '../adapter-kit/activity-kinds.ts';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { PropsyncError } from '../../core/errors.ts';
import type {
  ContactChange,
  InboundWebhook,
  OutboundActivity,
  SyncWindow,
} from '../../core/ports/crm-adapter.ts';
import { CursorTrail } from '../adapter-kit/cursor-trail.ts';
import { API_KEY_FIELD, pastedKeyCredentials } from '../adapter-kit/connection-settings.ts';
import { ConnectedAdapter, defineAdapter } from '../adapter-definition.ts';
import { readStandardWebhook } from '../adapter-kit/webhook-body.ts';
import { nurtureFieldValues, type NurtureFields } from '../adapter-kit/nurture-fields.ts';
import { DeltaPosition, type DeltaKey } from '../adapter-kit/delta-pager.ts';
import {
  activitiesOf,
  contactsOf,
  describeIssue,
  mapToCanonical,
  type MappedActivity,
  type MappedContact,
} from '../adapter-kit/record-mapping.ts';
import { signedSubscription, type WebhookSubscriptionApi } from '../adapter-kit/webhook-subscriptions.ts';
import {
  activityExternalId,
  SIGNAL_ACTIVITY_TYPES,
  toCanonicalActivity,
  toCanonicalContact,
  toCustomPatch,
} from './custom.mapper.ts';
import {
  CustomAccountSchema,
  CustomActivitySchema,
  CustomContactDeletedSchema,
  CustomContactSchema,
  CustomPageSchema,
  CustomWebhookCreatedSchema,
  CustomWebhookEnvelopeSchema,
  CustomWebhookListSchema,
} from './custom.schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/** The registry's entry for custom: the limits our open API documents. */
export const CUSTOM_INFO = {
  id: 'custom',
  displayName: 'Custom CRM',
  vendor: 'Any CRM implementing the Propsync open API',
  authKind: 'api_key',
  rateLimits: { requests: 20, windowSeconds: 1, maxConcurrent: 5 },
  rateLimitsDocumented: true,
  pagingStyle: 'next_token',
  capabilities: {
    webhooks: true,
    etags: true,
    writeBack: 'activities and contact fields',
    activities: {
      polledTypes: [...VIEWING_VALUATION_AND_OFFER_TYPES, 'call', 'note'],
      webhooks: true,
      kinds: 'viewings, valuations, offers, calls and notes',
    },
  },
  connectFields: {
    credentials: [API_KEY_FIELD],
    settings: [
      {
        name: 'baseUrl',
        label: 'API address',
        required: true,
        placeholder: 'https://crm.example.co.uk/propsync/v1',
      },
    ],
  },
} as const satisfies ProviderInfo;

/** How long the open API keeps an Idempotency-Key (at least 24 hours), less an hour's margin. */
const IDEMPOTENCY_KEYS_TRUSTED_MS = 23 * 3_600_000;
const DEFAULT_PAGE_SIZE = 100;
const WEBHOOK_EVENTS = [
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'activity.created',
  'activity.updated',
];

const CredentialsSchema = pastedKeyCredentials('apiKey', 'API key is required');
type Credentials = z.infer<typeof CredentialsSchema>;

const SettingsSchema = z.object({
  /** The CRM's base URL for the open API, e.g. `https://crm.example.co.uk/propsync/v1`. */
  baseUrl: z
    .string()
    .url('base URL must be an absolute URL, e.g. https://crm.example.co.uk/propsync/v1')
    .refine(
      (value) => /^https?:\/\//i.test(value),
      'base URL must start with https:// (or http:// for a local sandbox)',
    ),
  /** Contacts per page (1–200, default 100); tests lower it to force several pages. */
  pageSize: z.coerce.number().int().min(1).max(200).optional(),
});
type Settings = z.infer<typeof SettingsSchema>;

/** Any CRM implementing Propsync's open API (docs/openapi/propsync-custom-crm.yaml). */
export const customAdapter = defineAdapter({
  info: CUSTOM_INFO,
  credentialsSchema: CredentialsSchema,
  settingsSchema: SettingsSchema,
  baseUrl: (settings) => settings.baseUrl,
  // The key itself is the bearer token: nothing to exchange, so no authenticate().
  authorise: (_grant, credentials) => ({ authorization: `Bearer ${credentials.apiKey}` }),
  /**
   * `POST /auth/revoke` (open API 1.1): the CRM revokes the key that calls it. A 401 means it is
   * already revoked; a 404 means this CRM implements an older contract without revocation.
   */
  async revokeAccess(http) {
    const response = await http.request('POST', 'auth/revoke', { acceptStatuses: [401, 404] });
    return response.status === 404 ? 'unsupported' : 'all_access';
  },
  create: (context) => new CustomAdapter(context),
});

/** The open API's nurture fields; a cleared flag is sent without a time. */
const NURTURE_FIELDS: NurtureFields = {
  score: ['engagement_score', 'engagement_scored_at'],
  hotLead: ['hot_lead', 'hot_lead_at'],
  clearedKeepsTime: false,
};

const WEBHOOK_READING = { crm: 'Custom CRM', schema: CustomWebhookEnvelopeSchema };

/** Replaces any earlier subscription for the same URL (its secret is lost), then subscribes to every event. */
const WEBHOOK_SUBSCRIPTIONS: WebhookSubscriptionApi = {
  collection: 'webhooks',
  request: (url) => ({ body: { url, events: WEBHOOK_EVENTS, description: 'Propsync' } }),
  created: signedSubscription(CustomWebhookCreatedSchema, (subscription) => subscription),
  notCreated: badResponse('the webhook subscription (an id and a whsec_ secret)').message,
  async sameUrl(http, url) {
    const existing = CustomWebhookListSchema.safeParse((await http.request('GET', 'webhooks')).body);
    if (!existing.success) throw badResponse('the webhook list');
    return existing.data.data.filter((candidate) => candidate.url === url).map(({ id }) => id);
  },
};

class CustomAdapter extends ConnectedAdapter<Credentials, Settings> {
  protected readonly webhookSubscriptions = WEBHOOK_SUBSCRIPTIONS;
  readonly #pageSize = this.settings.pageSize ?? DEFAULT_PAGE_SIZE;

  async verifyConnection() {
    const response = await this.http.request('GET', 'account');
    const account = CustomAccountSchema.safeParse(response.body);
    if (!account.success) throw badResponse('the account');
    return { accountLabel: account.data.name, contactCount: account.data.contact_count ?? null };
  }

  /** Viewings, valuations, offers, calls and notes changed inside the window, at the stage they reached. */
  async *syncActivities(window: SyncWindow, options: { signal?: AbortSignal } = {}) {
    // Only the types that can be a signal: Propsync's own email write-back never comes back to it.
    const query = { type: SIGNAL_ACTIVITY_TYPES };
    for await (const page of this.#changedRecords('activities', window, query, options.signal)) {
      const { activities, rejected } = activitiesOf(page.records, readActivity, (raw) => {
        const id = idOf(raw);
        return id === null ? null : activityExternalId(id);
      });
      yield { activities, rejected, checkpoint: page.checkpoint };
    }
  }

  async *syncContacts(window: SyncWindow, options: { signal?: AbortSignal } = {}) {
    for await (const page of this.#changedRecords('contacts', window, {}, options.signal)) {
      const { contacts, rejected } = contactsOf(page.records, mapContact, idOf);
      yield { contacts, rejected, checkpoint: page.checkpoint, estimatedTotal: page.total };
    }
  }

  /**
   * One list of the open API changed inside the window, raw, page by page, following the CRM's
   * keyset cursor. The cursor is a position on `(updated_at, id)`, so within one call no record
   * is skipped or repeated however many share an instant, and one edited meanwhile moves behind
   * it: no `crowdedInstant` mode of the shared pager is needed. Across calls the checkpoint (the
   * last `updated_at` seen and the ids seen at it) is the restart point: a resumed call asks from
   * that instant, inclusive, and skips those ids.
   */
  async *#changedRecords(
    path: 'contacts' | 'activities',
    window: SyncWindow,
    filters: Record<string, string[]>,
    signal: AbortSignal | undefined,
  ) {
    const position = DeltaPosition.start(window);
    const from = position.modifiedAt;
    const trail = new CursorTrail(`The custom CRM's ${path} list (next_cursor)`);
    let cursor: string | null = null;
    let total: number | null = null;
    do {
      signal?.throwIfAborted();
      const response = await this.http.request('GET', path, {
        query: {
          limit: this.#pageSize,
          updated_since: from,
          updated_until: window.modifiedTo,
          cursor,
          ...filters,
        },
      });
      const page = CustomPageSchema.safeParse(response.body);
      if (!page.success) throw badResponse(path === 'contacts' ? 'a contact page' : 'an activity page');
      total ??= page.data.total ?? null;
      const records = page.data.data.filter((raw) => {
        const key = keyOf(raw);
        if (key === null) return true;
        // Handed out before the interruption this call resumes from.
        if (position.handedOut(key)) return false;
        position.advance(key);
        return true;
      });
      yield { records, checkpoint: position.checkpoint(), total };
      cursor = trail.follow(page.data.next_cursor, page.data.has_more);
    } while (cursor !== null);
  }

  async pushActivity(activity: OutboundActivity) {
    const path = `contacts/${encodeURIComponent(activity.contactExternalId)}`;
    if (activity.kind === 'email_sent') {
      // The open API keeps Idempotency-Keys for at least 24 hours, so a retried write (even after a
      // lost answer) creates one record. A write retried later, when the CRM may have forgotten
      // the key, first looks for the activity it would create (its external_id is the key).
      if (Date.now() - Date.parse(activity.occurredAt) > IDEMPOTENCY_KEYS_TRUSTED_MS) {
        const earlier = await this.#emailWrittenBefore(activity);
        if (earlier !== null) return { externalRef: earlier, etag: null };
      }
      const response = await this.http.request('POST', 'activities', {
        headers: { 'idempotency-key': activity.idempotencyKey },
        body: {
          type: 'email',
          direction: 'outbound',
          contact_id: activity.contactExternalId,
          occurred_at: activity.occurredAt,
          subject: activity.summary,
          body: typeof activity.details.body === 'string' ? activity.details.body : null,
          external_id: activity.idempotencyKey,
        },
      });
      const created = CustomActivitySchema.safeParse(response.body);
      if (!created.success) throw badResponse('the created activity');
      return { externalRef: created.data.id, etag: null };
    }
    const body = nurtureFieldValues(activity, NURTURE_FIELDS, () => scoreOf(activity));
    // Nurture fields are Propsync's own and kept apart from the contact: no ETag to honour, and
    // the CRM ignores a score older than the one it holds, so retries and reordering are safe.
    await this.http.request('PATCH', `${path}/nurture`, { body });
    return { externalRef: activity.contactExternalId, etag: null };
  }

  /**
   * The id of the email activity an earlier write of `activity` created, if any: the contact's
   * emails changed since a day before it was sent (the margin absorbs clock differences), paged.
   */
  async #emailWrittenBefore(activity: OutboundActivity): Promise<string | null> {
    const since = new Date(Date.parse(activity.occurredAt) - IDEMPOTENCY_KEYS_TRUSTED_MS).toISOString();
    let cursor: string | null = null;
    do {
      const response = await this.http.request('GET', 'activities', {
        query: {
          contact_id: activity.contactExternalId,
          type: ['email'],
          updated_since: since,
          limit: this.#pageSize,
          cursor,
        },
      });
      const page = CustomPageSchema.safeParse(response.body);
      if (!page.success) throw badResponse('an activity page');
      for (const raw of page.data.data) {
        const listed = CustomActivitySchema.safeParse(raw);
        if (listed.success && listed.data.external_id === activity.idempotencyKey) return listed.data.id;
      }
      cursor = page.data.has_more ? page.data.next_cursor : null;
    } while (cursor !== null);
    return null;
  }

  async pushContact(change: ContactChange) {
    const body = {
      ...toCustomPatch(change.fields),
      ...(change.metadata ? { custom_fields: change.metadata } : {}),
    };
    if (Object.keys(body).length === 0) return { externalRef: change.externalId, etag: change.etag };
    const path = `contacts/${encodeURIComponent(change.externalId)}`;
    // Without a token from the last read, take the current one: the caller accepts overwriting.
    const etag = change.etag ?? (await this.#currentEtag(path));
    const response = await this.http.request('PATCH', path, {
      headers: { 'if-match': etag, 'content-type': 'application/merge-patch+json' },
      body,
    });
    const updated = CustomContactSchema.safeParse(response.body);
    return {
      externalRef: change.externalId,
      etag: response.headers.get('etag') ?? (updated.success ? (updated.data.etag ?? null) : null),
    };
  }

  async ingestWebhook(delivery: InboundWebhook) {
    const { event, ingested } = readStandardWebhook(delivery, this.webhookSecret, WEBHOOK_READING);
    const { type, data } = event;
    if (type === 'contact.created' || type === 'contact.updated') {
      const mapped = mapContact(data);
      if (mapped.ok) ingested.contacts.push(mapped.contact);
      else if (typeof data.id === 'string') ingested.contactIdsToFetch.push(data.id);
      else throw new PropsyncError('ADAPTER.VALIDATION', `Custom CRM ${type} event carries no contact id`);
    } else if (type === 'contact.deleted') {
      const deleted = CustomContactDeletedSchema.safeParse(data);
      if (!deleted.success)
        throw new PropsyncError(
          'ADAPTER.VALIDATION',
          'Custom CRM contact.deleted event carries no contact id',
        );
      ingested.removedContactIds.push(deleted.data.id);
    } else if (type === 'activity.created' || type === 'activity.updated') {
      const activity = CustomActivitySchema.safeParse(data);
      if (!activity.success)
        throw new PropsyncError('ADAPTER.VALIDATION', `Custom CRM ${type} event is not an activity`);
      const signal = toCanonicalActivity(activity.data);
      if (signal !== null) ingested.activities.push(signal);
    }
    // Events added to the contract later are acknowledged and ignored.
    return ingested;
  }

  async #currentEtag(path: string): Promise<string> {
    const response = await this.http.request('GET', path);
    const contact = CustomContactSchema.safeParse(response.body);
    const etag = response.headers.get('etag') ?? (contact.success ? contact.data.etag : null);
    if (!etag) throw badResponse('a contact without an ETag');
    return etag;
  }
}

/** A raw contact mapped and checked against the canonical model, or why it cannot be. */
function mapContact(raw: unknown): MappedContact {
  return mapToCanonical(raw, CustomContactSchema, toCanonicalContact, {
    unreadable: 'Custom CRM contact did not match the open API',
    unmappable: 'Custom CRM contact could not be mapped',
    whole: 'contact',
  });
}

/** A raw activity read against the open API: its signal (null when it is none), or why it cannot be. */
function readActivity(raw: unknown): MappedActivity {
  const parsed = CustomActivitySchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      reason: describeIssue('Custom CRM activity did not match the open API', parsed.error, 'activity'),
    };
  return { ok: true, activity: toCanonicalActivity(parsed.data) };
}

/** The keyset position of a raw record, read leniently so even a rejected record moves the checkpoint. */
function keyOf(raw: unknown): DeltaKey | null {
  const id = idOf(raw);
  const updatedAt = raw && typeof raw === 'object' ? (raw as { updated_at?: unknown }).updated_at : undefined;
  const modifiedMs = typeof updatedAt === 'string' ? parseCrmTime(updatedAt) : Number.NaN;
  return id === null || Number.isNaN(modifiedMs) ? null : { id, modifiedMs };
}

function idOf(raw: unknown): string | null {
  return raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
    ? (raw as { id: string }).id
    : null;
}

function scoreOf(activity: OutboundActivity): number {
  const score = activity.details.score ?? activity.details.engagementScore;
  const value = typeof score === 'string' ? Number(score) : score;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new PropsyncError(
      'ADAPTER.VALIDATION',
      `Engagement score for ${activity.contactExternalId} is not a number`,
    );
  }
  return value;
}

function badResponse(what: string): PropsyncError {
  return new PropsyncError(
    'ADAPTER.BAD_RESPONSE',
    `Custom CRM answered with an unexpected shape for ${what}: check it implements the Propsync open API`,
  );
}
