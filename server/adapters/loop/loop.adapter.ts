import { z } from 'zod';
import { CanonicalActivitySchema, type CanonicalActivity } from '../../../shared/activity.ts';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { PropsyncError } from '../../core/errors.ts';
import type {
  ActivityPage,
  ConnectionCheck,
  ContactChange,
  ContactPage,
  CrmAdapter,
  IngestedWebhook,
  InboundWebhook,
  OutboundActivity,
  PageCheckpoint,
  PushResult,
  SyncWindow,
  WebhookRegistration,
} from '../../core/ports/crm-adapter.ts';
import { ConnectedAdapter, defineAdapter } from '../adapter-definition.ts';
import { API_KEY_FIELD, apiHostAsBaseUrl, pageSizeSetting } from '../adapter-kit/connection-settings.ts';
import { emptyIngested, occurredAtOf, parseWebhookBody } from '../adapter-kit/webhook-body.ts';
import { pageByModifiedTime } from '../adapter-kit/delta-pager.ts';
import { mapToCanonical, type MappedContact } from '../adapter-kit/record-mapping.ts';
import { propsyncReference } from '../adapter-kit/write-back-markers.ts';
import { verifyStandardWebhook } from '../adapter-kit/webhook-signature.ts';
import { deleteWebhookSubscriptions } from '../adapter-kit/webhook-subscriptions.ts';
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

const SettingsSchema = z.object({
  /** Contacts per page (1–100); smaller pages only for tests and debugging. */
  pageSize: pageSizeSetting(100),
});
type Settings = z.infer<typeof SettingsSchema>;

/** The registry's entry for loop (limits and capabilities: docs/crms/loop.md). */
export const LOOP_INFO = {
  id: 'loop',
  displayName: 'Loop',
  vendor: 'Loop Software',
  authKind: 'api_key',
  rateLimits: { requests: 10, windowSeconds: 1, maxConcurrent: 4 },
  rateLimitsDocumented: false,
  pagingStyle: 'page_number',
  capabilities: {
    webhooks: true,
    etags: false,
    writeBack: 'contact notes',
    activities: {
      polledTypes: [
        'viewing_booked',
        'viewing_completed',
        'valuation_booked',
        'offer_submitted',
        'offer_progressed',
      ],
      webhooks: true,
      kinds: 'viewings, valuations and offers',
    },
  },
  connectFields: {
    credentials: [API_KEY_FIELD],
    settings: [],
  },
} as const satisfies ProviderInfo;
/**
 * Loop's API host: operator configuration (`PROPSYNC_LOOP_API_URL`), never the admin's form. Loop
 * publishes no API host (docs/crms/loop.md), so there is no default: a deployment that connects
 * Loop sets the address Loop gives it.
 */
type Host = 'api';

export const loopAdapter = defineAdapter<Credentials, Settings, Host>({
  info: LOOP_INFO,
  hosts: { api: null },
  credentialsSchema: CredentialsSchema,
  settingsSchema: SettingsSchema,
  baseUrl: apiHostAsBaseUrl,
  // The key itself authorises every call: there is nothing to exchange.
  authorise: (_grant, credentials) => ({ 'x-api-key': credentials.apiKey }),
  create: (context) => new LoopAdapter(context),
});

/**
 * Propsync's Loop adapter. Loop's contacts, notes and webhooks APIs are not public, so this speaks
 * the conventional REST shape the Loop simulator documents and stays thin: paths, parameters and
 * payload shapes live here and in loop.schemas.ts, to be replaced when Loop publishes its API.
 */
class LoopAdapter extends ConnectedAdapter<Credentials, Settings, Host> implements CrmAdapter {
  readonly provider = 'loop' as const;

