import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { FaultControls } from './fault-controls.ts';

/** An OAuth error answer (RFC 6749 §5.2). */
export interface OAuthError {
  error: string;
  error_description: string;
}

/** What a token endpoint answers: a body, an empty 200 (RFC 7009 revocation) or an OAuth error. */
export type OAuthAnswer = { ok: true; body?: object } | { ok: false; status: 400 | 401; body: OAuthError };

/** Compares secrets in constant time, whatever their lengths (both sides are hashed first). */
export function safeEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHmac('sha256', 'simulator-compare').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The client of an `Authorization: Basic base64(id:secret)` header, or undefined. */
export function basicCredentials(
  authorization: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  if (!authorization?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0
    ? { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) }
    : undefined;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || !/^bearer\s+\S+/i.test(authorization)) return undefined;
  return authorization.replace(/^bearer\s+/i, '').trim();
}

/**
 * A token endpoint's express handler: the form read, then the answer the way OAuth servers give it
 * (never cached; errors as `{error, error_description}` with their status).
 */
export function oauthEndpoint(
  answer: (authorization: string | undefined, form: Record<string, unknown>) => OAuthAnswer,
): RequestHandler {
  return (request, response) => {
    const result = answer(request.get('authorization'), (request.body ?? {}) as Record<string, unknown>);
    response.setHeader('cache-control', 'no-store');
    if (!result.ok) response.status(result.status).json(result.body);
    else if (result.body !== undefined) response.json(result.body);
    else response.status(200).end();
  };
}

/** What a simulated authorization server remembers of an access token. */
export interface IssuedToken {
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

/** `Authorization: Bearer` refused, and why. */
export type BearerRefusal = { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'revoked' };

/** What a 401 says per bearer refusal; `expired` is the CRM's own (some say where to get a new token). */
export function bearerRefusalDetails(expired: string): Record<BearerRefusal['reason'], string> {
  return {
    missing: 'An Authorization: Bearer <access token> header is required',
    unknown: 'The access token is not valid',
    expired,
    revoked: 'The access token has been revoked',
  };
}

/** An OAuth error answer with its status. */
export function oauthError<S extends 400 | 401>(status: S, error: string, description: string) {
  return { ok: false, status, body: { error, error_description: description } } as const;
}

export interface TokenServerOptions<C> {
  clients: readonly C[];
  now: () => number;
  faults: FaultControls;
  tokenLifetimeSeconds: number;
}

/**
 * A simulated authorization server: its registered clients (revoked through the shared fault
 * controls) and the access tokens it issued, by key (the token itself or a JWT's `jti`), so they
 * can be expired or revoked before their time and counted.
 */
export class TokenServer<
  C extends { clientId: string; clientSecret: string },
  T extends IssuedToken = IssuedToken,
> {
  protected readonly clients: Map<string, C>;
  protected readonly now: () => number;
  protected readonly faults: FaultControls;
  protected readonly tokenLifetimeSeconds: number;
  readonly #tokens = new Map<string, T>();

  constructor(options: TokenServerOptions<C>) {
    this.clients = new Map(options.clients.map((client) => [client.clientId, client]));
    this.now = options.now;
    this.faults = options.faults;
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds;
  }

  /** Forgets every issued token. */
  revokeAllTokens(): void {
    this.#tokens.clear();
  }

  /** Every token issued so far expires now (clients must fetch new ones). */
  expireAllTokens(): void {
    const now = this.now();
    for (const token of this.#tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  protected remember(key: string, token: T): void {
    // Expired tokens are forgotten once there are many (long benchmark runs).
    if (this.#tokens.size >= 1000) {
      const now = this.now();
      for (const [other, issued] of this.#tokens) if (issued.expiresAt <= now) this.#tokens.delete(other);
    }
    this.#tokens.set(key, token);
  }

  protected issued(key: string): T | undefined {
    return this.#tokens.get(key);
  }

  protected issuedTokens(): IterableIterator<T> {
    return this.#tokens.values();
  }

  /** Tokens accepted right now: not revoked, not expired, their client not revoked. */
  protected activeTokenCount(): number {
    const now = this.now();
    let active = 0;
    for (const token of this.#tokens.values())
      if (!token.revoked && token.expiresAt > now && !this.faults.isRevoked(token.clientId)) active++;
    return active;
  }

  /** The client, if the secret is its own and it is not revoked; else an `invalid_client` answer. */
  protected verifyClient(clientId: string | undefined, clientSecret: string | undefined) {
    const client = clientId === undefined ? undefined : this.clients.get(clientId);
    if (client === undefined || clientSecret === undefined || !safeEqual(clientSecret, client.clientSecret))
      return oauthError(401, 'invalid_client', 'client authentication failed');
    if (this.faults.isRevoked(client.clientId))
      return oauthError(401, 'invalid_client', 'the client has been revoked');
    return { ok: true, client } as const;
  }

  /**
   * Checks `Authorization: Bearer <token>` against the issued token `lookup` finds for it; a token
   * revoked one by one is refused as `revokedAs`.
   */
  protected checkBearerWith(
    authorization: string | undefined,
    lookup: (token: string) => T | undefined,
    revokedAs: 'unknown' | 'revoked',
  ): { ok: true; client: C } | BearerRefusal {
    const token = bearerToken(authorization);
    if (token === undefined) return { ok: false, reason: 'missing' };
    const issued = lookup(token);
    if (issued === undefined) return { ok: false, reason: 'unknown' };
    if (issued.revoked) return { ok: false, reason: revokedAs };
    if (issued.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    if (this.faults.isRevoked(issued.clientId)) return { ok: false, reason: 'revoked' };
    const client = this.clients.get(issued.clientId);
    return client === undefined ? { ok: false, reason: 'unknown' } : { ok: true, client };
  }
}
