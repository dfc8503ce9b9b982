import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { EmbedTokens, MAX_EMBED_TOKEN_LIFETIME_SECONDS } from './embed-token.ts';

const SECRET = 'embed-token-test-secret-that-is-long-enough-0123';
const tokens = new EmbedTokens(SECRET);
const ORG = '0b7f4a52-7c59-4d59-9d0e-2f6a1f1f5c11';

type Claims = Record<string, unknown>;

/** A token as a host would sign it, with any claim or header changed. */
async function hostToken(
  options: {
    claims?: Claims;
    issuer?: string;
    audience?: string;
    lifetime?: number;
    iat?: number;
    secret?: string;
    skipExp?: boolean;
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const iat = options.iat ?? now;
  let jwt = new SignJWT({ org: ORG, role: 'admin', ...options.claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? 'propsync-host')
    .setAudience(options.audience ?? 'propsync')
    .setIssuedAt(iat);
  if (!options.skipExp) jwt = jwt.setExpirationTime(iat + (options.lifetime ?? 600));
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

describe('embed tokens say why they are refused', () => {
  it('accepts a well-formed token and names its agency and role', async () => {
    expect(await tokens.check(await hostToken())).toEqual({
      session: { organisationId: ORG, role: 'admin' },
      problem: null,
    });
    expect(await tokens.verify(await tokens.mint({ organisationId: ORG, role: 'viewer' }))).toEqual({
      organisationId: ORG,
      role: 'viewer',
    });
  });

  it.each([
    ['an expired token', { iat: Math.floor(Date.now() / 1000) - 3_000, lifetime: 600 }, /has expired/],
    ['the wrong audience', { audience: 'propsync-api' }, /audience must be "propsync" \(aud claim\)/],
    ['the wrong issuer', { issuer: 'someone' }, /issuer must be "propsync-host" \(iss claim\)/],
    [
      'another secret',
      { secret: 'a-different-secret-that-is-long-enough-000000' },
      /signature does not match; sign it with PROPSYNC_TOKEN_SECRET/,
    ],
    ['an agency that is not a uuid', { claims: { org: 'harbour-and-hale' } }, /claims must be org .*org:/],
    ['an unknown role', { claims: { role: 'owner' } }, /role \(admin or viewer\).*role:/],
    ['no expiry', { skipExp: true }, /no exp claim/],
    [
      'a lifetime over an hour',
      { lifetime: MAX_EMBED_TOKEN_LIFETIME_SECONDS + 60 },
      /lives longer than 60 minutes/,
    ],
  ] as const)('refuses %s and says so', async (_name, options, message) => {
    const result = await tokens.check(await hostToken(options));
    expect(result.session).toBeNull();
    expect(result.problem).toMatch(/^The embed token was refused: /);
    expect(result.problem).toMatch(message);
  });

  it('refuses something that is not a JWT', async () => {
    expect((await tokens.check('not-a-token')).problem).toMatch(/not a well-formed JWT/);
  });
});