  async verifyConnection(): Promise<ConnectionCheck> {
    const team = await this.http.request('GET', 'v1/team');
    const parsedTeam = LoopTeamSchema.safeParse(team.body);
    if (!parsedTeam.success)
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        'Loop answered the team request with an unexpected body',
      );
    const contacts = await this.http.request('GET', 'v1/contacts', {
      query: { pageSize: 1, includeArchived: true },
    });
    return {
      accountLabel: parsedTeam.data.name ?? null,
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
  // Issue 13: replaced by the CRM's activity listing (in progress).
  // eslint-disable-next-line require-yield
  async *syncActivities(_window: SyncWindow): AsyncIterable<ActivityPage> {
    return;
  }

  async *syncContacts(
    window: SyncWindow,
    options: { signal?: AbortSignal } = {},
  ): AsyncIterable<ContactPage> {
    const until = new Date(window.modifiedTo).toISOString();
    const pages = pageByModifiedTime({
      window,
      pageSize: this.settings.pageSize,
      crowdedInstant: 'isolate',
      signal: options.signal,
      fetchPage: async ({ modifiedFrom, pageIndex, onlyAtModifiedFrom }) => {
        const response = await this.http.request('GET', 'v1/contacts', {
          query: {
            pageSize: this.settings.pageSize,
            page: pageIndex + 1,
            sort: 'updatedAt',
            includeArchived: true,
            updatedSince: modifiedFrom ?? undefined,
            updatedUntil: onlyAtModifiedFrom ? modifiedFrom! : until,
          },
        });
        const page = parsePage(response.body);
        return {
          records: page.results,
          isLast: page.results.length < this.settings.pageSize,
          total: page.totalCount ?? null,
        };
      },
      keyOf: (raw) => {
        const id = idOf(raw);
        const modifiedMs = Date.parse(updatedAtOf(raw) ?? '');
        return id === null || Number.isNaN(modifiedMs) ? null : { id, modifiedMs };
      },
    });
    for await (const page of pages) {
      const contacts: CanonicalContact[] = [];
      const rejected: ContactPage['rejected'] = [];
      for (const { record } of page.records) {
        const mapped = mapContact(record);
        if (mapped.ok) contacts.push(mapped.contact);
        else rejected.push({ externalId: idOf(record), reason: mapped.reason });
      }
      yield { contacts, rejected, checkpoint: page.checkpoint, estimatedTotal: page.total };
    }
  }

  async pushActivity(activity: OutboundActivity): Promise<PushResult> {
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
    const customFields =
      activity.kind === 'engagement_score'
        ? { propsyncEngagementScore: scoreOf(activity), propsyncEngagementScoredAt: activity.occurredAt }
        : { propsyncHotLead: true, propsyncHotLeadAt: activity.occurredAt };
    await this.http.request('PATCH', contactPath, { body: { customFields } });
    return { externalRef: activity.contactExternalId, etag: null };
  }

  /** Loop has no concurrency token: the change is applied as is (last write wins); `etag` is ignored. */
  async pushContact(change: ContactChange): Promise<PushResult> {
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

  async ingestWebhook(delivery: InboundWebhook): Promise<IngestedWebhook> {
    const messageId = verifyStandardWebhook(
      'Loop',
      this.webhookSecret,
      delivery,
      'reconnect Loop to register webhooks again',
    );
    const event = parseWebhookBody(
      'Loop',
      delivery.rawBody,
      LoopWebhookEventSchema,
      'a Loop event ({type, timestamp, data})',
    );
    const { type, timestamp, data } = event;
    const result = emptyIngested({
      // Standard Webhooks: the message id is unique per event and repeated on every retry of it.
      deliveryKey: messageId,
      eventType: type,
      occurredAt: occurredAtOf(timestamp, delivery.receivedAt),
    });
    const id = idOf(data);
    if (type === 'contact.created' || type === 'contact.updated') {
      const mapped = mapContact(data);
      if (mapped.ok) result.contacts.push(mapped.contact);
      else if (id !== null) result.contactIdsToFetch.push(id);
    } else if (type === 'contact.archived' || type === 'contact.deleted') {
      if (id !== null) result.removedContactIds.push(id);
    } else if (type.startsWith('appointment.') || type.startsWith('offer.')) {
      const activity = toActivity(type, data);
      if (activity !== null) result.activities.push(activity);
    } else {
      this.logger.debug({ eventType: type }, 'ignoring a Loop webhook event Propsync does not use');
    }
    return result;
  }

  async registerWebhooks(target: { url: string }): Promise<WebhookRegistration> {
    const response = await this.http.request('POST', 'v1/webhooks', {
      body: { url: target.url, events: WEBHOOK_EVENTS, description: 'Propsync' },
    });
    const subscription = LoopWebhookSubscriptionSchema.safeParse(response.body);
    if (!subscription.success || !subscription.data.secret) {
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        'Loop did not return the new webhook subscription and its signing secret',
      );
    }
    return { ids: [subscription.data.id], secret: subscription.data.secret, url: target.url };
  }

  async unregisterWebhooks(registration: WebhookRegistration): Promise<void> {
    await deleteWebhookSubscriptions(this.http, 'v1/webhooks', registration.ids);
  }
}

function parsePage(body: unknown) {
  const page = LoopPageSchema.safeParse(body);
  if (!page.success)
    throw new PropsyncError(
      'ADAPTER.BAD_RESPONSE',
      'Loop answered with an unexpected list shape (expected {results: […]})',
    );
  return page.data;
}

function parseContact(body: unknown): LoopContact {
  const contact = LoopContactSchema.safeParse(body);
  if (!contact.success)
    throw new PropsyncError('ADAPTER.BAD_RESPONSE', 'Loop answered with an unexpected contact shape');
  return contact.data;
}

/** Maps one raw record, or says why it cannot be (so it is reported, never dropped). */
function mapContact(raw: unknown): MappedContact {
  return mapToCanonical(raw, LoopContactSchema, toCanonicalContact, {
    unreadable: 'Loop contact did not match the expected shape',
    unmappable: 'Loop contact could not be mapped',
    whole: 'record',
  });
}

function toActivity(type: string, data: unknown): CanonicalActivity | null {
  const activity = type.startsWith('appointment.')
    ? mapWith(LoopAppointmentSchema, data, appointmentToActivity)
    : mapWith(LoopOfferSchema, data, offerToActivity);
  return activity !== null && CanonicalActivitySchema.safeParse(activity).success ? activity : null;
}

function mapWith<T>(
  schema: z.ZodType<T>,
  data: unknown,
  map: (value: T) => CanonicalActivity | null,
): CanonicalActivity | null {
  const parsed = schema.safeParse(data);
  return parsed.success ? map(parsed.data) : null;
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

export type { PageCheckpoint };
