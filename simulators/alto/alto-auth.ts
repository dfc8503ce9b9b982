import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FaultControls } from '../toolkit/fault-controls.ts';
import { ALTO_PRODUCTION_BASE_URL, type AltoIntegration } from './alto-constants.ts';

interface IssuedToken {
  clientId: string;
  expiresAt: number;
  /** Revoked by its client at `POST /revoke` (RFC 7009). */
  revoked: boolean;
}

type OAuthError = { error: string; error_description: string };

export type TokenRequestResult =
  | { ok: true; body: { access_token: string; token_type: 'Bearer'; expires_in: number } }
  | { ok: false; status: 400 | 401; body: OAuthError };

/** `POST /revoke` (RFC 7009): success has an empty body, whether or not anything was revoked. */
export type RevocationResult = { ok: true } | { ok: false; status: 400 | 401; body: OAuthError };

export interface TokenStats {
  /** Issued, not expired, not revoked (nor belonging to a revoked client): accepted right now. */
  activeAccessTokens: number;
  /** Distinct tokens revoked at `POST /revoke` since start-up or the last reset. */
  revokedTokens: number;
}

export type BearerCheck =
  | { ok: true; integration: AltoIntegration }
  | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'revoked' };

/** Compares secrets in constant time, whatever their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const left = createHmac('sha256', 'alto-compare').update(a).digest();
  const right = createHmac('sha256', 'alto-compare').update(b).digest();
  return timingSafeEqual(left, right);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Alto's client-credentials flow (`POST /token`, HTTP Basic) and bearer checks. Tokens are JWTs
 * (HS256, a key made at start-up) like Alto's, and also remembered by `jti` so they can be
 * expired or revoked before their `exp`. A whole client is revoked through the shared fault
 * controls; a single token by its client at `POST /revoke` (RFC 7009).
 */
export class AltoAuth {
  readonly #integrations: Map<string, AltoIntegration>;
  readonly #now: () => number;
  readonly #faults: FaultControls;
  readonly #signingKey = randomBytes(32);
  #tokenLifetimeSeconds: number;
  #tokens = new Map<string, IssuedToken>();
  #revokedCount = 0;

