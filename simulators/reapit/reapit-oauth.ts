import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { oauthError, safeEqual, type OAuthError } from '../toolkit/client-credentials.ts';
import type { AccessTokenBody, ReapitAuth } from './reapit-auth.ts';
import {
  REAPIT_AUTHORIZATION_CODE_LIFETIME_SECONDS,
  REAPIT_REFRESH_TOKEN_LIFETIME_SECONDS,
  type ReapitClientCredentials,
} from './reapit-constants.ts';

/** Query or form parameters as Express parses them: a repeated name arrives as an array. */
export type OAuthParams = Record<string, unknown>;

/** A validated authorization request (GET or POST /authorize). */
export interface AuthorizationRequest {
  client: ReapitClientCredentials;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scope: string | undefined;
}

/** What /authorize answers when it does not show the consent page. */
export type AuthorizationOutcome =
  /** The client or redirect URI cannot be trusted: an error page, never a redirect (RFC 6749 §4.1.2.1). */
  { kind: 'page'; title: string; message: string } | { kind: 'redirect'; location: string };

export type AuthorizationCheck = { kind: 'valid'; request: AuthorizationRequest } | AuthorizationOutcome;

export type OAuthResult<T> = { ok: true; body: T } | { ok: false; status: 400 | 401; body: OAuthError };

export type TokenGrantBody = AccessTokenBody & { refresh_token?: string };

export interface ReapitTokenStats {
  /** Access tokens that would be accepted now (not expired, not revoked, app not revoked). */
  activeAccessTokens: number;
  /** Refresh tokens that could be redeemed now (not used, expired or revoked). */
  activeRefreshTokens: number;
  /** Access and refresh tokens revoked by /revoke or by reuse detection (used ones are not counted). */
  revokedTokens: number;
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string | undefined;
  expiresAt: number;
  /** Set once redeemed: a second redemption revokes this family (RFC 6749 §4.1.2). */
  familyId: string | null;
}

interface RefreshTokenRecord {
  clientId: string;
  familyId: string;
  expiresAt: number;
  state: 'active' | 'used' | 'revoked';
}

/** Every access and refresh token descended from one authorization code. */
interface TokenFamily {
  clientId: string;
  scope: string | undefined;
  revoked: boolean;
  accessTokens: string[];
  refreshTokens: string[];
}

// RFC 7636: a S256 challenge is BASE64URL(SHA-256) without padding; a verifier is 43–128 unreserved characters.
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
// RFC 6749 §3.3 scope tokens, separated by single spaces.
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
// Characters RFC 3986 allows in a URI (a redirect URI must already be percent-encoded).
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?[\]@!$&'()*+,;=%]+$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);
const PRUNE_THRESHOLD = 1000;

const REPEATED = Symbol('repeated');

/** One parameter; empty means omitted (RFC 6749 §3.1), and a repeated name is an error there too. */
function single(params: OAuthParams, name: string): string | undefined | typeof REPEATED {
  const value = params[name];
  if (Array.isArray(value)) return REPEATED;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const badRequest = (description: string) => oauthError(400, 'invalid_request', description);
/** A grant that is unknown, used, expired, revoked or another client's (RFC 6749 §5.2). */
const invalid = (description: string) => oauthError(400, 'invalid_grant', description);

export function pkceChallengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * An exact match with one of the app's registered redirect URIs or, as a sandbox convenience, any
 * `http:` URI on the loopback host (any port and path). Never one with a fragment (RFC 6749 §3.1.2).
 */
export function redirectUriAllowed(client: ReapitClientCredentials, uri: string): boolean {
  if (!URI_CHARACTERS.test(uri) || uri.includes('#')) return false;
  if (client.redirectUris?.includes(uri)) return true;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && url.username === '' && url.password === ''
  );
}

/** Appends response parameters to a redirect URI, keeping its own query as it was registered. */
export function withResponseParams(uri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();
  const separator = !uri.includes('?') ? '?' : /[?&]$/.test(uri) ? '' : '&';
  return `${uri}${separator}${query}`;
}

/**
 * Reapit Connect's authorization-code flow with PKCE (RFC 7636), rotating refresh tokens with
 * reuse detection (OAuth 2.0 Security BCP §4.14) and token revocation (RFC 7009). Access tokens
 * come from {@link ReapitAuth}, so the API accepts them exactly like client-credentials tokens.
 */
