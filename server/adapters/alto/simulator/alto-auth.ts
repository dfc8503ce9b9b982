import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FaultControls } from '../../../simulators/shared/fault-controls.ts';
import { ALTO_PRODUCTION_BASE_URL, type AltoIntegration } from './alto-constants.ts';

interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

export type TokenRequestResult =
  | { ok: true; body: { access_token: string; token_type: 'Bearer'; expires_in: number } }
  | { ok: false; status: 400 | 401; body: { error: string; error_description: string } };

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
 * expired or revoked before their `exp`. Revocation goes through the shared fault controls.
 */
export class AltoAuth {
  readonly #integrations: Map<string, AltoIntegration>;
  readonly #now: () => number;
  readonly #faults: FaultControls;
  readonly #signingKey = randomBytes(32);
  #tokenLifetimeSeconds: number;
  #tokens = new Map<string, IssuedToken>();

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
    if (!authorization?.toLowerCase().startsWith('basic ')) {
      return fail(401, 'invalid_client', 'authenticate the client with HTTP Basic (client id and secret)');
    }
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = colon > 0 ? decoded.slice(0, colon) : '';
    const clientSecret = colon > 0 ? decoded.slice(colon + 1) : '';
    const integration = this.#integrations.get(clientId);
    if (integration === undefined || !safeEqual(clientSecret, integration.clientSecret)) {
      return fail(401, 'invalid_client', 'client authentication failed');
    }
    if (this.#faults.isRevoked(clientId)) return fail(401, 'invalid_client', 'the client has been revoked');
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
    this.#tokens.set(jti, { clientId, expiresAt });
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
    const token = authorization.replace(/^bearer\s+/i, '').trim();
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined)
      return { ok: false, reason: 'unknown' };
    const expected = createHmac('sha256', this.#signingKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    if (!safeEqual(signature, expected)) return { ok: false, reason: 'unknown' };
    let jti: unknown;
    try {
      jti = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown }).jti;
    } catch {
      return { ok: false, reason: 'unknown' };
    }
    const issued = typeof jti === 'string' ? this.#tokens.get(jti) : undefined;
    if (issued === undefined) return { ok: false, reason: 'unknown' };
    if (issued.expiresAt <= this.#now()) return { ok: false, reason: 'expired' };
    if (this.#faults.isRevoked(issued.clientId)) return { ok: false, reason: 'revoked' };
    const integration = this.#integrations.get(issued.clientId);
    return integration === undefined ? { ok: false, reason: 'unknown' } : { ok: true, integration };
  }

  #pruneExpired(): void {
    if (this.#tokens.size < 1000) return;
    const now = this.#now();
    for (const [jti, issued] of this.#tokens) if (issued.expiresAt <= now) this.#tokens.delete(jti);
  }
}
