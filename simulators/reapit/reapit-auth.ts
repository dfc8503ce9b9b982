import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  TokenServer,
  basicCredentials,
  oauthError,
  type BearerRefusal,
  type TokenServerOptions,
  type OAuthError,
} from '../toolkit/client-credentials.ts';
import type { ReapitClientCredentials } from './reapit-constants.ts';

/** An Ed25519 key pair an app's webhooks are signed with (Reapit keeps one per app). */
export interface ReapitSigningKey {
  kid: string;
  clientId: string;
  privateKey: KeyObject;
  /** Raw 32-byte public key, base64url: the JWK `x` member. */
  x: string;
}

/** An access token as the simulator remembers it. */
export interface IssuedAccessToken {
  clientId: string;
  customerId: string;
  expiresAt: number;
  /** The authorization-code grant it descends from; null for client credentials. */
  familyId: string | null;
  revoked: boolean;
}

export interface AccessTokenBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export type TokenRequestResult =
  { ok: true; body: AccessTokenBody } | { ok: false; status: 400 | 401; body: OAuthError };

type ClientAuthentication =
  { ok: true; client: ReapitClientCredentials } | { ok: false; status: 401; body: OAuthError };

export type BearerCheck = { ok: true; client: ReapitClientCredentials } | BearerRefusal;

/**
 * Reapit Connect's client authentication, client-credentials flow, access-token store and bearer
 * checks (the authorization-code grant builds on these in reapit-oauth.ts). Tokens are opaque
 * random strings held in memory; client revocation goes through the shared fault controls so tests
 * and the demo can revoke from one place.
 */
export class ReapitAuth extends TokenServer<ReapitClientCredentials, IssuedAccessToken> {
  readonly #signingKeys = new Map<string, ReapitSigningKey>();

  constructor(options: TokenServerOptions<ReapitClientCredentials>) {
    super({
      ...options,
      clients: options.clients.map((client) => ({
        ...client,
        ...(client.redirectUris === undefined ? {} : { redirectUris: [...client.redirectUris] }),
      })),
    });
    for (const client of this.clients.values()) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const jwk = publicKey.export({ format: 'jwk' });
      // The kid travels inside a colon-separated header: keep it free of colons.
      const kid = `${client.clientId.replace(/[^A-Za-z0-9_-]/g, '-')}-${randomBytes(6).toString('hex')}`;
      this.#signingKeys.set(client.clientId, { kid, clientId: client.clientId, privateKey, x: jwk.x ?? '' });
    }
  }

  /** The app, unless unknown or revoked through the controls. */
  activeClient(clientId: string): ReapitClientCredentials | undefined {
    const client = this.clients.get(clientId);
    return client === undefined || this.faults.isRevoked(clientId) ? undefined : client;
  }

  /** POST /token with `grant_type=client_credentials`. */
  issueToken(authorization: string | undefined, form: Record<string, unknown>): TokenRequestResult {
    if (form.grant_type !== 'client_credentials')
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    const authenticated = this.authenticateClient(authorization, form);
    if (!authenticated.ok) return authenticated;
    return { ok: true, body: this.mintAccessToken(authenticated.client, null) };
  }

  /**
   * Client authentication for /token and /revoke: HTTP Basic (as Reapit documents) or, failing
   * that, `client_id` and `client_secret` in the form; a `client_id` in the form must match Basic's.
   */
  authenticateClient(authorization: string | undefined, form: Record<string, unknown>): ClientAuthentication {
    const fail = (description: string) => oauthError(401, 'invalid_client', description);
    let clientId: string | undefined;
    let clientSecret: string | undefined;
    const basic = basicCredentials(authorization);
    if (basic !== undefined) {
      // RFC 6749 §2.3.1: both halves are form-urlencoded before Basic encoding.
      try {
        clientId = decodeURIComponent(basic.clientId);
        clientSecret = decodeURIComponent(basic.clientSecret);
      } catch {
        // A malformed %-escape is a failed authentication, not a server error.
        return fail('client authentication failed');
      }
    }
    const formClientId = typeof form.client_id === 'string' ? form.client_id : undefined;
    if (clientId !== undefined && formClientId !== undefined && formClientId !== clientId) {
      return fail('client_id does not match the authenticated client');
    }
    if (clientId === undefined) {
      clientId = formClientId;
      clientSecret = typeof form.client_secret === 'string' ? form.client_secret : undefined;
    }
    return this.verifyClient(clientId, clientSecret);
  }

  /** A new access token for the app; `familyId` ties it to an authorization-code grant. */
  mintAccessToken(client: ReapitClientCredentials, familyId: string | null): AccessTokenBody {
    const token = randomBytes(32).toString('base64url');
    this.remember(token, {
      clientId: client.clientId,
      customerId: client.customerId,
      expiresAt: this.now() + this.tokenLifetimeSeconds * 1000,
      familyId,
      revoked: false,
    });
    return { access_token: token, token_type: 'Bearer', expires_in: this.tokenLifetimeSeconds };
  }

  accessToken(token: string): Readonly<IssuedAccessToken> | undefined {
    return this.issued(token);
  }

  /** Revokes an access token; a no-op when it is unknown, expired or already revoked. */
  revokeAccessToken(token: string): void {
    const issued = this.issued(token);
    if (issued !== undefined && !issued.revoked && issued.expiresAt > this.now()) issued.revoked = true;
  }

  /** Active: would pass {@link checkBearer} now. Revoked: revoked one by one or with their grant. */
  accessTokenStats(): { active: number; revoked: number } {
    let revoked = 0;
    for (const issued of this.issuedTokens()) if (issued.revoked) revoked += 1;
    return { active: this.activeTokenCount(), revoked };
  }

  /** Checks `Authorization: Bearer …`. */
  checkBearer(authorization: string | undefined): BearerCheck {
    return this.checkBearerWith(authorization, (token) => this.issued(token), 'revoked');
  }

  signingKeyFor(clientId: string): ReapitSigningKey | undefined {
    return this.#signingKeys.get(clientId);
  }

  signingKeyById(kid: string): ReapitSigningKey | undefined {
    for (const key of this.#signingKeys.values()) if (key.kid === kid) return key;
    return undefined;
  }

  /** `X-Signature` value: `s:<keyId>:<unixTimestamp>:<base64 Ed25519 signature of timestamp+body>`. */
  signatureHeader(clientId: string, body: string, unixSeconds: number): string {
    const key = this.#signingKeys.get(clientId);
    if (key === undefined) throw new Error(`no signing key for client ${clientId}`);
    const signature = sign(null, Buffer.from(`${unixSeconds}${body}`), key.privateKey).toString('base64');
    return `s:${key.kid}:${unixSeconds}:${signature}`;
  }
}
