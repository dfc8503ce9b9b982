import { z } from 'zod';
import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { PropsyncError } from '../../core/errors.ts';
import {
  clearsHotLead,
  type ContactChange,
  type ContactPage,
  type InboundWebhook,
  type OutboundActivity,
  type PushResult,
  type SyncWindow,
  type WebhookRegistration,
} from '../../core/ports/crm-adapter.ts';
import { ConnectedAdapter, defineAdapter } from '../adapter-definition.ts';
import {
  ASSUMED_RATE_LIMITS,
  CLIENT_CREDENTIAL_FIELDS,
  ClientCredentialShape,
  apiHostAsBaseUrl,
  pageSizeSetting,
} from '../adapter-kit/connection-settings.ts';
import { clientFormHeaders } from '../adapter-kit/credential-session.ts';
import { CursorTrail } from '../adapter-kit/cursor-trail.ts';
import { DeltaPosition } from '../adapter-kit/delta-pager.ts';
import { ENGAGEMENT_SCORE_MARKER, propsyncMarker } from '../adapter-kit/write-back-markers.ts';
import { signedSubscription, type WebhookSubscriptionApi } from '../adapter-kit/webhook-subscriptions.ts';
import { ALTO_POLLED_ACTIVITY_TYPES } from './alto.activities.ts';
import { syncAltoActivities } from './alto.activities.ts';
import { AltoWebhookReceiver } from './alto.webhooks.ts';
import {
  parseAltoTime,
  rawIdOf,
  toCanonicalContact,
  toPersonPatch,
  toPreferencesRequest,
  type AltoContactRecord,
} from './alto.mapper.ts';
import {
  AltoContactBatchSchema,
  AltoContactListItemSchema,
  AltoContactSchema,
  AltoCreatedIdSchema,
  AltoFileNoteListSchema,
  AltoPageSchema,
  AltoPreferencesSchema,
  AltoSubscriptionSchema,
  AltoTokenSchema,
  type AltoContact,
  type AltoContactListItem,
  type AltoFileNote,
  type AltoPreferences,
} from './alto.schemas.ts';

/** The registry's entry for alto (limits and capabilities: docs/crms/alto.md). */
export const ALTO_INFO = {
  id: 'alto',
  displayName: 'Alto',
  vendor: 'Zoopla Property Group',
  authKind: 'oauth_client_credentials',
  rateLimits: ASSUMED_RATE_LIMITS,
  rateLimitsDocumented: false,
  pagingStyle: 'next_token',
  capabilities: {
    webhooks: true,
    etags: false,
    writeBack: 'file notes',
    activities: {
      polledTypes: ALTO_POLLED_ACTIVITY_TYPES,
      webhooks: true,
      kinds:
        "valuations polled; viewings and offers by webhook only (Alto's API does not list them by change)",
    },
  },
  connectFields: {
    credentials: [
      ...CLIENT_CREDENTIAL_FIELDS,
      {
        name: 'webhookSecret',
        label: 'Webhook secret',
        secret: true,
        hint: 'Only when Alto Connect support set up your webhooks: the shared secret they gave you',
      },
    ],
    settings: [{ name: 'agencyRef', label: 'Agency reference', required: true }],
  },
  webhooksByHand:
    "ask Alto Connect support to send this agency's Contact, Appointment and Offer webhooks to Propsync, then reconnect with the shared secret they give you as the webhook secret",
} as const satisfies ProviderInfo;

/** `GET /contacts?id=…` takes at most 50 ids. */
const MAX_IDS_PER_BATCH = 50;
const WEBHOOK_EVENT_TYPES = [
  'Contact.Created',
  'Contact.Modified',
  'Appointment.Created',
  'Appointment.Modified',
  'Offer.Created',
  'Offer.Modified',
  'Offer.Accepted',
  'Offer.Withdrawn',
];
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

const CredentialsSchema = z.object({
  ...ClientCredentialShape,
  /** The shared secret of a subscription Alto Connect support set up by hand; blank when Propsync registers its own. */
  webhookSecret: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || undefined),
});
type Credentials = z.infer<typeof CredentialsSchema>;

const SettingsSchema = z.object({
  /** The agency's GUID in Alto, sent as `AgencyRef` on every call. */
  agencyRef: z.string().trim().min(1, 'the AgencyRef is required'),
  /** Contacts per page (Alto allows 1–250); smaller pages only for tests and debugging. */
  pageSize: pageSizeSetting(250, 100),
  /**
   * Read each synced contact's consent preferences (one extra request per contact: Alto's contact
   * shapes carry no consent). Off by default because at Alto's 10 requests a second it multiplies
   * an import's duration; without it synced consent is "not asked".
   */
  readMarketingConsent: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
    .default(false),
});
type Settings = z.infer<typeof SettingsSchema>;

