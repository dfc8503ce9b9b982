import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { ROLES, type Role } from '../../shared/connection.ts';

export type AgencySession = { organisationId: string; role: Role };

const ClaimsSchema = z.object({ org: z.string().uuid(), role: z.enum(ROLES) });
const ISSUER = 'propsync-host';
const AUDIENCE = 'propsync';

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
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      const claims = ClaimsSchema.safeParse(payload);
      return claims.success ? { organisationId: claims.data.org, role: claims.data.role } : null;
    } catch {
      return null;
    }
  }
}
