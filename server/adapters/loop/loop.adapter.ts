import { z } from 'zod';
import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import { VIEWING_VALUATION_AND_OFFER_TYPES } from '../adapter-kit/activity-kinds.ts';
import { CanonicalActivitySchema, type CanonicalActivity } from '../../../shared/activity.ts';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import type {
  ContactChange,
  InboundWebhook,
  OutboundActivity,
  PageCheckpoint,
  SyncWindow,
} from '../../core/ports/crm-adapter.ts';
import { ConnectedAdapter, defineAdapter } from '../adapter-definition.ts';
import {
  API_KEY_FIELD,
  ASSUMED_RATE_LIMITS,
  apiHostAsBaseUrl,
  pageSizeOnlySettings,
} from '../adapter-kit/connection-settings.ts';
import { readStandardWebhook } from '../adapter-kit/webhook-body.ts';
import { nurtureFieldValues, type NurtureFields } from '../adapter-kit/nurture-fields.ts';
import { pageByModifiedTime, type DeltaPage } from '../adapter-kit/delta-pager.ts';
import {
  activitiesOf,
  contactsOf,
  mapToCanonical,
  type MappedActivity,
  type MappedContact,
} from '../adapter-kit/record-mapping.ts';
import { propsyncReference } from '../adapter-kit/write-back-markers.ts';
import { signedSubscription, type WebhookSubscriptionApi } from '../adapter-kit/webhook-subscriptions.ts';
import {
  appointmentToActivity,
  offerToActivity,
  toCanonicalContact,
  toCustomFields,
  toLoopPatch,
} from './loop.mapper.ts';
import {
  LoopAppointmentSchema,
  LoopConflictSchema,
  LoopContactSchema,
  LoopNoteSchema,
  LoopOfferSchema,
  LoopPageSchema,
  LoopTeamSchema,
  LoopWebhookEventSchema,
  LoopWebhookSubscriptionSchema,
  type LoopContact,
} from './loop.schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/** The registry's entry for loop (limits and capabilities: docs/crms/loop.md). */
export const LOOP_INFO = {
  id: 'loop',
  displayName: 'Loop',
  vendor: 'Loop Software',
  authKind: 'api_key',
  rateLimits: ASSUMED_RATE_LIMITS,
  rateLimitsDocumented: false,
  pagingStyle: 'page_number',
  capabilities: {
    webhooks: true,
    etags: false,
    writeBack: 'contact notes',
    activities: {
      polledTypes: VIEWING_VALUATION_AND_OFFER_TYPES,
      webhooks: true,
      kinds: 'viewings, valuations and offers',
    },
  },
  connectFields: {
    credentials: [API_KEY_FIELD],
    settings: [],
  },
} as const satisfies ProviderInfo;

const WEBHOOK_EVENTS = [
  'contact.created',
  'contact.updated',
  'contact.archived',
  'contact.deleted',
  'appointment.created',
  'appointment.updated',
  'offer.created',
  'offer.updated',
];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Loop accepts external references of up to 100 characters.
const MAX_REFERENCE_LENGTH = 100;

