import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  TokenServer,
  basicCredentials,
  oauthError as fail,
  safeEqual,
  type OAuthAnswer,
  type TokenServerOptions,
} from '../toolkit/client-credentials.ts';
import { ALTO_PRODUCTION_BASE_URL, type AltoIntegration } from './alto-constants.ts';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Alto's client-credentials flow (`POST /token`, HTTP Basic) and bearer checks. Tokens are JWTs
 * (HS256, a key made at start-up) like Alto's, and also remembered by `jti` so they can be
 * expired or revoked before their `exp`. A whole client is revoked through the shared fault
 * controls; a single token by its client at `POST /revoke` (RFC 7009).
 */
export class AltoAuth extends TokenServer<AltoIntegration> {
  readonly #signingKey = randomBytes(32);
  /** Distinct tokens revoked at `POST /revoke` since start-up or the last reset. */
  #revokedCount = 0;

  constructor(
    options: Omit<TokenServerOptions<AltoIntegration>, 'clients'> & {
      integrations: readonly AltoIntegration[];
    },
  ) {
    super({ ...options, clients: options.integrations });
  }

  override revokeAllTokens(): void {
    super.revokeAllTokens();
    this.#revokedCount = 0;
  }

  /** Active: issued, not expired, not revoked (nor belonging to a revoked client): accepted right now. */
  tokenStats(): { activeAccessTokens: number; revokedTokens: number } {
    return { activeAccessTokens: this.activeTokenCount(), revokedTokens: this.#revokedCount };
  }

  /** `POST /token`: `grant_type=client_credentials` with the client in `Authorization: Basic`. */
  issueToken(authorization: string | undefined, form: Record<string, unknown>): OAuthAnswer {
    if (form.grant_type === undefined) return fail(400, 'invalid_request', 'grant_type is required');
    if (form.grant_type !== 'client_credentials')
      return fail(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    const client = this.#authenticateClient(authorization);
    if (!client.ok) return client;
    const { clientId } = client;
    const now = this.now();
    const jti = randomUUID();
    const expiresAt = now + this.tokenLifetimeSeconds * 1000;
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
    this.remember(jti, { clientId, expiresAt, revoked: false });
    return {
      ok: true,
      body: {
        access_token: `${header}.${payload}.${this.#sign(header, payload)}`,
        token_type: 'Bearer',
        expires_in: this.tokenLifetimeSeconds,
      },
    };
  }

  /**
   * Checks `Authorization: Bearer <jwt>`: signature, then the issued-token record. A token revoked
   * at /revoke is answered like any token the server does not know.
   */
  checkBearer(authorization: string | undefined) {
    const check = this.checkBearerWith(authorization, (token) => this.#issuedToken(token), 'unknown');
    return check.ok ? { ok: true as const, integration: check.client } : check;
  }

  /**
   * `POST /revoke` (RFC 7009): the client authenticates as at `/token`; form `token` (required)
   * and `token_type_hint` (ignored: access tokens are the only kind). Unknown, malformed,
   * expired, already revoked tokens and other clients' tokens all succeed and change nothing
   * (RFC 7009 §2.2: the answer must not tell a client about tokens it does not own).
   */
  revokeToken(authorization: string | undefined, form: Record<string, unknown>): OAuthAnswer {
    const client = this.#authenticateClient(authorization);
    if (!client.ok) return client;
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '') return fail(400, 'invalid_request', 'token is required');
    const issued = this.#issuedToken(token);
    if (issued !== undefined && issued.clientId === client.clientId && !issued.revoked) {
      issued.revoked = true;
      this.#revokedCount++;
    }
    return { ok: true };
  }

  /** HTTP Basic client authentication, shared by `/token` and `/revoke`. */
  #authenticateClient(authorization: string | undefined) {
    if (!authorization?.toLowerCase().startsWith('basic '))
      return fail(401, 'invalid_client', 'authenticate the client with HTTP Basic (client id and secret)');
    const basic = basicCredentials(authorization);
    const verified = this.verifyClient(basic?.clientId, basic?.clientSecret);
    return verified.ok ? { ok: true as const, clientId: verified.client.clientId } : verified;
  }

  #sign(header: string, payload: string): string {
    return createHmac('sha256', this.#signingKey).update(`${header}.${payload}`).digest('base64url');
  }

  /** The record of a token this server signed and still remembers, else undefined. */
  #issuedToken(token: string) {
    const [header, payload, signature, extra] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined || extra !== undefined)
      return undefined;
    if (!safeEqual(signature, this.#sign(header, payload))) return undefined;
    try {
      const { jti } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown };
      return typeof jti === 'string' ? this.issued(jti) : undefined;
    } catch {
      return undefined;
    }
  }
}
