import { SignJWT, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { ROLES, type Role } from '../../shared/connection.ts';

export type AgencySession = { organisationId: string; role: Role };

const ClaimsSchema = z.object({ org: z.string().uuid(), role: z.enum(ROLES) });
const ISSUER = 'propsync-host';
const AUDIENCE = 'propsync';
/** The longest a host may make an embed token live (exp − iat). */
export const MAX_EMBED_TOKEN_LIFETIME_SECONDS = 60 * 60;

/** A token's session, or what is wrong with it in words the host's developer can act on. */
export type TokenCheck = { session: AgencySession; problem: null } | { session: null; problem: string };

function refusal(problem: string): TokenCheck {
  return { session: null, problem: `The embed token was refused: ${problem}` };
}

/** What a failed verification means for the host, without echoing the token or its claims. */
function describeVerificationError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired (exp is in the past); mint a new one';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return `its audience must be "${AUDIENCE}" (aud claim)`;
    if (error.claim === 'iss') return `its issuer must be "${ISSUER}" (iss claim)`;
    if (error.reason === 'missing') return `it has no ${error.claim} claim; set exp and iat`;
    return `its ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'it must be signed with HS256';
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'its signature does not match; sign it with PROPSYNC_TOKEN_SECRET (HS256)';
  return 'it is not a well-formed JWT';
}

/**
 * Short-lived tokens the host application mints for its signed-in admin, naming the agency and
 * a role. The component library sends one with every call; the server trusts nothing else.
 */
export class EmbedTokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('The embed token secret must be at least 32 characters');
    this.#key = new TextEncoder().encode(secret);
  }

  async mint(session: AgencySession, lifetimeSeconds = 15 * 60): Promise<string> {
    return new SignJWT({ org: session.organisationId, role: session.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .sign(this.#key);
  }

  /** The session a token names, or null when it is missing, forged, expired or malformed. */
  async verify(token: string): Promise<AgencySession | null> {
    return (await this.check(token)).session;
  }

  /** Like `verify`, but says which rule a refused token broke (the API's 401 carries it). */
  async check(token: string): Promise<TokenCheck> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      return refusal(describeVerificationError(error));
    }
    if (payload.exp! - payload.iat! > MAX_EMBED_TOKEN_LIFETIME_SECONDS) {
      return refusal(
        `it lives longer than ${MAX_EMBED_TOKEN_LIFETIME_SECONDS / 60} minutes (exp − iat); mint short-lived tokens`,
      );
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) {
      return refusal(
        `its claims must be org (the agency's uuid) and role (${ROLES.join(' or ')}); ${claims.error.issues
          .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
          .join('; ')}`,
      );
    }
    return { session: { organisationId: claims.data.org, role: claims.data.role }, problem: null };
  }
}
