import { z } from 'zod';
import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import { VIEWING_VALUATION_AND_OFFER_TYPES } from '../adapter-kit/activity-kinds.ts';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { PropsyncError } from '../../core/errors.ts';
import type {
  ContactChange,
  ContactPage,
  InboundWebhook,
  OutboundActivity,
  PushResult,
  SyncWindow,
} from '../../core/ports/crm-adapter.ts';
import { ConnectedAdapter, defineAdapter } from '../adapter-definition.ts';
import {
  CLIENT_CREDENTIAL_FIELDS,
  ClientCredentialShape,
  apiHostAsBaseUrl,
  pageSizeSetting,
} from '../adapter-kit/connection-settings.ts';
import { clientFormHeaders, type AccessGrant } from '../adapter-kit/credential-session.ts';
import { PageNumberTrail } from '../adapter-kit/cursor-trail.ts';
import { pageByModifiedTime } from '../adapter-kit/delta-pager.ts';
import { primaryPhoneAlternatives } from '../adapter-kit/contact-fields.ts';
import type { ProviderHttp } from '../adapter-kit/provider-http.ts';
import { propsyncMarker } from '../adapter-kit/write-back-markers.ts';
import { nurtureFieldValues, type NurtureFields } from '../adapter-kit/nurture-fields.ts';
import type { WebhookSubscriptionApi } from '../adapter-kit/webhook-subscriptions.ts';
import { syncReapitActivities } from './reapit-activities.ts';
import { ReapitWebhookReceiver } from './reapit.webhooks.ts';
import { toCanonicalContact, toReapitPatch } from './reapit.mapper.ts';
import {
  ReapitApplicantSchema,
  ReapitContactSchema,
  type ReapitContact,
  ReapitPageSchema,
  ReapitTokenSchema,
  isLastPage,
} from './reapit.schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/** The registry's entry for reapit (limits and capabilities: docs/crms/reapit.md). */
export const REAPIT_INFO = {
  id: 'reapit',
  displayName: 'Reapit',
  vendor: 'Reapit Ltd',
  authKind: 'oauth_client_credentials',
  rateLimits: { requests: 20, windowSeconds: 1, maxConcurrent: 5, perDay: 250_000 },
  rateLimitsDocumented: true,
  pagingStyle: 'page_number',
  capabilities: {
    webhooks: true,
    etags: true,
    writeBack: 'journal entries and contact metadata',
    activities: {
      polledTypes: VIEWING_VALUATION_AND_OFFER_TYPES,
      webhooks: true,
      kinds: 'viewings, valuations and offers',
    },
  },
  connectFields: {
    credentials: CLIENT_CREDENTIAL_FIELDS,
    settings: [
      {
        name: 'customerId',
        label: 'Customer id',
        required: true,
        hint: 'Your Reapit customer code, e.g. SBOX.',
      },
    ],
  },
} as const satisfies ProviderInfo;

const API_VERSION = '2020-01-31';
/** Reapit's largest page: applicants read by id in one request per 100. */
const APPLICANTS_PER_REQUEST = 100;
/** The journal entry type Propsync writes for an email sent. */
const JOURNAL_TYPE_EMAIL = 'EM';
/** Reapit's largest page. */
const JOURNAL_PAGE_SIZE = 100;
const JOURNAL_CLOCK_MARGIN_MS = 24 * 3_600_000;
/** The app metadata keys Propsync's nurture values live in. */
const NURTURE_METADATA: NurtureFields = {
  score: ['propsyncEngagementScore', 'propsyncScoredAt'],
  hotLead: ['propsyncHotLead', 'propsyncHotLeadAt'],
};
/** Read-modify-write rounds of one metadata write before the 412 is left to the write-back retries. */
const METADATA_WRITE_ATTEMPTS = 3;

/**
 * Contacts, and activities created or changed: `.modified` carries a viewing marked attended or an
 * offer accepted, the stage the `.created` notification could not know yet.
 */
export const REAPIT_WEBHOOK_TOPICS = [
  'contacts.created',
  'contacts.modified',
  'appointments.created',
  'appointments.modified',
  'offers.created',
  'offers.modified',
];