  constructor(options: {
    integrations: readonly AltoIntegration[];
    now: () => number;
    faults: FaultControls;
    tokenLifetimeSeconds: number;
  }) {
    this.#integrations = new Map(
      options.integrations.map((integration) => [integration.clientId, integration]),
    );
    this.#now = options.now;
    this.#faults = options.faults;
    this.#tokenLifetimeSeconds = options.tokenLifetimeSeconds;
  }

  /** Forgets every issued token. */
  revokeAllTokens(): void {
    this.#tokens.clear();
    this.#revokedCount = 0;
  }

  /** Counts for tests and the demo (`GET /_sim/tokens`). */
  tokenStats(): TokenStats {
    const now = this.#now();
    let activeAccessTokens = 0;
    for (const token of this.#tokens.values()) {
      if (!token.revoked && token.expiresAt > now && !this.#faults.isRevoked(token.clientId))
        activeAccessTokens++;
    }
    return { activeAccessTokens, revokedTokens: this.#revokedCount };
  }

  /** Every token issued so far expires now. */
  expireAllTokens(): void {
    const now = this.#now();
    for (const token of this.#tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** `POST /token`: `grant_type=client_credentials` with the client in `Authorization: Basic`. */
  issueToken(authorization: string | undefined, form: Record<string, unknown>): TokenRequestResult {
    const fail = (status: 400 | 401, error: string, description: string): TokenRequestResult => ({
      ok: false,
      status,
      body: { error, error_description: description },
    });
    if (form.grant_type === undefined) return fail(400, 'invalid_request', 'grant_type is required');
    if (form.grant_type !== 'client_credentials') {
      return fail(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    const client = this.#authenticateClient(authorization);
    if (!client.ok) return { ok: false, status: 401, body: client.body };
    const { clientId } = client;
    this.#pruneExpired();
    const now = this.#now();
    const jti = randomUUID();
    const expiresAt = now + this.#tokenLifetimeSeconds * 1000;
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const payload = base64url({
      iss: ALTO_PRODUCTION_BASE_URL,
      sub: clientId,
      client_id: clientId,
      scope: 'alto/read:contacts alto/write:contacts alto/read:appointments',
      iat: Math.floor(now / 1000),
      // Fractional lifetimes (tests) still get a whole-second exp; `expiresAt` is exact.
      exp: Math.ceil(expiresAt / 1000),
      jti,
    });
    const signature = createHmac('sha256', this.#signingKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    this.#tokens.set(jti, { clientId, expiresAt, revoked: false });
    return {
      ok: true,
      body: {
        access_token: `${header}.${payload}.${signature}`,
        token_type: 'Bearer',
        expires_in: this.#tokenLifetimeSeconds,
      },
    };
  }

  /** Checks `Authorization: Bearer <jwt>`: signature, then the issued-token record. */
  checkBearer(authorization: string | undefined): BearerCheck {
    if (authorization === undefined || !/^bearer\s+\S+/i.test(authorization))
      return { ok: false, reason: 'missing' };
    const issued = this.#issuedToken(authorization.replace(/^bearer\s+/i, '').trim());
    // A token revoked at /revoke is answered like any token the server does not know.
    if (issued === undefined || issued.revoked) return { ok: false, reason: 'unknown' };
    if (issued.expiresAt <= this.#now()) return { ok: false, reason: 'expired' };
    if (this.#faults.isRevoked(issued.clientId)) return { ok: false, reason: 'revoked' };
    const integration = this.#integrations.get(issued.clientId);
    return integration === undefined ? { ok: false, reason: 'unknown' } : { ok: true, integration };
  }

  /**
   * `POST /revoke` (RFC 7009): the client authenticates as at `/token`; form `token` (required)
   * and `token_type_hint` (ignored: access tokens are the only kind). Unknown, malformed,
   * expired, already revoked tokens and other clients' tokens all succeed and change nothing
   * (RFC 7009 §2.2: the answer must not tell a client about tokens it does not own).
   */
  revokeToken(authorization: string | undefined, form: Record<string, unknown>): RevocationResult {
    const client = this.#authenticateClient(authorization);
    if (!client.ok) return { ok: false, status: 401, body: client.body };
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '') {
      return {
        ok: false,
        status: 400,
        body: { error: 'invalid_request', error_description: 'token is required' },
      };
    }
    const issued = this.#issuedToken(token);
    if (issued !== undefined && issued.clientId === client.clientId && !issued.revoked) {
      issued.revoked = true;
      this.#revokedCount++;
    }
    return { ok: true };
  }

  /** HTTP Basic client authentication, shared by `/token` and `/revoke`. */
  #authenticateClient(
    authorization: string | undefined,
  ): { ok: true; clientId: string } | { ok: false; body: OAuthError } {
    const fail = (description: string) =>
      ({ ok: false, body: { error: 'invalid_client', error_description: description } }) as const;
    if (!authorization?.toLowerCase().startsWith('basic ')) {
      return fail('authenticate the client with HTTP Basic (client id and secret)');
    }
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = colon > 0 ? decoded.slice(0, colon) : '';
    const clientSecret = colon > 0 ? decoded.slice(colon + 1) : '';
    const integration = this.#integrations.get(clientId);
    if (integration === undefined || !safeEqual(clientSecret, integration.clientSecret)) {
      return fail('client authentication failed');
    }
    if (this.#faults.isRevoked(clientId)) return fail('the client has been revoked');
    return { ok: true, clientId };
  }

  /** The record of a token this server signed and still remembers, else undefined. */
  #issuedToken(token: string): IssuedToken | undefined {
    const [header, payload, signature, extra] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined || extra !== undefined)
      return undefined;
    const expected = createHmac('sha256', this.#signingKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    if (!safeEqual(signature, expected)) return undefined;
    let jti: unknown;
    try {
      jti = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown }).jti;
    } catch {
      return undefined;
    }
    return typeof jti === 'string' ? this.#tokens.get(jti) : undefined;
  }

  #pruneExpired(): void {
    if (this.#tokens.size < 1000) return;
    const now = this.#now();
    for (const [jti, issued] of this.#tokens) if (issued.expiresAt <= now) this.#tokens.delete(jti);
  }
}