export const altoAdapter = defineAdapter({
  info: ALTO_INFO,
  /**
   * Alto's API and its token endpoint: operator configuration (`PROPSYNC_ALTO_API_URL`,
   * `PROPSYNC_ALTO_TOKEN_URL`), never the admin's form. Alto's public record does not name a
   * separate authorisation host, so the token endpoint defaults to `/token` on the API host; a
   * deployment Alto tells otherwise sets `PROPSYNC_ALTO_TOKEN_URL` (docs/crms/alto.md).
   */
  hosts: { api: 'https://api.alto.zoopla.co.uk', token: 'https://api.alto.zoopla.co.uk/token' },
  credentialsSchema: CredentialsSchema,
  settingsSchema: SettingsSchema,
  baseUrl: apiHostAsBaseUrl,
  async authenticate(http, credentials, _settings, _previous, hosts) {
    const response = await http.request('POST', hosts.token, {
      headers: clientFormHeaders(credentials),
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    const token = expectAnswer(
      AltoTokenSchema,
      response.body,
      'Alto answered the token request with an unexpected body',
    );
    return { accessToken: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 };
  },
  /**
   * Revokes the access token Propsync holds (RFC 7009 at `/revoke`, next to `/token`: the public
   * record is silent, see the simulator's README). The app's credentials are the agency's to delete.
   */
  async revokeAccess(http, credentials, _settings, grant, hosts) {
    if (!grant) return 'token_only';
    await http.request('POST', new URL('revoke', hosts.token).toString(), {
      headers: clientFormHeaders(credentials),
      body: new URLSearchParams({ token: grant.accessToken, token_type_hint: 'access_token' }).toString(),
    });
    return 'token_only';
  },
  authorise: (grant, _credentials, settings) => ({
    ...(grant ? { authorization: `Bearer ${grant.accessToken}` } : {}),
    AgencyRef: settings.agencyRef,
  }),
  create: (context) => new AltoAdapter(context),
});

/** Subscriptions are per integration and agency; Alto generates the shared secret and shows it once. */
const WEBHOOK_SUBSCRIPTIONS: WebhookSubscriptionApi = {
  collection: 'webhooks/subscriptions',
  request: (url) => ({ body: { url, eventTypes: WEBHOOK_EVENT_TYPES } }),
  created: signedSubscription(AltoSubscriptionSchema, (subscription) => subscription),
  notCreated: 'Alto did not return the webhook subscription and its secret',
};

class AltoAdapter extends ConnectedAdapter<Credentials, Settings> {
  protected readonly webhookSubscriptions = WEBHOOK_SUBSCRIPTIONS;
  readonly #webhooks = new AltoWebhookReceiver(this.http, this.settings.agencyRef, this.webhookSecret);

  /**
   * Alto's public record documents no subscription endpoint: its support sets webhooks up by hand
   * and gives the agency the shared secret, which the admin enters with the credentials. Then there
   * is nothing to register. Otherwise Propsync registers through `POST /webhooks/subscriptions`
   * (assumed; docs/crms/alto.md), and a refusal raises an alert saying how to ask Alto instead.
   */
  override registerWebhooks(target: { url: string }): Promise<WebhookRegistration> {
    const secret = this.credentials.webhookSecret;
    if (secret) return Promise.resolve({ ids: [], secret, url: target.url });
    return super.registerWebhooks(target);
  }

  /** Alto reports neither an account name nor a total count. */
  async verifyConnection() {
    const response = await this.http.request('GET', 'contacts/all', { query: { 'max-results': 1 } });
    parsePage(response.body);
    return { accountLabel: null, contactCount: null };
  }

  /** Valuations created inside the window; viewings and offers come by webhook (alto.activities.ts). */
  syncActivities(window: SyncWindow, options?: { signal?: AbortSignal }) {
    return syncAltoActivities(this.http, window, this.settings.pageSize, options?.signal);
  }

  /**
   * `GET /contacts/all` lists oldest modification first and pages by `next-token`. The checkpoint
   * is the last modification time seen and the ids seen at it: resuming asks again from that time
   * (inclusive) and skips those ids, so nothing repeats and nothing is skipped.
   */
  async *syncContacts(window: SyncWindow) {
    const modifiedFrom = window.resumeAfter?.modifiedAt ?? window.modifiedFrom;
    const position = DeltaPosition.start(window);
    const trail = new CursorTrail("Alto's contact list (next-token)");
    let nextToken: string | null = null;
    do {
      const response = await this.http.request('GET', 'contacts/all', {
        query: {
          'max-results': this.settings.pageSize,
          'modified-from': modifiedFrom,
          'modified-to': window.modifiedTo,
          'next-token': nextToken,
        },
      });
      const page = parsePage(response.body);
      const rejected: ContactPage['rejected'] = [];
      const listed: AltoContactListItem[] = [];
      for (const raw of page.items ?? []) {
        const parsed = AltoContactListItemSchema.safeParse(raw);
        const modifiedMs = parsed.success ? parseAltoTime(parsed.data.modifiedAt) : Number.NaN;
        if (!parsed.success || Number.isNaN(modifiedMs)) {
          const reason = parsed.success
            ? `unreadable modifiedAt "${parsed.data.modifiedAt}"`
            : parsed.error.issues[0]?.message;
          rejected.push({
            externalId: rawIdOf(raw),
            reason: `Alto contact did not match the expected shape: ${reason}`,
          });
          continue;
        }
        const key = { id: parsed.data.id, modifiedMs };
        if (position.handedOut(key)) continue;
        position.advance(key);
        listed.push(parsed.data);
      }
      const contacts: ContactPage['contacts'] = [];
      for (const record of await this.#enrich(listed)) {
        try {
          contacts.push(toCanonicalContact(record));
        } catch (error) {
          rejected.push({
            externalId: record.listItem.id,
            reason: `Alto contact could not be mapped: ${(error as Error).message}`,
          });
        }
      }
      yield { contacts, rejected, checkpoint: position.checkpoint(), estimatedTotal: null };
      nextToken = trail.follow(page.meta?.nextToken);
    } while (nextToken);
  }

  /** Full contacts (address, every phone and email) in batches of 50, and consent when asked to. */
  async #enrich(listed: AltoContactListItem[]): Promise<AltoContactRecord[]> {
    const full = new Map<string, AltoContact>();
    for (let start = 0; start < listed.length; start += MAX_IDS_PER_BATCH) {
      const ids = listed.slice(start, start + MAX_IDS_PER_BATCH).map((item) => item.id);
      const response = await this.http.request('GET', 'contacts', { query: { id: ids } });
      const batch = expectAnswer(
        AltoContactBatchSchema,
        response.body,
        'Alto answered a contact batch with an unexpected shape',
      );
      for (const raw of batch) {
        const contact = AltoContactSchema.safeParse(raw);
        // A full record that does not parse still leaves the list item to map from.
        if (contact.success) full.set(contact.data.id, contact.data);
      }
    }
    const preferences = this.settings.readMarketingConsent
      ? await Promise.all(listed.map((item) => this.#preferences(item.id)))
      : listed.map(() => null);
    return listed.map((listItem, i) => ({
      listItem,
      contact: full.get(listItem.id) ?? null,
      preferences: preferences[i] ?? null,
    }));
  }

  async #preferences(contactId: string): Promise<AltoPreferences | null> {
    const response = await this.http.request('GET', `contacts/${encodeURIComponent(contactId)}/preferences`, {
      acceptStatuses: [404],
    });
    if (response.status === 404) return null;
    const parsed = AltoPreferencesSchema.safeParse(response.body);
    return parsed.success ? parsed.data : null;
  }

  /**
   * Alto has no idempotency key and no custom fields on contacts, so every outcome is a file note
   * carrying a `[propsync:<key>]` marker, looked up before writing. Emails sent and hot-lead flags
   * (with their timestamp) get one note each; the engagement score keeps one note per contact that
   * each newer score replaces.
   */
  async pushActivity(activity: OutboundActivity) {
    const marker = propsyncMarker(activity.idempotencyKey);
    const notes = await this.#fileNotes(activity.contactExternalId);
    const already = notes.find((note) => note.notes?.includes(marker));
    if (already) return { externalRef: already.id, etag: null };
    if (activity.kind === 'engagement_score') return this.#writeScore(activity, notes, marker);
    const isEmail = activity.kind === 'email_sent';
    const cleared = clearsHotLead(activity);
    const text = isEmail
      ? `${activity.summary} ${marker}`
      : cleared
        ? `Hot lead cleared by Propsync at ${activity.occurredAt}: ${activity.summary} ${marker}`
        : `Hot lead flagged by Propsync at ${activity.occurredAt}: ${activity.summary} ${marker}`;
    return this.#createFileNote(activity.contactExternalId, {
      title: isEmail
        ? 'Propsync nurture email sent'
        : cleared
          ? 'Propsync hot lead cleared'
          : 'Propsync hot lead',
      notes: text,
      fileNoteType: isEmail ? 'EMail' : 'FileNote',
      updateLastContactedDate: isEmail,
    });
  }

  async #writeScore(activity: OutboundActivity, notes: AltoFileNote[], marker: string): Promise<PushResult> {
    const score = activity.details.score ?? activity.summary;
    const text = `Propsync engagement score: ${String(score)} (as of ${activity.occurredAt}). ${ENGAGEMENT_SCORE_MARKER} ${marker}`;
    const existing = notes.find((note) => note.notes?.includes(ENGAGEMENT_SCORE_MARKER));
    if (!existing) {
      return this.#createFileNote(activity.contactExternalId, {
        title: 'Propsync engagement score',
        notes: text,
        fileNoteType: 'FileNote',
      });
    }
    // A score computed earlier than the one already written (a late retry) must not replace it.
    const writtenAt = Date.parse(existing.notes?.match(/\(as of ([^)]+)\)/)?.[1] ?? '');
    if (writtenAt > Date.parse(activity.occurredAt)) return { externalRef: existing.id, etag: null };
    await this.http.request('PATCH', `file-notes/${encodeURIComponent(existing.id)}`, {
      headers: JSON_PATCH,
      body: [{ op: 'replace', path: '/notes', value: text }],
    });
    return { externalRef: existing.id, etag: null };
  }

  async #fileNotes(contactId: string): Promise<AltoFileNote[]> {
    const response = await this.http.request('GET', 'file-notes/search', {
      query: { 'contact-id': contactId },
    });
    return expectAnswer(
      AltoFileNoteListSchema,
      response.body,
      'Alto answered a file-note search with an unexpected shape',
    );
  }

  async #createFileNote(
    contactId: string,
    note: { title: string; notes: string; fileNoteType: string; updateLastContactedDate?: boolean },
  ): Promise<PushResult> {
    const response = await this.http.request('POST', 'file-notes', {
      body: { contactIds: [contactId], updateLastContactedDate: false, ...note },
    });
    const id = AltoCreatedIdSchema.safeParse(response.body);
    return { externalRef: id.success ? id.data : null, etag: null };
  }

  /**
   * Alto has no ETags: the change is applied to the contact's lead person with a JSON Patch (read
   * first, so existing phone types and email formatting survive), and consent through the
   * preferences endpoint. Alto contacts have no free metadata, so `metadata` is not written.
   */
  async pushContact(change: ContactChange) {
    const path = `contacts/${encodeURIComponent(change.externalId)}`;
    const { marketingConsent, ...personFields } = change.fields;
    if (Object.keys(personFields).length > 0) {
      const current = expectAnswer(
        AltoContactSchema,
        (await this.http.request('GET', path)).body,
        'Alto answered with an unexpected contact shape',
      );
      const lead = current.people?.[0];
      if (!lead?.id)
        throw new PropsyncError(
          'ADAPTER.VALIDATION',
          `Alto contact ${change.externalId} has no person to update`,
        );
      const operations = toPersonPatch(personFields, lead);
      if ((personFields.emails?.length ?? 0) > 2 || (personFields.phones?.length ?? 0) > 4) {
        this.logger.warn(
          { externalId: change.externalId },
          'Alto keeps at most 2 emails and 4 phones per person: extra values not written',
        );
      }
      await this.http.request('PATCH', `${path}/persons/${encodeURIComponent(lead.id)}`, {
        headers: JSON_PATCH,
        body: operations,
      });
    }
    const preferences = marketingConsent === undefined ? null : toPreferencesRequest(marketingConsent);
    if (preferences) await this.http.request('POST', `${path}/preferences`, { body: preferences });
    if (change.metadata && Object.keys(change.metadata).length > 0) {
      this.logger.warn(
        { externalId: change.externalId },
        'Alto contacts have no metadata field: metadata not written',
      );
    }
    return { externalRef: change.externalId, etag: null };
  }

  /**
   * CloudEvents carry no snapshot: contact events return the id to fetch; appointment and offer
   * events are fetched (alto.webhooks.ts) and become engagement signals.
   */
  ingestWebhook(delivery: InboundWebhook) {
    return this.#webhooks.ingest(delivery);
  }
}

function parsePage(body: unknown) {
  return expectAnswer(AltoPageSchema, body, 'Alto answered with an unexpected page shape');
}
