import { createHash, createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { PropsyncError } from '../../errors.ts';
import type {
  ContactPage,
  CrmAdapter,
  IngestedWebhook,
  InboundWebhook,
  PageCheckpoint,
  PushResult,
  SyncWindow,
  WebhookRegistration,
} from '../../ports/crm-adapter.ts';
import { defineAdapter, type AdapterContext } from '../adapter-definition.ts';
import type { AccessGrant } from '../shared/credential-session.ts';
import type { ProviderHttp } from '../shared/provider-http.ts';
import { toCanonicalContact, toReapitActivities, toReapitPatch } from './reapit.mapper.ts';
import {
  ReapitContactSchema,
  ReapitPageSchema,
  ReapitSigningKeysSchema,
  ReapitTokenSchema,
  ReapitWebhookEnvelopeSchema,
} from './reapit.schemas.ts';

const API_VERSION = '2020-01-31';
const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/**
 * Reapit's public webhook signing keys, shared by every adapter instance of the process (they are
 * public and rarely rotate; an unknown key id is fetched once).
 */
const SIGNING_KEYS = new Map<string, ReturnType<typeof createPublicKey>>();

const WEBHOOK_TOPICS = ['contacts.created', 'contacts.modified', 'appointments.created', 'offers.created'];

const CredentialsSchema = z.object({
  clientId: z.string().trim().min(1, 'client id is required'),
  clientSecret: z.string().min(1, 'client secret is required'),
  /**
   * Present when an admin signed in through Reapit Connect (OAuth redirect): the refresh token of
   * that sign-in. Reapit rotates it on every use; the latest one lives in the shared access grant.
   */
  refreshToken: z.string().min(1).optional(),
});
type Credentials = z.infer<typeof CredentialsSchema>;

const SettingsSchema = z.object({
  customerId: z.string().trim().min(1).default('SBOX'),
  /** Contacts per page (Reapit allows 1–100); smaller pages only for tests and debugging. */
  pageSize: z.coerce.number().int().min(1).max(100).default(100),
});
type Settings = z.infer<typeof SettingsSchema>;

/** The registry's entry for reapit (limits and capabilities from crm-apis.md). */
export const REAPIT_INFO = {
  id: 'reapit',
  displayName: 'Reapit',
  vendor: 'Reapit Ltd',
  authKind: 'oauth_client_credentials',
  rateLimits: { requests: 20, windowSeconds: 1, maxConcurrent: 5, perDay: 250_000 },
  rateLimitsDocumented: true,
  pagingStyle: 'page_number',
  capabilities: { webhooks: true, etags: true, writeBack: 'journal entries and contact metadata' },
  connectFields: {
    credentials: [
      { name: 'clientId', label: 'Client id', required: true },
      { name: 'clientSecret', label: 'Client secret', secret: true, required: true },
    ],
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
/**
 * Reapit's two public hosts: the Foundations API, and Reapit Connect, the authorisation server
 * (authorize, token and revoke endpoints). Operator configuration (`PROPSYNC_REAPIT_API_URL`,
 * `PROPSYNC_REAPIT_CONNECT_URL`), never the admin's form.
 */
type Host = 'api' | 'connect';

export const reapitAdapter = defineAdapter<Credentials, Settings, Host>({
  info: REAPIT_INFO,
  hosts: { api: 'https://platform.reapit.cloud', connect: 'https://connect.reapit.cloud' },
  credentialsSchema: CredentialsSchema,
  settingsSchema: SettingsSchema,
  baseUrl: (_settings, hosts) => hosts.api,
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
      headers: {
        authorization: basicAuthorization(credentials),
        'content-type': 'application/x-www-form-urlencoded',
      },
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

function basicAuthorization(credentials: Pick<Credentials, 'clientId' | 'clientSecret'>): string {
  return `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
}

/** One request to Reapit Connect's token endpoint (client authenticated by HTTP Basic). */
async function requestToken(
  http: ProviderHttp,
  credentials: Pick<Credentials, 'clientId' | 'clientSecret'>,
  hosts: { connect: string },
  form: Record<string, string>,
): Promise<AccessGrant> {
  const url = `${hosts.connect}/token`;
  let body: unknown;
  try {
    ({ body } = await http.request('POST', url, {
      headers: {
        authorization: basicAuthorization(credentials),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ ...form, client_id: credentials.clientId }).toString(),
    }));
  } catch (error) {
    // invalid_grant: a sign-in revoked, expired or already used (its code or refresh token spent).
    if (
      error instanceof PropsyncError &&
      error.statusCode === 400 &&
      form.grant_type !== 'client_credentials'
    ) {
      throw new PropsyncError(
        'ADAPTER.AUTH_INVALID',
        'Reapit did not accept the sign-in (revoked, expired or already used): reconnect Reapit and sign in again',
        { statusCode: 400, cause: error },
      );
    }
    throw error;
  }
  const token = ReapitTokenSchema.safeParse(body);
  if (!token.success)
    throw new PropsyncError(
      'ADAPTER.BAD_RESPONSE',
      'Reapit answered the token request with an unexpected body',
    );
  return {
    accessToken: token.data.access_token,
    expiresAt: Date.now() + token.data.expires_in * 1000,
    refreshToken: token.data.refresh_token ?? null,
  };
}

class ReapitAdapter implements CrmAdapter {
  readonly provider = 'reapit' as const;
  readonly #http: ProviderHttp;
  readonly #pageSize: number;

  constructor(context: AdapterContext<Credentials, Settings, Host>) {
    this.#http = context.http;
    this.#pageSize = context.settings.pageSize;
  }

  async verifyConnection() {
    const response = await this.#http.request('GET', 'contacts/', { query: { pageSize: 1 } });
    const page = parsePage(response.body);
    return { accountLabel: null, contactCount: page.totalCount ?? null };
  }

  /**
   * Keyset paging over `sortBy=modified`: each page restarts from the last modification time seen,
   * so records edited while we page (and so moved past the window's end) never shift unseen
   * records onto pages already read.
   */
  async *syncContacts(window: SyncWindow): AsyncIterable<ContactPage> {
    let from = window.resumeAfter?.modifiedAt ?? window.modifiedFrom;
    let seenAtFrom = new Set(window.resumeAfter?.idsAtModifiedAt ?? []);
    let pageNumber = 1;
    let estimatedTotal: number | null = null;
    for (;;) {
      const response = await this.#http.request('GET', 'contacts/', {
        query: {
          pageSize: this.#pageSize,
          pageNumber,
          sortBy: 'modified',
          modifiedFrom: from,
          modifiedTo: window.modifiedTo,
          embed: 'relationships',
        },
      });
      const page = parsePage(response.body);
      if (estimatedTotal === null) estimatedTotal = (page.totalCount ?? 0) + seenAtFrom.size;
      const contacts: ContactPage['contacts'] = [];
      const rejected: ContactPage['rejected'] = [];
      const fromMs = from ? Date.parse(from) : Number.NaN;
      let lastModified: string | null = null;
      for (const raw of page._embedded) {
        const parsed = ReapitContactSchema.safeParse(raw);
        if (!parsed.success) {
          rejected.push({
            externalId: idOf(raw),
            reason: `Reapit contact did not match the expected shape: ${parsed.error.issues[0]?.message}`,
          });
          continue;
        }
        lastModified = parsed.data.modified;
        if (Date.parse(parsed.data.modified) === fromMs && seenAtFrom.has(parsed.data.id)) continue;
        contacts.push(toCanonicalContact(parsed.data));
      }
      const isLastPage = !page._links?.next || page._embedded.length < this.#pageSize;
      let checkpoint: PageCheckpoint | null = null;
      if (lastModified !== null) {
        const lastMs = Date.parse(lastModified);
        const idsAtLast = page._embedded
          .map((raw) => ReapitContactSchema.safeParse(raw))
          .filter((parsed) => parsed.success && Date.parse(parsed.data.modified) === lastMs)
          .map((parsed) => parsed.data!.id);
        if (lastMs === fromMs) {
          // A whole page shares one modification time: step through pages until it changes.
          for (const id of idsAtLast) seenAtFrom.add(id);
          pageNumber++;
        } else {
          from = new Date(lastMs).toISOString();
          seenAtFrom = new Set(idsAtLast);
          pageNumber = 1;
        }
        checkpoint = { modifiedAt: from!, idsAtModifiedAt: [...seenAtFrom] };
      }
      yield { contacts, rejected, checkpoint, estimatedTotal };
      if (isLastPage || lastModified === null) return;
    }
  }

  async pushActivity(activity: Parameters<CrmAdapter['pushActivity']>[0]): Promise<PushResult> {
    if (activity.kind === 'email_sent') {
      const marker = `[propsync:${activity.idempotencyKey}]`;
      // Reapit has no idempotency key: look for our marker first so a retried write is not doubled.
      const existing = await this.#http.request('GET', 'journalEntries', {
        query: { associatedType: 'contact', associatedId: activity.contactExternalId, pageSize: 100 },
      });
      const entries = parsePage(existing.body)._embedded as Array<{ description?: string; id?: string }>;
      const found = entries.find((entry) => entry.description?.includes(marker));
      if (found) return { externalRef: found.id ?? marker, etag: null };
      await this.#http.request('POST', 'journalEntries', {
        body: {
          typeId: 'EM',
          associatedType: 'contact',
          associatedId: activity.contactExternalId,
          description: `${activity.summary} ${marker}`,
        },
      });
      return { externalRef: marker, etag: null };
    }
    // Scores and hot-lead flags live in the contact's app metadata.
    const metadata =
      activity.kind === 'engagement_score'
        ? { propsyncEngagementScore: activity.details.score, propsyncScoredAt: activity.occurredAt }
        : { propsyncHotLead: true, propsyncHotLeadAt: activity.occurredAt };
    return this.#patchWithFreshEtag(activity.contactExternalId, { metadata });
  }

  async pushContact(change: Parameters<CrmAdapter['pushContact']>[0]): Promise<PushResult> {
    const body = {
      ...toReapitPatch(change.fields),
      ...(change.metadata ? { metadata: change.metadata } : {}),
    };
    if (!change.etag) return this.#patchWithFreshEtag(change.externalId, body);
    const response = await this.#http.request('PATCH', `contacts/${encodeURIComponent(change.externalId)}`, {
      headers: { 'if-match': change.etag },
      body,
    });
    return { externalRef: change.externalId, etag: response.headers.get('etag') };
  }

  async ingestWebhook(delivery: InboundWebhook): Promise<IngestedWebhook> {
    await this.#verifySignature(delivery);
    let json: unknown;
    try {
      json = JSON.parse(delivery.rawBody.toString('utf8'));
    } catch {
      throw new PropsyncError('ADAPTER.VALIDATION', 'Reapit webhook body is not valid JSON');
    }
    const envelope = ReapitWebhookEnvelopeSchema.safeParse(json);
    if (!envelope.success)
      throw new PropsyncError('ADAPTER.VALIDATION', 'Reapit webhook body is not a Reapit event envelope');
    const event = envelope.data;
    const isContact = event.topicId.startsWith('contacts.');
    const snapshot = isContact && event.new ? ReapitContactSchema.safeParse(event.new) : null;
    return {
      // One event fans out to several notifications sharing eventId: key on the notification itself.
      deliveryKey: `${event.eventId}:${createHash('sha256').update(delivery.rawBody).digest('base64url')}`,
      eventType: event.topicId,
      occurredAt: event.eventTime,
      contacts: snapshot?.success ? [toCanonicalContact(snapshot.data)] : [],
      activities:
        isContact || !event.new ? [] : toReapitActivities(event.topicId, event.new, event.eventTime),
      contactIdsToFetch: isContact && event.new && !snapshot?.success ? [event.entityId] : [],
      removedContactIds: isContact && event.new === null ? [event.entityId] : [],
    };
  }

  async registerWebhooks(target: { url: string }): Promise<WebhookRegistration> {
    const response = await this.#http.request('POST', 'resthooks', {
      body: { url: target.url, topicIds: WEBHOOK_TOPICS, active: true, ignoreEtagOnlyChanges: true },
    });
    const location = response.headers.get('location') ?? '';
    const id = location.split('/').filter(Boolean).at(-1) ?? idOf(response.body);
    if (!id)
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        'Reapit did not say which webhook subscription it created',
      );
    return { ids: [id], secret: null, url: target.url };
  }

  async unregisterWebhooks(registration: WebhookRegistration): Promise<void> {
    for (const id of registration.ids) {
      await this.#http.request('DELETE', `resthooks/${encodeURIComponent(id)}`, { acceptStatuses: [404] });
    }
  }

  async #patchWithFreshEtag(externalId: string, body: Record<string, unknown>): Promise<PushResult> {
    const path = `contacts/${encodeURIComponent(externalId)}`;
    const current = await this.#http.request('GET', path);
    const etag = ReapitContactSchema.parse(current.body)._eTag ?? current.headers.get('etag');
    if (!etag) throw new PropsyncError('ADAPTER.BAD_RESPONSE', 'Reapit returned a contact without an eTag');
    const response = await this.#http.request('PATCH', path, { headers: { 'if-match': etag }, body });
    return { externalRef: externalId, etag: response.headers.get('etag') };
  }

  /** `X-Signature: s:<keyId>:<unixTimestamp>:<signature>`, Ed25519 over `<timestamp><raw body>`. */
  async #verifySignature(delivery: InboundWebhook): Promise<void> {
    const header = delivery.headers['x-signature'];
    const parts = header?.split(':');
    if (!parts || parts.length !== 4 || parts[0] !== 's') {
      throw new PropsyncError('ADAPTER.AUTH_INVALID', 'Reapit webhook signature is missing or malformed');
    }
    const [, keyId, timestamp, signature] = parts as [string, string, string, string];
    const sentAt = Number(timestamp);
    if (
      !Number.isInteger(sentAt) ||
      Math.abs(delivery.receivedAt.getTime() / 1000 - sentAt) > WEBHOOK_TOLERANCE_SECONDS
    ) {
      throw new PropsyncError('ADAPTER.AUTH_INVALID', 'Reapit webhook timestamp is more than 5 minutes off');
    }
    const key = await this.#signingKey(keyId);
    const signed = Buffer.concat([Buffer.from(timestamp), delivery.rawBody]);
    const valid = verify(null, signed, key, decodeSignature(signature));
    if (!valid) throw new PropsyncError('ADAPTER.AUTH_INVALID', 'Reapit webhook signature does not match');
  }

  async #signingKey(keyId: string) {
    const cacheKey = `${this.#http.baseUrl} ${keyId}`;
    const cached = SIGNING_KEYS.get(cacheKey);
    if (cached) return cached;
    const response = await this.#http.request('GET', `webhooks/signing/${encodeURIComponent(keyId)}`);
    const keys = ReapitSigningKeysSchema.parse(response.body).keys;
    const jwk = keys.find((candidate) => candidate.kid === keyId);
    if (!jwk) throw new PropsyncError('ADAPTER.AUTH_INVALID', `Reapit has no webhook signing key ${keyId}`);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    SIGNING_KEYS.set(cacheKey, key);
    return key;
  }
}

function parsePage(body: unknown) {
  const page = ReapitPageSchema.safeParse(body);
  if (!page.success)
    throw new PropsyncError('ADAPTER.BAD_RESPONSE', 'Reapit answered with an unexpected page shape');
  return page.data;
}

function idOf(raw: unknown): string | null {
  return raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
    ? (raw as { id: string }).id
    : null;
}

function decodeSignature(signature: string): Buffer {
  return Buffer.from(signature.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}
