import { SignJWT, compactVerify, errors } from 'jose';
import { z } from 'zod';
import { ROLES, type Role } from '../../../shared/connection.ts';

/**
 * The browser's credential: one agency, one role, and who the host says the person is (the
 * token's optional `sub`, the host's own user id), which audits of an admin's changes record.
 */
export type AgencySession = { organisationId: string; role: Role; subject?: string };
/** The host's server credential: manages agencies (`agencies.*`), names none, acts for none. */
export type HostSession = { role: 'host' };

/** What a token proved, or what is wrong with it, in words a host developer can act on. */
export type TokenCheck = { ok: true; session: AgencySession | HostSession } | { ok: false; problem: string };

export const TOKEN_ISSUER = 'propsync-host';
export const TOKEN_AUDIENCE = 'propsync';
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 60 * 60;
/** Clocks of the host and Propsync may differ a little: an `iat` this far ahead is still accepted. */
const CLOCK_SKEW_SECONDS = 60;

const ROLE_HINT = `"admin" or "viewer" for an embed token, "host" for a host token`;

/**
 * Short-lived HS256 tokens the host application mints with the shared secret, in two kinds:
 * - embed tokens for its signed-in admin's browser: `{ org: <agency uuid>, role: admin|viewer }`;
 * - host tokens for its own backend: `{ role: host }` and no `org`.
 * Both carry `iss: propsync-host`, `aud: propsync`, `iat` and `exp`, at most `maxLifetimeSeconds` apart.
 */
export class EmbedTokens {
  readonly #key: Uint8Array;
  readonly maxLifetimeSeconds: number;

  constructor(secret: string, options: { maxLifetimeSeconds?: number } = {}) {
    if (secret.length < 32) throw new Error('The embed token secret must be at least 32 characters');
    this.#key = new TextEncoder().encode(secret);
    this.maxLifetimeSeconds = options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  }

  /** An embed token for the agency's browser. */
  async mint(session: AgencySession, lifetimeSeconds = 15 * 60): Promise<string> {
    return this.#sign({ org: session.organisationId, role: session.role }, lifetimeSeconds);
  }

  /** A host token for the host's backend (tests, the CLI, the demo). */
  async mintHost(lifetimeSeconds = 5 * 60): Promise<string> {
    return this.#sign({ role: 'host' }, lifetimeSeconds);
  }

  async #sign(claims: Record<string, string>, lifetimeSeconds: number): Promise<string> {
    if (lifetimeSeconds > this.maxLifetimeSeconds) {
      throw new Error(
        `A token may live at most ${this.maxLifetimeSeconds} s (PROPSYNC_TOKEN_MAX_LIFETIME_SECONDS)`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.#key);
  }

  /** The session a token names, or null when it is missing, forged, expired or malformed. */
  async verify(token: string): Promise<AgencySession | HostSession | null> {
    const check = await this.check(token);
    return check.ok ? check.session : null;
  }

  /**
   * Verifies the signature first, then every claim, and says which one is wrong. Messages name
   * claims and expected values, never the secret.
   */
  async check(token: string, now = new Date()): Promise<TokenCheck> {
    let payload: Record<string, unknown>;
    try {
      const verified = await compactVerify(token, this.#key, { algorithms: ['HS256'] });
      const parsed: unknown = JSON.parse(new TextDecoder().decode(verified.payload));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return refuse('The token’s payload is not a JSON object of claims');
      }
      payload = parsed as Record<string, unknown>;
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) {
        return refuse(
          'The token’s signature does not match: sign it (HS256) with the same PROPSYNC_TOKEN_SECRET this Propsync uses',
        );
      }
      if (error instanceof errors.JOSEAlgNotAllowed) {
        return refuse('The token must be signed with HS256 (header "alg": "HS256")');
      }
      return refuse('The token is not a signed JWT (three base64url parts: header.payload.signature)');
    }
    return checkClaims(payload, now, this.maxLifetimeSeconds);
  }
}

function refuse(problem: string): TokenCheck {
  return { ok: false, problem };
}

/** A claim's value for a message: quoted, short, and only ever what the token itself carried. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function checkClaims(payload: Record<string, unknown>, now: Date, maxLifetimeSeconds: number): TokenCheck {
  if (payload.iss === undefined) return refuse(`The token has no "iss" claim: expected "${TOKEN_ISSUER}"`);
  if (payload.iss !== TOKEN_ISSUER) {
    return refuse(`The token's issuer "iss" is ${shown(payload.iss)}: expected "${TOKEN_ISSUER}"`);
  }
  if (payload.aud === undefined) return refuse(`The token has no "aud" claim: expected "${TOKEN_AUDIENCE}"`);
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(TOKEN_AUDIENCE)) {
    return refuse(`The token's audience "aud" is ${shown(payload.aud)}: expected "${TOKEN_AUDIENCE}"`);
  }
  for (const claim of ['iat', 'exp'] as const) {
    if (payload[claim] === undefined) {
      return refuse(
        `The token has no "${claim}" claim: embed and host tokens must say when they were issued ("iat") and expire ("exp"), in seconds since 1970`,
      );
    }
    if (typeof payload[claim] !== 'number' || !Number.isFinite(payload[claim])) {
      return refuse(
        `The token's "${claim}" must be a number of seconds since 1970; it is ${shown(payload[claim])}`,
      );
    }
  }
  const iat = payload.iat as number;
  const exp = payload.exp as number;
  const nowSeconds = now.getTime() / 1000;
  if (exp <= nowSeconds) {
    return refuse(
      `The token expired at ${new Date(exp * 1000).toISOString()} (${Math.ceil(nowSeconds - exp)} s ago): mint a new one`,
    );
  }
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    return refuse(
      `The token's "iat" is ${Math.floor(iat - nowSeconds)} s in the future: check the host server's clock`,
    );
  }
  if (exp - iat > maxLifetimeSeconds) {
    return refuse(
      `The token is valid for ${Math.floor(exp - iat)} s ("exp" − "iat"): Propsync accepts at most ${maxLifetimeSeconds} s`,
    );
  }
  if (payload.role === undefined) return refuse(`The token has no "role" claim: expected ${ROLE_HINT}`);
  if (payload.role === 'host') {
    if (payload.org !== undefined) {
      return refuse(
        'A host token names no agency: remove the "org" claim (or give role "admin" or "viewer" for an embed token)',
      );
    }
    return { ok: true, session: { role: 'host' } };
  }
  const role = z.enum(ROLES).safeParse(payload.role);
  if (!role.success) return refuse(`The token's "role" is ${shown(payload.role)}: expected ${ROLE_HINT}`);
  if (payload.org === undefined) {
    return refuse(
      `An embed token must name its agency: the "org" claim is missing (the agency's Propsync id, a uuid)`,
    );
  }
  const org = z.string().uuid().safeParse(payload.org);
  if (!org.success) {
    return refuse(
      `The token's "org" is ${shown(payload.org)}: expected the agency's Propsync id, a uuid (agencies.create answers it)`,
    );
  }
  const subject =
    typeof payload.sub === 'string' && payload.sub.trim() ? payload.sub.trim().slice(0, 200) : null;
  return {
    ok: true,
    session: { organisationId: org.data.toLowerCase(), role: role.data, ...(subject ? { subject } : {}) },
  };
}
