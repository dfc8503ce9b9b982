import type { z } from 'zod';
import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import { VIEWING_VALUATION_AND_OFFER_TYPES } from '../adapter-kit/activity-kinds.ts';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import {
  clearsHotLead,
  type ContactChange,
  type InboundWebhook,
  type OutboundActivity,
  type PushResult,
  type SyncWindow,
} from '../../core/ports/crm-adapter.ts';
import { ConnectedAdapter, defineAdapter } from '../adapter-definition.ts';
import {
  apiHostAsBaseUrl,
  pageSizeOnlySettings,
  pastedKeyCredentials,
} from '../adapter-kit/connection-settings.ts';
import { readStandardWebhook } from '../adapter-kit/webhook-body.ts';
import { PageNumberTrail } from '../adapter-kit/cursor-trail.ts';
import { pageByModifiedTime, type DeltaKey } from '../adapter-kit/delta-pager.ts';
import {
  activitiesOf,
  contactsOf,
  type MappedActivity,
  type MappedContact,
} from '../adapter-kit/record-mapping.ts';
import { ENGAGEMENT_SCORE_MARKER, propsyncMarker } from '../adapter-kit/write-back-markers.ts';
import { signedSubscription, type WebhookSubscriptionApi } from '../adapter-kit/webhook-subscriptions.ts';
import {
  ACTIVITY_ENDPOINTS,
  ACTIVITY_LISTS,
  decodeActivityCheckpoint,
  encodeActivityCheckpoint,
  mapActivity,
  personBehind,
} from './street.activities.ts';
import {
  applicantsOf,
  indexIncluded,
  toCanonicalActivity,
  toCanonicalContact,
  toStreetAttributes,
  type IncludedIndex,
} from './street.mapper.ts';
import {
  StreetActivitySchema,
  StreetDocumentSchema,
  StreetNoteSchema,
  StreetPageSchema,
  StreetPersonSchema,
  StreetWebhookCreatedSchema,
  StreetWebhookEnvelopeSchema,
  type StreetActivity,
  type StreetNote,
  type StreetPage,
} from './street.schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/** The registry's entry for street (limits and capabilities: docs/crms/street.md). */
export const STREET_INFO = {
  id: 'street',
  displayName: 'Street',
  vendor: 'Street.co.uk',
  authKind: 'bearer_token',
  rateLimits: { requests: 600, windowSeconds: 60, writeRequests: 100 },
  rateLimitsDocumented: true,
  pagingStyle: 'page_number',
  capabilities: {
    webhooks: true,
    etags: false,
    writeBack: 'notes on the person',
    activities: {
      polledTypes: VIEWING_VALUATION_AND_OFFER_TYPES,
      webhooks: true,
      kinds: 'viewings, valuations and offers',
    },
  },
  connectFields: {
    credentials: [
      {
        name: 'apiToken',
        label: 'API token',
        secret: true,
        required: true,
        hint: 'Generated in Street under Settings › API.',
      },
    ],
    settings: [],
  },
} as const satisfies ProviderInfo;

const MEDIA_TYPE = 'application/vnd.api+json';
/** `person.marketing-preferences.updated` is left out: every such change also sends `person.updated`. */
const WEBHOOK_EVENTS = [
  'person.created',
  'person.updated',
  'person.deleted',
  'viewing.created',
  'viewing.updated',
  'valuation.created',
  'valuation.updated',
  'sales-offer.created',
  'sales-offer.updated',
  'lettings-offer.created',
  'lettings-offer.updated',
];

const CredentialsSchema = pastedKeyCredentials(
  'apiToken',
  'the Street API token is required (Street → Settings → Applications)',
);
type Credentials = z.infer<typeof CredentialsSchema>;

/** People per page: Street allows up to 100. */
const SettingsSchema = pageSizeOnlySettings(100);
type Settings = z.infer<typeof SettingsSchema>;

export const streetAdapter = defineAdapter({
  info: STREET_INFO,
  /** Street's Open API: operator configuration (`PROPSYNC_STREET_API_URL`), never the admin's form. */
  hosts: { api: 'https://street.co.uk/open-api/v1' },
  credentialsSchema: CredentialsSchema,
  settingsSchema: SettingsSchema,
  baseUrl: apiHostAsBaseUrl,
  // Street's tokens are long-lived and never exchanged: the token itself authorises each call.
  authorise: (_grant, credentials) => ({
    authorization: `Bearer ${credentials.apiToken}`,
    accept: MEDIA_TYPE,
  }),
  create: (context) => new StreetAdapter(context),
});

const WEBHOOK_READING = {
  crm: 'Street',
  schema: StreetWebhookEnvelopeSchema,
  deliveryKey: (messageId: string) => `street:${messageId}`,
};

