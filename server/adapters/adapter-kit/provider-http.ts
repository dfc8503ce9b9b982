import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { egressRefusalOf } from '../../infrastructure/egress/egress-fetch.ts';
import { PropsyncError, type ErrorCode } from '../../core/errors.ts';
import type { CredentialSession, AccessGrant } from './credential-session.ts';
import type { RequestPacer } from './request-pacer.ts';

/** No CRM page Propsync asks for comes near this (a Reapit page of 100 contacts is well under 1 MB). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export type HttpResponse<T = unknown> = { status: number; headers: Headers; body: T };

export type RequestOptions = {
  query?: Record<string, string | number | boolean | string[] | null | undefined>;
  headers?: Record<string, string>;
  /** JSON body, or a raw string with its own content type in `headers`. */
  body?: unknown;
  /** Status codes the caller handles itself instead of receiving an error (e.g. 412 to re-read). */
  acceptStatuses?: number[];
};

export type ProviderHttpOptions = {
  provider: ProviderInfo;
  baseUrl: string;
  timeoutMs?: number;
  pacer: RequestPacer;
  /** Null for providers whose requests carry a static key rather than an exchanged token. */
  session: CredentialSession | null;
  /** Headers that authorise a request with the current grant (and any fixed per-account headers). */
  authorise: (grant: AccessGrant | null) => Record<string, string>;
  fetchImplementation?: typeof fetch;
  /** Observes every answer (or timeout / network failure) for metrics. */
  onResponse?: ProviderResponseObserver;
};

export type ProviderResponseObserver = (event: {
  provider: string;
  outcome: number | 'timeout' | 'network';
  durationMs: number;
}) => void;

/**
 * HTTP for every adapter: timeouts, pacing inside the provider's limits, one re-authentication on
 * a 401, and every failure turned into a PropsyncError with a stable code and an actionable message.
 */
export class ProviderHttp {
  readonly #options: ProviderHttpOptions;