export class ReapitOAuth {
  readonly #auth: ReapitAuth;
  readonly #now: () => number;
  #codes = new Map<string, AuthorizationCode>();
  #refreshTokens = new Map<string, RefreshTokenRecord>();
  #families = new Map<string, TokenFamily>();

  constructor(options: { auth: ReapitAuth; now: () => number }) {
    this.#auth = options.auth;
    this.#now = options.now;
  }

  /** Forgets every code, refresh token and grant. */
  reset(): void {
    this.#codes.clear();
    this.#refreshTokens.clear();
    this.#families.clear();
  }

  /**
   * Validates an authorization request. The client and redirect URI are checked first: until both
   * are trusted, errors are an error page; after that, they go back to the redirect URI.
   */
  checkAuthorization(params: OAuthParams): AuthorizationCheck {
    const page = (title: string, message: string): AuthorizationOutcome => ({ kind: 'page', title, message });
    const clientId = single(params, 'client_id');
    if (typeof clientId !== 'string')
      return page('Unknown application', 'Exactly one client_id parameter is required.');
    const client = this.#auth.activeClient(clientId);
    if (client === undefined)
      return page('Unknown application', `No active app has the client id "${clientId}".`);
    const redirectUri = single(params, 'redirect_uri');
    if (typeof redirectUri !== 'string')
      return page('Redirect URI required', 'Exactly one redirect_uri parameter is required.');
    if (!redirectUriAllowed(client, redirectUri))
      return page(
        'Redirect URI not allowed',
        `"${redirectUri}" is not registered for ${client.clientId} and is not a loopback http URI.`,
      );
    const state = single(params, 'state');
    const fail = (error: string, description: string): AuthorizationOutcome => ({
      kind: 'redirect',
      location: withResponseParams(redirectUri, {
        error,
        error_description: description,
        state: typeof state === 'string' ? state : undefined,
      }),
    });
    if (state === REPEATED) return fail('invalid_request', 'state must not be repeated');
    const responseType = single(params, 'response_type');
    if (typeof responseType !== 'string') return fail('invalid_request', 'response_type is required');
    if (responseType !== 'code') return fail('unsupported_response_type', 'response_type must be code');
    const codeChallenge = single(params, 'code_challenge');
    if (typeof codeChallenge !== 'string')
      return fail('invalid_request', 'code_challenge is required (PKCE)');
    // Absent means plain (RFC 7636 §4.3), which the Security BCP advises against.
    if (single(params, 'code_challenge_method') !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256');
    if (!CODE_CHALLENGE.test(codeChallenge))
      return fail('invalid_request', 'code_challenge must be 43 base64url characters (BASE64URL(SHA-256))');
    const scope = single(params, 'scope');
    if (scope === REPEATED) return fail('invalid_request', 'scope must not be repeated');
    if (scope !== undefined && !SCOPE.test(scope))
      return fail('invalid_scope', 'scope must be space-separated scope tokens');
    return { kind: 'valid', request: { client, redirectUri, state, codeChallenge, scope } };
  }

  /** The parameters the consent form posts back, in the order of the request. */
  formFields(request: AuthorizationRequest): Array<[string, string]> {
    const fields: Array<[string, string | undefined]> = [
      ['response_type', 'code'],
      ['client_id', request.client.clientId],
      ['redirect_uri', request.redirectUri],
      ['state', request.state],
      ['code_challenge', request.codeChallenge],
      ['code_challenge_method', 'S256'],
      ['scope', request.scope],
    ];
    return fields.filter((field): field is [string, string] => field[1] !== undefined);
  }

  /** POST /authorize: re-validates the request, then redirects with a code or `access_denied`. */
  decide(params: OAuthParams): AuthorizationOutcome {
    const check = this.checkAuthorization(params);
    if (check.kind !== 'valid') return check;
    const { request } = check;
    const redirect = (response: Record<string, string | undefined>): AuthorizationOutcome => ({
      kind: 'redirect',
      location: withResponseParams(request.redirectUri, { ...response, state: request.state }),
    });
    const decision = single(params, 'decision');
    if (decision === 'deny')
      return redirect({ error: 'access_denied', error_description: 'The user denied access' });
    if (decision !== 'allow')
      return redirect({ error: 'invalid_request', error_description: 'decision must be allow or deny' });
    this.#prune();
    const code = randomBytes(32).toString('base64url');
    this.#codes.set(code, {
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      expiresAt: this.#now() + REAPIT_AUTHORIZATION_CODE_LIFETIME_SECONDS * 1000,
      familyId: null,
    });
    return redirect({ code });
  }

  /** POST /token: client credentials as before, plus `authorization_code` and `refresh_token`. */
  token(authorization: string | undefined, form: OAuthParams): OAuthResult<TokenGrantBody> {
    const grantType = form.grant_type;
    if (grantType === 'client_credentials') return this.#auth.issueToken(authorization, form);
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
      return oauthError(
        400,
        'unsupported_grant_type',
        'grant_type must be client_credentials, authorization_code or refresh_token',
      );
    const authenticated = this.#auth.authenticateClient(authorization, form);
    if (!authenticated.ok) return authenticated;
    this.#prune();
    return grantType === 'authorization_code'
      ? this.#redeemCode(authenticated.client, form)
      : this.#rotateRefreshToken(authenticated.client, form);
  }

  /**
   * POST /revoke (RFC 7009). A refresh token takes its whole grant with it; so does an access
   * token from the authorization-code flow (the user's grant ends, not just one token). Unknown
   * or already revoked tokens are a success, as the RFC asks.
   */
  revoke(authorization: string | undefined, form: OAuthParams): OAuthResult<null> {
    const authenticated = this.#auth.authenticateClient(authorization, form);
    if (!authenticated.ok) return authenticated;
    const token = single(form, 'token');
    if (typeof token !== 'string') return badRequest('token is required');
    const { clientId } = authenticated.client;
    // token_type_hint only orders a lookup (RFC 7009 §2.1); both stores are searched either way.
    const refresh = this.#refreshTokens.get(token);
    const access = refresh === undefined ? this.#auth.accessToken(token) : undefined;
    const owner = refresh?.clientId ?? access?.clientId;
    if (owner !== undefined && owner !== clientId)
      return oauthError(400, 'invalid_grant', 'the token was issued to another client');
    if (refresh !== undefined) this.#revokeFamily(refresh.familyId);
    else if (access !== undefined && access.familyId !== null) this.#revokeFamily(access.familyId);
    else if (access !== undefined) this.#auth.revokeAccessToken(token);
    return { ok: true, body: null };
  }

  tokenStats(): ReapitTokenStats {
    const access = this.#auth.accessTokenStats();
    const now = this.#now();
    let activeRefreshTokens = 0;
    let revokedRefreshTokens = 0;
    for (const record of this.#refreshTokens.values()) {
      if (record.state === 'revoked') revokedRefreshTokens += 1;
      else if (
        record.state === 'active' &&
        record.expiresAt > now &&
        this.#auth.activeClient(record.clientId) !== undefined
      ) {
        activeRefreshTokens += 1;
      }
    }
    return {
      activeAccessTokens: access.active,
      activeRefreshTokens,
      revokedTokens: access.revoked + revokedRefreshTokens,
    };
  }

  #redeemCode(client: ReapitClientCredentials, form: OAuthParams): OAuthResult<TokenGrantBody> {
    const code = single(form, 'code');
    const redirectUri = single(form, 'redirect_uri');
    const verifier = single(form, 'code_verifier');
    if (typeof code !== 'string') return badRequest('code is required');
    if (typeof redirectUri !== 'string') return badRequest('redirect_uri is required');
    if (typeof verifier !== 'string') return badRequest('code_verifier is required (PKCE)');
    if (!CODE_VERIFIER.test(verifier))
      return badRequest('code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
    const record = this.#codes.get(code);
    if (record === undefined) return invalid('the authorization code is not valid');
    if (record.familyId !== null) {
      // A second redemption means the code leaked: end everything issued from it.
      this.#revokeFamily(record.familyId);
      return invalid('the authorization code has already been used; the tokens issued from it are revoked');
    }
    if (record.expiresAt <= this.#now()) return invalid('the authorization code has expired');
    if (record.clientId !== client.clientId)
      return invalid('the authorization code was issued to another client');
    if (record.redirectUri !== redirectUri)
      return invalid('redirect_uri does not match the one of the authorization request');
    if (!safeEqual(pkceChallengeOf(verifier), record.codeChallenge))
      return invalid('code_verifier does not match the code_challenge');
    const familyId = randomUUID();
    this.#families.set(familyId, {
      clientId: client.clientId,
      scope: record.scope,
      revoked: false,
      accessTokens: [],
      refreshTokens: [],
    });
    record.familyId = familyId;
    return { ok: true, body: this.#issueTokens(client, familyId) };
  }

  #rotateRefreshToken(client: ReapitClientCredentials, form: OAuthParams): OAuthResult<TokenGrantBody> {
    const presented = single(form, 'refresh_token');
    if (typeof presented !== 'string') return badRequest('refresh_token is required');
    const record = this.#refreshTokens.get(presented);
    const family = record === undefined ? undefined : this.#families.get(record.familyId);
    if (record === undefined || family === undefined) return invalid('the refresh token is not valid');
    if (record.state === 'used') {
      // Reuse detection: either the client or an attacker holds a stolen copy; neither may go on.
      this.#revokeFamily(record.familyId);
      return invalid('the refresh token has already been used; every token of this authorization is revoked');
    }
    if (record.state === 'revoked' || family.revoked) return invalid('the refresh token has been revoked');
    if (record.expiresAt <= this.#now()) return invalid('the refresh token has expired');
    if (record.clientId !== client.clientId) return invalid('the refresh token was issued to another client');
    const scope = single(form, 'scope');
    if (scope === REPEATED) return badRequest('scope must not be repeated');
    if (scope !== undefined) {
      // RFC 6749 §6: a refresh may narrow the scope, never widen it.
      const granted = new Set(family.scope?.split(' ') ?? []);
      if (!scope.split(' ').every((item) => granted.has(item)))
        return oauthError(400, 'invalid_scope', 'scope must not exceed the scope originally granted');
    }
    record.state = 'used';
    return { ok: true, body: this.#issueTokens(client, record.familyId) };
  }

  #issueTokens(client: ReapitClientCredentials, familyId: string): TokenGrantBody {
    const family = this.#families.get(familyId);
    if (family === undefined) throw new Error(`unknown token family ${familyId}`);
    const access = this.#auth.mintAccessToken(client, familyId);
    const refreshToken = randomBytes(32).toString('base64url');
    this.#refreshTokens.set(refreshToken, {
      clientId: client.clientId,
      familyId,
      expiresAt: this.#now() + REAPIT_REFRESH_TOKEN_LIFETIME_SECONDS * 1000,
      state: 'active',
    });
    family.accessTokens.push(access.access_token);
    family.refreshTokens.push(refreshToken);
    return { ...access, refresh_token: refreshToken };
  }

  /** Revokes every live token of a grant; used and expired ones are left as they are. */
  #revokeFamily(familyId: string): void {
    const family = this.#families.get(familyId);
    if (family === undefined) return;
    family.revoked = true;
    const now = this.#now();
    for (const token of family.accessTokens) this.#auth.revokeAccessToken(token);
    for (const token of family.refreshTokens) {
      const record = this.#refreshTokens.get(token);
      if (record?.state === 'active' && record.expiresAt > now) record.state = 'revoked';
    }
  }

  /**
   * Keeps memory bounded in long runs. A redeemed code is kept while any token of its grant is,
   * so a late replay still revokes them; a used refresh token until it would have expired.
   */
  #prune(): void {
    if (this.#codes.size + this.#refreshTokens.size < PRUNE_THRESHOLD) return;
    const now = this.#now();
    for (const [token, record] of this.#refreshTokens)
      if (record.expiresAt <= now) this.#refreshTokens.delete(token);
    for (const [familyId, family] of this.#families) {
      family.refreshTokens = family.refreshTokens.filter((token) => this.#refreshTokens.has(token));
      family.accessTokens = family.accessTokens.filter(
        (token) => this.#auth.accessToken(token) !== undefined,
      );
      if (family.refreshTokens.length === 0 && family.accessTokens.length === 0)
        this.#families.delete(familyId);
    }
    for (const [code, record] of this.#codes) {
      const done = record.familyId === null ? record.expiresAt <= now : !this.#families.has(record.familyId);
      if (done) this.#codes.delete(code);
    }
  }
}