const CredentialsSchema = z.object({
  apiKey: z
    .string()
    .trim()
    .regex(
      GUID,
      'must be the API key Loop issued to your team: a GUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    ),
});
type Credentials = z.infer<typeof CredentialsSchema>;

/** Contacts per page: 1–100. */
const SettingsSchema = pageSizeOnlySettings(100);
type Settings = z.infer<typeof SettingsSchema>;

export const loopAdapter = defineAdapter({
  info: LOOP_INFO,
  /**
   * Loop's API host: operator configuration (`PROPSYNC_LOOP_API_URL`), never the admin's form. Loop
   * publishes no API host (docs/crms/loop.md), so there is no default: a deployment that connects
   * Loop sets the address Loop gives it.
   */
  hosts: { api: null },
  credentialsSchema: CredentialsSchema,
  settingsSchema: SettingsSchema,
  baseUrl: apiHostAsBaseUrl,
  // The key itself authorises every call: there is nothing to exchange.
  authorise: (_grant, credentials) => ({ 'x-api-key': credentials.apiKey }),
  create: (context) => new LoopAdapter(context),
});

/** The contact custom fields Propsync's nurture values live in. */
const NURTURE_CUSTOM_FIELDS: NurtureFields = {
  score: ['propsyncEngagementScore', 'propsyncEngagementScoredAt'],
  hotLead: ['propsyncHotLead', 'propsyncHotLeadAt'],
};

const WEBHOOK_READING = {
  crm: 'Loop',
  schema: LoopWebhookEventSchema,
  expected: 'a Loop event ({type, timestamp, data})',
  remedy: 'reconnect Loop to register webhooks again',
};

const WEBHOOK_SUBSCRIPTIONS: WebhookSubscriptionApi = {
  collection: 'v1/webhooks',
  request: (url) => ({ body: { url, events: WEBHOOK_EVENTS, description: 'Propsync' } }),
  created: signedSubscription(LoopWebhookSubscriptionSchema, (subscription) => subscription),
  notCreated: 'Loop did not return the new webhook subscription and its signing secret',
};

/**
 * Propsync's Loop adapter. Loop's contacts, notes and webhooks APIs are not public, so this speaks
 * the conventional REST shape the Loop simulator documents and stays thin: paths, parameters and
 * payload shapes live here and in loop.schemas.ts, to be replaced when Loop publishes its API.
 */
class LoopAdapter extends ConnectedAdapter<Credentials, Settings> {
  protected readonly webhookSubscriptions = WEBHOOK_SUBSCRIPTIONS;

  async verifyConnection() {
    const team = await this.http.request('GET', 'v1/team');
    const parsedTeam = expectAnswer(
      LoopTeamSchema,
      team.body,
      'Loop answered the team request with an unexpected body',
    );
    const contacts = await this.http.request('GET', 'v1/contacts', {
      query: { pageSize: 1, includeArchived: true },
    });
    return {
      accountLabel: parsedTeam.name ?? null,
      contactCount: parsePage(contacts.body).totalCount ?? null,
    };
  }

  /**
   * Keyset paging over `sort=updatedAt` (adapter-kit/delta-pager.ts): each page restarts from the
   * last update time handed out, so records edited while we page never shift unread records onto
   * pages already read. Loop's order among records sharing a time is not promised to hold between
   * requests, so more than a page of them is read as a group of its own (`updatedSince` =
   * `updatedUntil` = that time), going back when the group shrank.
   */
  async *syncContacts(window: SyncWindow, options: { signal?: AbortSignal } = {}) {
    const pages = this.#pagesByUpdatedAt(window, 'v1/contacts', idOf, options.signal, {
      includeArchived: true,
    });
    for await (const page of pages) {
      const { contacts, rejected } = contactsOf(
        page.records,
        ({ record }) => mapContact(record),
        ({ record }) => idOf(record),
      );
      yield { contacts, rejected, checkpoint: page.checkpoint, estimatedTotal: page.total };
    }
  }

  /**
   * Appointments, then offers, each read like contacts (keyset on `updatedAt`, crowded instants
   * isolated: Loop narrows a list to one instant with `updatedSince` = `updatedUntil`, so a bulk
   * change of more than a page of records cannot hide one). The checkpoint names the list it is in
   * (activityCheckpoint below): a resumed cycle skips the lists already read and goes on in its own.
   */
  async *syncActivities(window: SyncWindow, options: { signal?: AbortSignal } = {}) {
    const resume = activityResumePoint(window.resumeAfter);
    let lastCheckpoint = resume.resumeAfter === null ? null : window.resumeAfter;
    for (const [index, list] of ACTIVITY_LISTS.entries()) {
      if (index < resume.listIndex) continue;
      const listWindow = { ...window, resumeAfter: index === resume.listIndex ? resume.resumeAfter : null };
      const keyOf = (raw: unknown) => prefixed(list.kind, idOf(raw));
      const pages = this.#pagesByUpdatedAt(listWindow, list.path, keyOf, options.signal);
      for await (const page of pages) {
        const { activities, rejected } = activitiesOf(
          page.records,
          ({ record }) => list.read(record),
          ({ record }) => keyOf(record),
        );
        // Before this list has a position (nothing read yet), the last one stands.
        if (page.checkpoint !== null) lastCheckpoint = activityCheckpoint(list.kind, page.checkpoint);
        yield { activities, rejected, checkpoint: lastCheckpoint };
      }
    }
  }

  /** One Loop list changed inside `window`, oldest change first, keyed by `idOf` (delta-pager.ts). */
  #pagesByUpdatedAt(
    window: SyncWindow,
    path: string,
    idOf: (raw: unknown) => string | null,
    signal: AbortSignal | undefined,
    filters: Record<string, boolean> = {},
  ): AsyncGenerator<DeltaPage<unknown>> {
    const until = new Date(window.modifiedTo).toISOString();
    const pageSize = this.settings.pageSize;
    return pageByModifiedTime({
      window,
      pageSize,
      crowdedInstant: 'isolate',
      listing: `Loop's ${path} list`,
      ...(signal === undefined ? {} : { signal }),
      fetchPage: async ({ modifiedFrom, pageIndex, onlyAtModifiedFrom }) => {
        const response = await this.http.request('GET', path, {
          query: {
            ...filters,
            pageSize,
            page: pageIndex + 1,
            sort: 'updatedAt',
            updatedSince: modifiedFrom ?? undefined,
            updatedUntil: onlyAtModifiedFrom ? modifiedFrom! : until,
          },
        });
        const page = parsePage(response.body);
        return {
          records: page.results,
          isLast: page.results.length < pageSize,
          total: page.totalCount ?? null,
        };
      },
      keyOf: (raw) => {
        const id = idOf(raw);
        const modifiedMs = parseCrmTime(updatedAtOf(raw));
        return id === null || Number.isNaN(modifiedMs) ? null : { id, modifiedMs };
      },
    });
  }

  async pushActivity(activity: OutboundActivity) {
    const contactPath = `v1/contacts/${encodeURIComponent(activity.contactExternalId)}`;
    if (activity.kind === 'email_sent') {
      // Loop refuses a second note with the same externalReference on a contact (409): that makes
      // the write idempotent across retries and repeated pushes without a read first.
      const response = await this.http.request('POST', `${contactPath}/notes`, {
        body: {
          type: 'email',
          subject: activity.summary.slice(0, 200),
          body: noteBody(activity),
          occurredAt: new Date(activity.occurredAt).toISOString(),
          externalReference: propsyncReference(activity.idempotencyKey, MAX_REFERENCE_LENGTH),
        },
        acceptStatuses: [409],
      });
      if (response.status === 409) {
        const existing = LoopConflictSchema.safeParse(response.body);
        const fromLocation = response.headers.get('location')?.split('/').filter(Boolean).at(-1) ?? null;
        return {
          externalRef: (existing.success ? existing.data.existingNoteId : null) ?? fromLocation,
          etag: null,
        };
      }
      const note = LoopNoteSchema.safeParse(response.body);
      return { externalRef: note.success ? note.data.id : null, etag: null };
    }
    // Scores and hot-lead flags live in the contact's custom fields, where agents see them.
    const customFields = nurtureFieldValues(activity, NURTURE_CUSTOM_FIELDS, () => scoreOf(activity));
    await this.http.request('PATCH', contactPath, { body: { customFields } });
    return { externalRef: activity.contactExternalId, etag: null };
  }

  /** Loop has no concurrency token: the change is applied as is (last write wins); `etag` is ignored. */
  async pushContact(change: ContactChange) {
    const path = `v1/contacts/${encodeURIComponent(change.externalId)}`;
    let current: LoopContact | null = null;
    if (change.fields.emails !== undefined || change.fields.phones !== undefined) {
      // Read first so kept numbers keep their type (mobile, home, work) and their formatting.
      const response = await this.http.request('GET', path);
      current = parseContact(response.body);
    }
    const body = {
      ...toLoopPatch(change.fields, current),
      ...(change.metadata ? { customFields: toCustomFields(change.metadata) } : {}),
    };
    await this.http.request('PATCH', path, { body });
    return { externalRef: change.externalId, etag: null };
  }

  async ingestWebhook(delivery: InboundWebhook) {
    const { event, ingested: result } = readStandardWebhook(delivery, this.webhookSecret, WEBHOOK_READING);
    const { type, data } = event;
    const id = idOf(data);
    if (type === 'contact.created' || type === 'contact.updated') {
      const mapped = mapContact(data);
      if (mapped.ok) result.contacts.push(mapped.contact);
      else if (id !== null) result.contactIdsToFetch.push(id);
    } else if (type === 'contact.archived' || type === 'contact.deleted') {
      if (id !== null) result.removedContactIds.push(id);
    } else if (type.startsWith('appointment.') || type.startsWith('offer.')) {
      const list = ACTIVITY_LISTS.find((candidate) => type.startsWith(`${candidate.kind}.`))!;
      const read = list.read(data);
      // One it cannot read is recorded in the sync log with its reason, as polling records it.
      if (!read.ok) result.rejected = [{ externalId: prefixed(list.kind, id), reason: read.reason }];
      else if (read.activity !== null) result.activities.push(read.activity);
    } else {
      this.logger.debug({ eventType: type }, 'ignoring a Loop webhook event Propsync does not use');
    }
    return result;
  }
}