  constructor(options: ProviderHttpOptions) {
    this.#options = options;
  }

  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpResponse<T>> {
    this.#refuseDotSegments(path);
    const first = await this.#send<T>(method, path, options);
    if (first.status !== 401 || !this.#options.session) return this.#check(first, options);
    // The token may have been revoked or expired early: re-authenticate once, then give up.
    this.#options.session.invalidate(first.grant!);
    return this.#check(await this.#send<T>(method, path, options), options);
  }

  /**
   * A record id of "." or ".." is left as it is by encodeURIComponent and would move the request up
   * the API's path (`contacts/..` is the API root), so a CRM naming such a record is refused.
   */
  #refuseDotSegments(path: string): void {
    const segments = (path.split(/[?#]/, 1)[0] ?? '').split('/');
    if (segments.some((segment) => /^(%2e|\.){1,2}$/i.test(segment)))
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        `${this.#options.provider.displayName} named a record "." or "..", which cannot be addressed: the request was not sent`,
      );
  }

  async #send<T>(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<HttpResponse<T> & { grant: AccessGrant | null }> {
    const grant = this.#options.session ? await this.#options.session.grant() : null;
    const url = new URL(
      path,
      this.#options.baseUrl.endsWith('/') ? this.#options.baseUrl : `${this.#options.baseUrl}/`,
    );
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === null || value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.#options.authorise(grant),
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const fetchImplementation = this.#options.fetchImplementation ?? fetch;
    const isWrite = method !== 'GET' && method !== 'HEAD';
    const response = await this.#options.pacer.run(
      async () => {
        const started = performance.now();
        try {
          const answer = await fetchImplementation(url, {
            method,
            headers,
            body,
            signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
          });
          this.#observe(answer.status, started);
          return answer;
        } catch (error) {
          const failure = this.#networkError(error);
          this.#observe(failure.code === 'ADAPTER.TIMEOUT' ? 'timeout' : 'network', started);
          throw failure;
        }
      },
      { write: isWrite },
    );
    if (response.status === 429) {
      // Honour Retry-After for every request of this connection, not just the one refused.
      // The hold is this process's at once; sharing it is best effort (the window still paces the others).
      await this.#options.pacer
        .holdFor((parseRetryAfter(response.headers.get('retry-after')) ?? 1) * 1000)
        .catch(() => undefined);
    }
    const text = await this.#readBody(response);
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T, grant };
  }

  /**
   * The answer's text, at most MAX_RESPONSE_BYTES: a CRM address an admin typed could otherwise
   * stream gigabytes into this process's memory within the timeout.
   */
  async #readBody(response: Response): Promise<string> {
    if (!response.body) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > MAX_RESPONSE_BYTES) {
          await response.body.cancel().catch(() => undefined);
          throw new PropsyncError(
            'ADAPTER.BAD_RESPONSE',
            `${this.#options.provider.displayName} answered with more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB; Propsync stopped reading it`,
          );
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof PropsyncError) throw error;
      throw this.#networkError(error);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #observe(outcome: number | 'timeout' | 'network', started: number): void {
    this.#options.onResponse?.({
      provider: this.#options.provider.id,
      outcome,
      durationMs: performance.now() - started,
    });
  }

  #check<T>(
    response: HttpResponse<T> & { grant?: AccessGrant | null },
    options: RequestOptions,
  ): HttpResponse<T> {
    const { status } = response;
    if (status < 400 || options.acceptStatuses?.includes(status)) {
      return { status, headers: response.headers, body: response.body };
    }
    throw this.statusError(status, response.headers, response.body);
  }

  /** Maps an HTTP failure status to a stable code and a message an agency admin can act on. */
  statusError(status: number, headers: Headers, body: unknown): PropsyncError {
    const name = this.#options.provider.displayName;
    const retryAfter = parseRetryAfter(headers.get('retry-after'));
    const detail = summariseBody(body);
    const make = (code: ErrorCode, message: string) =>
      new PropsyncError(code, message, {
        statusCode: status,
        ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
      });
    if (status === 401)
      return make('ADAPTER.AUTH_INVALID', `${name} rejected the credentials: reconnect ${name}`);
    if (status === 403) {
      return make(
        'ADAPTER.PERMISSION_DENIED',
        `${name} refused access: check the API permissions of this account in ${name}`,
      );
    }
    if (status === 404) return make('ADAPTER.NOT_FOUND', `${name} has no such record${detail}`);
    if (status === 409) return make('ADAPTER.CONFLICT', `${name} reported a conflicting record${detail}`);
    if (status === 412)
      return make('ADAPTER.PRECONDITION_FAILED', `${name} changed the record since it was read`);
    if (status === 429)
      return make(
        'ADAPTER.RATE_LIMITED',
        `${name} asked us to slow down (rate limit); the request will be retried`,
      );
    if (status >= 500)
      return make(
        'ADAPTER.PROVIDER_UNAVAILABLE',
        `${name} is unavailable (HTTP ${status}); the request will be retried`,
      );
    return make('ADAPTER.VALIDATION', `${name} rejected the request (HTTP ${status})${detail}`);
  }

  #networkError(error: unknown): PropsyncError {
    const name = this.#options.provider.displayName;
    const refusal = egressRefusalOf(error);
    if (refusal) return new PropsyncError('EGRESS.REFUSED', `${name}: ${refusal.message}`);
    const isTimeout =
      error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return isTimeout
      ? new PropsyncError('ADAPTER.TIMEOUT', `${name} did not answer in time; the request will be retried`, {
          cause: error,
        })
      : new PropsyncError('ADAPTER.NETWORK', `Could not reach ${name}; the request will be retried`, {
          cause: error,
        });
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** OAuth 2.0 error codes (RFC 6749 §5.2, RFC 7009): a fixed vocabulary, safe to repeat. */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
]);
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.[\]-]{0,39}$/;
const MAX_FIELDS = 5;

/**
 * What a CRM's error body says, summarised and never echoed: a CRM (or whatever an address
 * points at) can put anything in its text, so only the names of the fields a validation error
 * names (each checked to look like a field name) and standard OAuth error codes are repeated.
 */
function summariseBody(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const record = body as Record<string, unknown>;
  const fields = new Set<string>();
  const addField = (value: unknown) => {
    if (typeof value !== 'string') return;
    // JSON Pointers (RFC 9457 problem documents, JSON:API `source.pointer`) become dotted names.
    const name = value.replace(/^#?\/?(data\/)?(attributes\/)?/, '').replaceAll('/', '.');
    if (FIELD_NAME.test(name) && fields.size < MAX_FIELDS) fields.add(name);
  };
  const errors = record.errors ?? record.invalid_params ?? record.validationErrors;
  if (Array.isArray(errors)) {
    for (const item of errors) {
      if (!item || typeof item !== 'object') continue;
      const entry = item as Record<string, unknown>;
      addField(
        entry.field ?? entry.pointer ?? entry.property ?? entry.name ?? entry.path ?? entry.propertyName,
      );
      const source = entry.source as Record<string, unknown> | undefined;
      if (source && typeof source === 'object') addField(source.pointer ?? source.parameter);
    }
  } else if (errors && typeof errors === 'object') {
    for (const name of Object.keys(errors)) addField(name);
  }
  // ASP.NET Web API (agentOS): `ModelState` maps each invalid field to its messages.
  if (record.ModelState && typeof record.ModelState === 'object') {
    for (const name of Object.keys(record.ModelState)) addField(name);
  }
  if (fields.size > 0) return `: check ${[...fields].join(', ')}`;
  if (typeof record.error === 'string' && OAUTH_ERRORS.has(record.error)) return ` (${record.error})`;
  return '';
}