const WEBHOOK_SUBSCRIPTIONS: WebhookSubscriptionApi = {
  collection: 'webhooks',
  request: (url) => ({
    headers: { 'content-type': MEDIA_TYPE },
    body: {
      data: {
        type: 'webhook',
        attributes: { url, events: WEBHOOK_EVENTS, description: 'Propsync', enabled: true },
      },
    },
  }),
  created: signedSubscription(StreetWebhookCreatedSchema, ({ data }) => ({
    id: data.id,
    secret: data.attributes.secret,
  })),
  notCreated: 'Street did not return the webhook it created with its signing secret',
};

class StreetAdapter extends ConnectedAdapter<Credentials, Settings> {
  protected readonly webhookSubscriptions = WEBHOOK_SUBSCRIPTIONS;

  async verifyConnection() {
    const response = await this.http.request('GET', 'people', { query: { 'page[size]': 1 } });
    return { accountLabel: null, contactCount: parsePage(response.body).meta.pagination.total };
  }

  /**
   * Keyset paging over `sort=updated_at` (adapter-kit/delta-pager.ts): `filter[updated_from]` is
   * inclusive, so ids already handed out at that instant are skipped, and people edited while we
   * page never shift unseen people onto pages already read.
   */
  async *syncContacts(window: SyncWindow, options?: { signal?: AbortSignal }) {
    const resumed = window.resumeAfter?.idsAtModifiedAt.length ?? 0;
    const pages = this.#pagesByUpdatedAt('people', 'applicants', window, 'page-on', options?.signal);
    for await (const page of pages) {
      const { contacts, rejected } = contactsOf(
        page.records,
        ({ record }) => mapPerson(record.raw, record.included),
        ({ record }) => idOf(record.raw),
      );
      const estimatedTotal = (page.total ?? 0) + resumed;
      yield { contacts, rejected, checkpoint: page.checkpoint, estimatedTotal };
    }
  }

  /**
   * Reads the viewings, valuations, sales offers and lettings offers changed inside the window, one
   * list after the other, each by keyset on `sort=updated_at` like people. An agent changing many
   * records at once (a bulk cancel) gives them one `updated_at`, and Street does not promise their
   * order between requests: paging on through such a crowd could skip one, so more than a page at
   * one instant is read as a group of its own (`crowdedInstant: 'isolate'`: updated_from =
   * updated_to = that instant, both inclusive, with `meta.pagination.total` telling when it
   * shrank). Each checkpoint names its list (see `encodeActivityCheckpoint`): a resumed read
   * continues that list and then reads the later ones from the window's start.
   */
  async *syncActivities(window: SyncWindow, options?: { signal?: AbortSignal }) {
    const resume = decodeActivityCheckpoint(window.resumeAfter);
    for (const type of ACTIVITY_LISTS.slice(ACTIVITY_LISTS.indexOf(resume.type))) {
      const { path, via, filters } = ACTIVITY_ENDPOINTS[type];
      const listWindow = { ...window, resumeAfter: type === resume.type ? resume.position : null };
      const pages = this.#pagesByUpdatedAt(path, via, listWindow, 'isolate', options?.signal, filters);
      for await (const page of pages) {
        const { activities, rejected } = activitiesOf(
          page.records,
          ({ record }) => mapActivity(record.raw, type, record.included, window.modifiedTo),
          ({ record }) => idOf(record.raw) && `${type}:${idOf(record.raw)}`,
        );
        yield { activities, rejected, checkpoint: encodeActivityCheckpoint(type, page.checkpoint, window) };
      }
    }
  }