const CredentialsSchema = z.object({
  ...ClientCredentialShape,
  /**
   * Present when an admin signed in through Reapit Connect (OAuth redirect): the refresh token of
   * that sign-in. Reapit rotates it on every use; the latest one lives in the shared access grant.
   */
  refreshToken: z.string().min(1).optional(),
});
type Credentials = z.infer<typeof CredentialsSchema>;

const SettingsSchema = z.object({
  /** Required: a missing id must never connect a customer's credentials to the sandbox (SBOX). */
  customerId: z
    .string({ error: 'customer id is required (your Reapit customer code, e.g. SBOX)' })
    .trim()
    .min(1, 'customer id is required (your Reapit customer code, e.g. SBOX)'),
  /** Contacts per page (Reapit allows 1–100); smaller pages only for tests and debugging. */
  pageSize: pageSizeSetting(100),
});
type Settings = z.infer<typeof SettingsSchema>;

export const reapitAdapter = defineAdapter({
  info: REAPIT_INFO,
  /**
   * Reapit's two public hosts: the Foundations API, and Reapit Connect, the authorisation server
   * (authorize, token and revoke endpoints). Operator configuration (`PROPSYNC_REAPIT_API_URL`,
   * `PROPSYNC_REAPIT_CONNECT_URL`), never the admin's form.
   */
  hosts: { api: 'https://platform.reapit.cloud', connect: 'https://connect.reapit.cloud' },
  credentialsSchema: CredentialsSchema,
  // docs/crms/reapit.md: three phone fields, read in this order (the admin may choose the primary one).
  fieldAlternatives: primaryPhoneAlternatives('mobilePhone', 'homePhone', 'workPhone'),
  settingsSchema: SettingsSchema,
  baseUrl: apiHostAsBaseUrl,
  // docs/crms/reapit.md: Reapit counts its limits per customer, whichever connection calls it.
  budgetAccount: (settings) => `customer:${settings.customerId.toUpperCase()}`,
  async authenticate(http, credentials, _settings, previous, hosts) {
    if (credentials.refreshToken === undefined) {
      return requestToken(http, credentials, hosts, { grant_type: 'client_credentials' });
    }
    // The newest refresh token is the previous grant's: the stored one was spent on the first refresh.
    const refreshToken = previous?.refreshToken ?? credentials.refreshToken;
    return requestToken(http, credentials, hosts, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
  },
  oauth: {
    adminSettings: ['customerId'],
    authorizeUrl(_settings, request, hosts) {
      const url = new URL(`${hosts.connect}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: request.clientId,
        redirect_uri: request.redirectUri,
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
      }).toString();
      return url.toString();
    },
    async exchangeCode(http, app, _settings, { code, redirectUri, codeVerifier }, hosts) {
      const credentials = { clientId: app.clientId, clientSecret: app.clientSecret };
      const grant = await requestToken(http, credentials, hosts, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
      });
      if (!grant.refreshToken) {
        throw new PropsyncError(
          'ADAPTER.BAD_RESPONSE',
          'Reapit Connect answered the sign-in without a refresh token',
        );
      }
      return { ...credentials, refreshToken: grant.refreshToken };
    },
  },
  /**
   * Revokes at Reapit Connect (RFC 7009): a sign-in's refresh token (which ends every token of that
   * sign-in), or the client-credentials access token Propsync holds.
   */
  async revokeAccess(http, credentials, _settings, grant, hosts) {
    const signedIn = credentials.refreshToken !== undefined;
    const [token, hint] = signedIn
      ? [grant?.refreshToken ?? credentials.refreshToken, 'refresh_token']
      : [grant?.accessToken, 'access_token'];
    // Client credentials: the app's id and secret are the agency's, to delete in Reapit.
    const achieved = signedIn ? 'all_access' : 'token_only';
    if (!token) return achieved;
    await http.request('POST', `${hosts.connect}/revoke`, {
      headers: clientFormHeaders(credentials),
      body: new URLSearchParams({ token, token_type_hint: hint }).toString(),
    });
    return achieved;
  },
  authorise: (grant, _credentials, settings) => ({
    ...(grant ? { authorization: `Bearer ${grant.accessToken}` } : {}),
    'api-version': API_VERSION,
    'reapit-customer': settings.customerId,
  }),
  create: (context) => new ReapitAdapter(context),
});

/** OAuth errors of a token request that mean the client's id or secret was refused. */
const CLIENT_REFUSED = new Set(['invalid_client', 'unauthorized_client', 'access_denied']);

function oauthErrorOf(body: unknown): string | null {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  return typeof error === 'string' ? error : null;
}

/** One request to Reapit Connect's token endpoint (client authenticated by HTTP Basic). */
async function requestToken(
  http: ProviderHttp,
  credentials: Pick<Credentials, 'clientId' | 'clientSecret'>,
  hosts: { connect: string },
  form: Record<string, string>,
): Promise<AccessGrant> {
  const url = `${hosts.connect}/token`;
  const response = await http.request('POST', url, {
    headers: clientFormHeaders(credentials),
    body: new URLSearchParams({ ...form, client_id: credentials.clientId }).toString(),
    acceptStatuses: [400],
  });
  const { body } = response;
  if (response.status === 400) {
    const cause = http.statusError(400, response.headers, body);
    // invalid_grant: a sign-in revoked, expired or already used (its code or refresh token spent).
    if (form.grant_type !== 'client_credentials') {
      throw new PropsyncError(
        'ADAPTER.AUTH_INVALID',
        'Reapit did not accept the sign-in (revoked, expired or already used): reconnect Reapit and sign in again',
        { statusCode: 400, cause },
      );
    }
    // A wrong client id or secret: RFC 6749 (5.2) answers it 400 invalid_client unless the server
    // chooses 401; Reapit Connect does not say which, so both are a credentials problem.
    if (CLIENT_REFUSED.has(oauthErrorOf(body) ?? '')) {
      throw new PropsyncError(
        'ADAPTER.AUTH_INVALID',
        'Reapit did not accept the client id and secret: check them in the Reapit developer portal and reconnect',
        { statusCode: 400, cause },
      );
    }
    throw cause;
  }
  const token = expectAnswer(
    ReapitTokenSchema,
    body,
    'Reapit answered the token request with an unexpected body',
  );
  return {
    accessToken: token.access_token,
    expiresAt: Date.now() + token.expires_in * 1000,
    refreshToken: token.refresh_token ?? null,
  };
}

/** Reapit's resthooks: the id is in the `Location` of the answer; deliveries are signed with Reapit's keys, not a secret. */
const WEBHOOK_SUBSCRIPTIONS: WebhookSubscriptionApi = {
  collection: 'resthooks',
  request: (url) => ({
    body: { url, topicIds: REAPIT_WEBHOOK_TOPICS, active: true, ignoreEtagOnlyChanges: true },
  }),
  created(response) {
    const location = response.headers.get('location') ?? '';
    const id = location.split('/').filter(Boolean).at(-1) ?? idOf(response.body);
    return id ? { id, secret: null } : null;
  },
  notCreated: 'Reapit did not say which webhook subscription it created',
};

class ReapitAdapter extends ConnectedAdapter<Credentials, Settings> {
  protected readonly webhookSubscriptions = WEBHOOK_SUBSCRIPTIONS;
  readonly #webhooks = new ReapitWebhookReceiver(
    this.http,
    this.credentials.clientId,
    this.settings.customerId,
  );

  async verifyConnection() {
    const response = await this.http.request('GET', 'contacts/', { query: { pageSize: 1 } });
    const page = parsePage(response.body);
    return { accountLabel: null, contactCount: page.totalCount ?? null };
  }

  /** Appointments, then offers, changed inside the window (reapit-activities.ts). */
  syncActivities(window: SyncWindow, options?: { signal?: AbortSignal }) {
    return syncReapitActivities(this.http, window, this.settings.pageSize, options?.signal);
  }

  /**
   * Keyset paging over `sortBy=modified` (adapter-kit/delta-pager.ts): each page restarts from the
   * last modification time handed out, so records edited while we page (and so moved past the
   * window's end) never shift unseen records onto pages already read.
   */
  async *syncContacts(window: SyncWindow) {
    const resumed = window.resumeAfter?.idsAtModifiedAt.length ?? 0;
    const pages = pageByModifiedTime({
      window,
      pageSize: this.settings.pageSize,
      listing: "Reapit's contact list",
      fetchPage: async ({ modifiedFrom, pageIndex }) => {
        const response = await this.http.request('GET', 'contacts/', {
          query: {
            pageSize: this.settings.pageSize,
            pageNumber: pageIndex + 1,
            sortBy: 'modified',
            modifiedFrom,
            modifiedTo: window.modifiedTo,
            embed: 'relationships',
          },
        });
        const page = parsePage(response.body);
        return {
          records: page._embedded.map((raw) => ({ raw, parsed: ReapitContactSchema.safeParse(raw) })),
          isLast: isLastPage(page, pageIndex + 1, this.settings.pageSize),
          total: page.totalCount ?? null,
        };
      },
      keyOf: ({ parsed }) => {
        const modifiedMs = parsed.success ? parseCrmTime(parsed.data.modified) : Number.NaN;
        return parsed.success && !Number.isNaN(modifiedMs) ? { id: parsed.data.id, modifiedMs } : null;
      },
    });
    for await (const page of pages) {
      const rejected: ContactPage['rejected'] = [];
      const kept: ReapitContact[] = [];
      for (const { record } of page.records) {
        if (record.parsed.success) kept.push(record.parsed.data);
        else
          rejected.push({
            externalId: idOf(record.raw),
            reason: `Reapit contact did not match the expected shape: ${record.parsed.error.issues[0]?.message}`,
          });
      }
      const marketingModes = await this.#marketingModes(kept);
      const contacts = kept.map((contact) =>
        toCanonicalContact(contact, marketingModes, this.fieldChoices.phones),
      );
      yield { contacts, rejected, checkpoint: page.checkpoint, estimatedTotal: (page.total ?? 0) + resumed };
    }
  }

  /**
   * Whether each applicant role of these contacts buys or rents: Reapit keeps `marketingMode` on the
   * ApplicantModel, not on the contact's role, so the page's applicants are read by id, 100 at a time.
   */
  async #marketingModes(contacts: ReapitContact[]): Promise<Map<string, string | null>> {
    const ids = new Set<string>();
    for (const contact of contacts) {
      for (const role of contact.relationships ?? []) {
        if (
          role.associatedType.toLowerCase() === 'applicant' &&
          role.associatedId &&
          role.fromArchive !== true
        )
          ids.add(role.associatedId);
      }
    }
    const modes = new Map<string, string | null>();
    const all = [...ids];
    for (let start = 0; start < all.length; start += APPLICANTS_PER_REQUEST) {
      const batch = all.slice(start, start + APPLICANTS_PER_REQUEST);
      const response = await this.http.request('GET', 'applicants/', {
        query: { id: batch, pageSize: APPLICANTS_PER_REQUEST },
      });
      for (const raw of parsePage(response.body)._embedded) {
        const applicant = ReapitApplicantSchema.safeParse(raw);
        if (applicant.success) modes.set(applicant.data.id, applicant.data.marketingMode ?? null);
      }
    }
    return modes;
  }

  async pushActivity(activity: OutboundActivity) {
    if (activity.kind === 'email_sent') {
      const marker = propsyncMarker(activity.idempotencyKey);
      // Reapit has no idempotency key: look for our marker first so a retried write is not doubled.
      const found = await this.#findJournalEntry(activity, marker);
      if (found) return { externalRef: marker, etag: null };
      await this.http.request('POST', 'journalEntries', {
        body: {
          typeId: JOURNAL_TYPE_EMAIL,
          associatedType: 'contact',
          associatedId: activity.contactExternalId,
          description: `${activity.summary} ${marker}`,
        },
      });
      return { externalRef: marker, etag: null };
    }
    // Scores and hot-lead flags live in the contact's app metadata, next to keys others own.
    const ours = nurtureFieldValues(activity, NURTURE_METADATA, () => activity.details.score);
    return this.#patchWithFreshEtag(activity.contactExternalId, {}, ours);
  }

  /**
   * Whether an earlier write of this entry landed (its answer may have been lost). Reapit documents
   * neither the default order nor a stable page size of `GET /journalEntries`, so the search is
   * narrowed to what we write (the contact, type EM, created since shortly before the email) and
   * read to its last page; newest first, so the usual retry stops at the first page.
   */
  async #findJournalEntry(activity: OutboundActivity, marker: string): Promise<boolean> {
    const occurredMs = Date.parse(activity.occurredAt);
    // Our entry was created after the email was sent; the margin absorbs clock differences. A time
    // in the future says nothing, so then the whole history is searched.
    const createdFrom =
      Number.isFinite(occurredMs) && occurredMs <= Date.now()
        ? new Date(occurredMs - JOURNAL_CLOCK_MARGIN_MS).toISOString()
        : undefined;
    const trail = new PageNumberTrail("Reapit's journal entries list");
    for (let pageNumber = 1; ; pageNumber++) {
      const response = await this.http.request('GET', 'journalEntries', {
        query: {
          associatedType: 'contact',
          associatedId: activity.contactExternalId,
          typeId: JOURNAL_TYPE_EMAIL,
          ...(createdFrom ? { createdFrom } : {}),
          sortBy: '-created',
          pageSize: JOURNAL_PAGE_SIZE,
          pageNumber,
        },
      });
      const page = parsePage(response.body);
      const entries = page._embedded as Array<{ description?: unknown }>;
      trail.read(pageNumber, entries);
      if (
        entries.some((entry) => typeof entry.description === 'string' && entry.description.includes(marker))
      )
        return true;
      if (entries.length === 0 || isLastPage(page, pageNumber, JOURNAL_PAGE_SIZE)) return false;
    }
  }

  async pushContact(change: ContactChange) {
    const body = toReapitPatch(change.fields, this.fieldChoices.phones);
    // Metadata is re-sent whole (see #patchWithFreshEtag), so it needs the current version.
    if (!change.etag || change.metadata)
      return this.#patchWithFreshEtag(change.externalId, body, change.metadata, change.etag);
    const response = await this.http.request('PATCH', `contacts/${encodeURIComponent(change.externalId)}`, {
      headers: { 'if-match': quotedEtag(change.etag) },
      body,
    });
    return { externalRef: change.externalId, etag: response.headers.get('etag') };
  }

  ingestWebhook(delivery: InboundWebhook) {
    return this.#webhooks.ingest(delivery);
  }

  /**
   * One read-modify-write under `If-Match`. Reapit does not document whether a PATCH merges app
   * `metadata` or replaces it, so the whole object is sent: the stored keys (other apps', and
   * Propsync's other writes such as the hot-lead flag beside the score) with ours laid over them.
   * A 412 means someone wrote in between: read again and re-apply, a few times.
   * `expectedEtag`: the caller's concurrency token; a contact changed since then is a 412 for it.
   */
  async #patchWithFreshEtag(
    externalId: string,
    body: Record<string, unknown>,
    metadata?: Record<string, unknown>,
    expectedEtag?: string | null,
  ): Promise<PushResult> {
    const path = `contacts/${encodeURIComponent(externalId)}`;
    for (let attempt = 1; ; attempt++) {
      const current = await this.http.request('GET', path);
      const contact = ReapitContactSchema.parse(current.body);
      const etag = contact._eTag ?? current.headers.get('etag');
      if (!etag) throw new PropsyncError('ADAPTER.BAD_RESPONSE', 'Reapit returned a contact without an eTag');
      if (expectedEtag && quotedEtag(expectedEtag) !== quotedEtag(etag)) {
        throw new PropsyncError('ADAPTER.PRECONDITION_FAILED', 'Reapit contact changed since it was read', {
          statusCode: 412,
        });
      }
      const patch = metadata ? { ...body, metadata: { ...(contact.metadata ?? {}), ...metadata } } : body;
      try {
        const response = await this.http.request('PATCH', path, {
          headers: { 'if-match': quotedEtag(etag) },
          body: patch,
        });
        return { externalRef: externalId, etag: response.headers.get('etag') };
      } catch (error) {
        const stale = error instanceof PropsyncError && error.code === 'ADAPTER.PRECONDITION_FAILED';
        if (!stale || expectedEtag || attempt >= METADATA_WRITE_ATTEMPTS) throw error;
      }
    }
  }
}

/**
 * The eTag as If-Match takes it, in quotes (Reapit's Troubleshooting page: "The Etag should be provided
 * in quotation marks"). `_eTag` is read as sent, quotes included; one that comes without them (the
 * public record shows only the header's form) is quoted here rather than sent bare and refused.
 */
function quotedEtag(etag: string): string {
  return /^(W\/)?".*"$/.test(etag) ? etag : `"${etag}"`;
}

function parsePage(body: unknown) {
  return expectAnswer(ReapitPageSchema, body, 'Reapit answered with an unexpected page shape');
}

function idOf(raw: unknown): string | null {
  return raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
    ? (raw as { id: string }).id
    : null;
}