function parsePage(body: unknown) {
  return expectAnswer(
    LoopPageSchema,
    body,
    'Loop answered with an unexpected list shape (expected {results: […]})',
  );
}

function parseContact(body: unknown): LoopContact {
  return expectAnswer(LoopContactSchema, body, 'Loop answered with an unexpected contact shape');
}

/** Maps one raw record, or says why it cannot be (so it is reported, never dropped). */
function mapContact(raw: unknown): MappedContact {
  return mapToCanonical(raw, LoopContactSchema, toCanonicalContact, {
    unreadable: 'Loop contact did not match the expected shape',
    unmappable: 'Loop contact could not be mapped',
    whole: 'record',
  });
}

function activityReader<T>(
  schema: z.ZodType<T>,
  map: (record: T) => CanonicalActivity | null,
  noun: string,
): (raw: unknown) => MappedActivity {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return { ok: false, reason: `Loop ${noun} did not match the expected shape` };
    const activity = map(parsed.data);
    if (activity !== null && !CanonicalActivitySchema.safeParse(activity).success)
      return { ok: false, reason: `Loop ${noun} could not be mapped` };
    return { ok: true, activity };
  };
}

/** The activity lists, in the order a cycle reads them; `kind` prefixes ids (`appointment:<id>`). */
const ACTIVITY_LISTS = [
  {
    kind: 'appointment',
    path: 'v1/appointments',
    read: activityReader(LoopAppointmentSchema, appointmentToActivity, 'appointment'),
  },
  { kind: 'offer', path: 'v1/offers', read: activityReader(LoopOfferSchema, offerToActivity, 'offer') },
] as const;
type ActivityKind = (typeof ACTIVITY_LISTS)[number]['kind'];