  /**
   * Nurture outcomes become notes on the person (Street's only write-back target). Street has no
   * idempotency-key header, so each note carries a `[propsync:<key>]` marker and is looked up
   * before writing. Hot leads are pinned (the flag agents see on the record) and state their
   * time; the engagement score lives in one note per person, rewritten as the score changes.
   */
  /**
   * One list changed inside the window, by keyset on `sort=updated_at` (adapter-kit/delta-pager.ts),
   * each record with the page's side-loaded `include`. A crowded instant read `isolate`d is asked
   * for alone: `filter[updated_from]` = `filter[updated_to]` = that instant, both inclusive.
   */
  #pagesByUpdatedAt(
    path: string,
    include: string,
    window: SyncWindow,
    crowdedInstant: 'page-on' | 'isolate',
    signal: AbortSignal | undefined,
    filters: Record<string, string> = {},
  ) {
    const pageSize = this.settings.pageSize;
    return pageByModifiedTime({
      window,
      pageSize,
      crowdedInstant,
      listing: `Street's ${path} list`,
      signal,
      fetchPage: async ({ modifiedFrom, pageIndex, onlyAtModifiedFrom }) => {
        const response = await this.http.request('GET', path, {
          query: {
            ...filters,
            'page[size]': pageSize,
            'page[number]': pageIndex + 1,
            sort: 'updated_at',
            'filter[updated_from]': modifiedFrom,
            'filter[updated_to]': onlyAtModifiedFrom ? modifiedFrom : window.modifiedTo,
            include,
          },
        });
        const page = parsePage(response.body);
        const included = indexIncluded(page.included);
        return {
          records: page.data.map((raw) => ({ raw, included })),
          isLast: !page.links?.next || page.data.length < pageSize,
          total: page.meta.pagination.total,
        };
      },
      // Read leniently so a rejected record still moves the checkpoint past itself.
      keyOf: ({ raw }) => keyOf(raw),
    });
  }

  async pushActivity(activity: OutboundActivity) {
    const personId = activity.contactExternalId;
    if (activity.kind === 'engagement_score') return this.#writeScore(personId, activity);
    const marker = propsyncMarker(activity.idempotencyKey);
    const existing = await this.#findNote(personId, (note) => note.attributes.body.includes(marker));
    if (existing) return { externalRef: existing.id, etag: null };
    // Street people have no flag field: the flag is a pinned note, and clearing it is an unpinned one.
    const flagged = activity.kind === 'hot_lead' && !clearsHotLead(activity);
    const body = flagged
      ? `HOT LEAD (Propsync) since ${activity.occurredAt}: ${activity.summary} ${marker}`
      : clearsHotLead(activity)
        ? `No longer a hot lead (Propsync) since ${activity.occurredAt}: ${activity.summary} ${marker}`
        : `${activity.summary} (${activity.occurredAt}) ${marker}`;
    const note = await this.#createNote(personId, body, flagged);
    return { externalRef: note.id, etag: null };
  }

  async pushContact(change: ContactChange) {
    // Street has no ETags or version numbers: `change.etag` is always null and nothing is sent.
    if (change.metadata && Object.keys(change.metadata).length > 0) {
      this.logger.warn(
        { contactExternalId: change.externalId, keys: Object.keys(change.metadata) },
        'Street people have no metadata: these values were not written',
      );
    }
    const attributes = toStreetAttributes(change.fields);
    if (Object.keys(attributes).length === 0) return { externalRef: change.externalId, etag: null };
    const response = await this.http.request('PATCH', `people/${encodeURIComponent(change.externalId)}`, {
      headers: { 'content-type': MEDIA_TYPE },
      body: { data: { type: 'person', id: change.externalId, attributes } },
    });
    const person = StreetPersonSchema.safeParse(StreetDocumentSchema.safeParse(response.body).data?.data);
    return { externalRef: person.success ? person.data.id : change.externalId, etag: null };
  }

  async ingestWebhook(delivery: InboundWebhook) {
    const { event, ingested: result } = readStandardWebhook(delivery, this.webhookSecret, WEBHOOK_READING);
    const { type, data: document } = event;
    const resourceId = idOf(document.data);
    if (type === 'person.deleted') {
      if (resourceId) result.removedContactIds.push(resourceId);
    } else if (type.startsWith('person.')) {
      const mapped = mapPerson(document.data, indexIncluded(document.included));
      if (mapped.ok) result.contacts.push(mapped.contact);
      else if (resourceId) result.contactIdsToFetch.push(resourceId);
    } else {
      // An activity it cannot use is recorded in the sync log with its reason, as polling records it.
      const activity = StreetActivitySchema.safeParse(document.data);
      const read = activity.success
        ? await this.#activityOf(activity.data, indexIncluded(document.included), result.occurredAt)
        : { ok: false as const, reason: `Street ${type} event carried an activity Propsync could not read` };
      if (!read.ok) result.rejected = [{ externalId: activityIdOf(document.data), reason: read.reason }];
      else if (read.activity !== null) result.activities.push(read.activity);
    }
    return result;
  }

  async #writeScore(personId: string, activity: OutboundActivity): Promise<PushResult> {
    const score = activity.details.score ?? activity.details.engagementScore ?? null;
    const body = `Propsync engagement score: ${score === null ? 'n/a' : String(score)} (as of ${activity.occurredAt}) ${ENGAGEMENT_SCORE_MARKER}`;
    const existing = await this.#findNote(personId, (note) =>
      note.attributes.body.includes(ENGAGEMENT_SCORE_MARKER),
    );
    if (!existing) return { externalRef: (await this.#createNote(personId, body, false)).id, etag: null };
    // Same body (a retried push) or an older score arriving late: leave the note as it is.
    const shownAt = Date.parse(/\(as of ([^)]+)\)/.exec(existing.attributes.body)?.[1] ?? '');
    if (existing.attributes.body === body || Date.parse(activity.occurredAt) < shownAt)
      return { externalRef: existing.id, etag: null };
    await this.http.request('PATCH', `notes/${encodeURIComponent(existing.id)}`, {
      headers: { 'content-type': MEDIA_TYPE },
      body: { data: { type: 'note', id: existing.id, attributes: { body } } },
    });
    return { externalRef: existing.id, etag: null };
  }

  /** The person's first note matching `predicate`, reading every page (people have few notes). */
  async #findNote(personId: string, predicate: (note: StreetNote) => boolean): Promise<StreetNote | null> {
    const trail = new PageNumberTrail("Street's notes list");
    for (let pageNumber = 1; ; pageNumber++) {
      const response = await this.http.request('GET', `people/${encodeURIComponent(personId)}/notes`, {
        query: { 'page[size]': 100, 'page[number]': pageNumber, sort: 'created_at' },
      });
      const page = parsePage(response.body);
      trail.read(pageNumber, page.data);
      for (const raw of page.data) {
        const note = StreetNoteSchema.safeParse(raw);
        if (note.success && predicate(note.data)) return note.data;
      }
      if (!page.links?.next || page.data.length === 0) return null;
    }
  }

  async #createNote(personId: string, body: string, pinned: boolean): Promise<StreetNote> {
    const response = await this.http.request('POST', 'notes', {
      headers: { 'content-type': MEDIA_TYPE },
      body: {
        data: {
          type: 'note',
          attributes: { body, pinned },
          relationships: { person: { data: { type: 'person', id: personId } } },
        },
      },
    });
    return expectAnswer(
      StreetNoteSchema,
      StreetDocumentSchema.safeParse(response.body).data?.data,
      'Street did not return the note it created',
    );
  }

  /** The signal of an activity event (as polling maps it), for the person behind its applicant or owner. */
  async #activityOf(
    activity: StreetActivity,
    included: IncludedIndex,
    occurredAt: string,
  ): Promise<MappedActivity> {
    const endpoint = ACTIVITY_ENDPOINTS[activity.type];
    let personId = personBehind(activity, endpoint.via, included);
    if (personId === null) {
      // The payload did not side-load who it concerns: ask Street.
      const response = await this.http.request('GET', `${endpoint.path}/${encodeURIComponent(activity.id)}`, {
        query: { include: endpoint.via },
        acceptStatuses: [404],
      });
      // Deleted since the event: there is nothing left to signal (polling will not list it either).
      if (response.status === 404) return { ok: true, activity: null };
      const document = StreetDocumentSchema.safeParse(response.body);
      const current = StreetActivitySchema.safeParse(document.data?.data);
      personId = current.success
        ? personBehind(current.data, endpoint.via, indexIncluded(document.data?.included))
        : null;
    }
    const signal = toCanonicalActivity(activity, personId ?? '', occurredAt);
    // A withdrawal naming nobody withdraws nothing anyone was credited with: nothing to report.
    if (signal === null || (signal.withdrawn && personId === null)) return { ok: true, activity: null };
    if (personId === null)
      return { ok: false, reason: `Street ${activity.type.replace('_', ' ')} names no person behind it` };
    return { ok: true, activity: signal };
  }
}

function mapPerson(raw: unknown, included: IncludedIndex): MappedContact {
  const parsed = StreetPersonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason:
        `Street person did not match the expected shape: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    };
  }
  return { ok: true, contact: toCanonicalContact(parsed.data, applicantsOf(parsed.data, included)) };
}

function parsePage(body: unknown): StreetPage {
  return expectAnswer(StreetPageSchema, body, 'Street answered with an unexpected JSON:API list document');
}

function idOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

function keyOf(raw: unknown): DeltaKey | null {
  const id = idOf(raw);
  const updatedAt = (raw as { attributes?: { updated_at?: unknown } } | null | undefined)?.attributes
    ?.updated_at;
  const modifiedMs = typeof updatedAt === 'string' ? parseCrmTime(updatedAt) : Number.NaN;
  return id === null || Number.isNaN(modifiedMs) ? null : { id, modifiedMs };
}

/** `<type>:<id>` of a delivered activity, read leniently (null when it names neither). */
function activityIdOf(resource: unknown): string | null {
  const { type, id } = (resource ?? {}) as { type?: unknown; id?: unknown };
  return typeof type === 'string' && typeof id === 'string' && id.length > 0 ? `${type}:${id}` : null;
}
