import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

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

/**
 * Access tokens a simulated authorization server issued, by key (the token itself or a JWT's
 * `jti`), so they can be expired or revoked before their time and counted.
 */
export class IssuedTokens<T extends IssuedToken = IssuedToken> {
  readonly #now: () => number;
  readonly #byKey = new Map<string, T>();

  constructor(now: () => number) {
    this.#now = now;
  }

  add(key: string, token: T): void {
    // Expired tokens are forgotten once there are many (long benchmark runs).
    if (this.#byKey.size >= 1000) {
      const now = this.#now();
      for (const [other, issued] of this.#byKey) if (issued.expiresAt <= now) this.#byKey.delete(other);
    }
    this.#byKey.set(key, token);
  }

  get(key: string): T | undefined {
    return this.#byKey.get(key);
  }

  /** Every token issued so far expires now. */
  expireAll(): void {
    const now = this.#now();
    for (const token of this.#byKey.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  clear(): void {
    this.#byKey.clear();
  }

  values(): IterableIterator<T> {
    return this.#byKey.values();
  }

  /** Tokens accepted right now: not revoked, not expired, their client not revoked. */
  activeCount(isClientRevoked: (clientId: string) => boolean): number {
    const now = this.#now();
    let active = 0;
    for (const token of this.#byKey.values())
      if (!token.revoked && token.expiresAt > now && !isClientRevoked(token.clientId)) active++;
    return active;
  }
}