/*
 * Activity checkpoint: the delta pager's checkpoint of the list being read, its ids prefixed with
 * their kind, and a first entry `list:<kind>` naming the list, since the ids alone say nothing once
 * an instant is passed (no ids left).
 */
const LIST_MARKER = 'list:';

function activityCheckpoint(kind: ActivityKind, checkpoint: PageCheckpoint): PageCheckpoint {
  return { ...checkpoint, idsAtModifiedAt: [`${LIST_MARKER}${kind}`, ...checkpoint.idsAtModifiedAt] };
}

/** Which list to resume in and from where; a checkpoint naming no list restarts the window. */
function activityResumePoint(checkpoint: PageCheckpoint | null): {
  listIndex: number;
  resumeAfter: PageCheckpoint | null;
} {
  const [marker, ...ids] = checkpoint?.idsAtModifiedAt ?? [];
  const listIndex = ACTIVITY_LISTS.findIndex((list) => marker === `${LIST_MARKER}${list.kind}`);
  if (checkpoint === null || listIndex < 0) return { listIndex: 0, resumeAfter: null };
  return { listIndex, resumeAfter: { modifiedAt: checkpoint.modifiedAt, idsAtModifiedAt: ids } };
}

function prefixed(kind: ActivityKind, id: string | null): string | null {
  return id === null ? null : `${kind}:${id}`;
}

function noteBody(activity: OutboundActivity): string {
  const details = Object.entries(activity.details)
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => `${key}: ${String(value)}`);
  return [`Propsync nurture email sent: ${activity.summary}`, ...details].join('\n').slice(0, 10_000);
}

function scoreOf(activity: OutboundActivity): number | string | null {
  const score = activity.details.score;
  return typeof score === 'number' || typeof score === 'string' ? score : null;
}

function idOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

function updatedAtOf(raw: unknown): string | null {
  const value = raw && typeof raw === 'object' ? (raw as { updatedAt?: unknown }).updatedAt : undefined;
  return typeof value === 'string' ? value : null;
}
