import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { EmbedTokens, type TokenCheck } from './embed-token.ts';

/**
 * Embed and host tokens: short-lived in fact (`exp` and `iat` required, lifetime capped), and
 * every refusal says which claim is wrong and what is expected, without the secret.
 */

const SECRET = 'embed-token-test-secret-0123456789-abcdefghij';
const tokens = new EmbedTokens(SECRET, { maxLifetimeSeconds: 3600 });
const org = randomUUID();
const now = () => Math.floor(Date.now() / 1000);

type Claims = Record<string, unknown>;
const VALID: Claims = { org, role: 'admin', iss: 'propsync-host', aud: 'propsync' };

/** Signs exactly the claims given (plus iat/exp unless overridden with undefined). */
async function sign(claims: Claims, options: { secret?: string; iat?: number; exp?: number } = {}) {
  const body = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  const payload = {
    ...('iat' in options ? (options.iat === undefined ? {} : { iat: options.iat }) : { iat: now() }),
    ...('exp' in options ? (options.exp === undefined ? {} : { exp: options.exp }) : { exp: now() + 600 }),
    ...body,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

function problemOf(check: TokenCheck): string {
  expect(check.ok).toBe(false);
  return check.ok ? '' : check.problem;
}

describe('embed tokens', () => {
  it('accepts a token the host minted as documented, and the helper mints the same shape', async () => {
    expect(await tokens.check(await sign(VALID))).toEqual({
      ok: true,
      session: { organisationId: org, role: 'admin' },
    });
    expect(await tokens.verify(await tokens.mint({ organisationId: org, role: 'viewer' }))).toEqual({
      organisationId: org,
      role: 'viewer',
    });
  });

  it('refuses a token without exp or without iat, saying which', async () => {
    expect(problemOf(await tokens.check(await sign(VALID, { exp: undefined })))).toMatch(/no "exp" claim/);
    expect(problemOf(await tokens.check(await sign(VALID, { iat: undefined })))).toMatch(/no "iat" claim/);
    expect(problemOf(await tokens.check(await sign(VALID, { exp: 'soon' as unknown as number })))).toMatch(
      /"exp" must be a number/,
    );
  });

  it('refuses a lifetime over the maximum (ten years, or one second over), and says the maximum', async () => {
    const tenYears = await sign(VALID, { iat: now(), exp: now() + 10 * 365 * 86_400 });
    expect(problemOf(await tokens.check(tenYears))).toMatch(/valid for 315360000 s .*at most 3600 s/);
    expect(problemOf(await tokens.check(await sign(VALID, { iat: now(), exp: now() + 3601 })))).toMatch(
      /at most 3600 s/,
    );
    expect((await tokens.check(await sign(VALID, { iat: now(), exp: now() + 3600 }))).ok).toBe(true);
    // The limit is configurable, and the mint helper keeps to it.
    const strict = new EmbedTokens(SECRET, { maxLifetimeSeconds: 300 });
    expect(problemOf(await strict.check(await sign(VALID)))).toMatch(/valid for 600 s .*at most 300 s/);
    await expect(strict.mint({ organisationId: org, role: 'admin' }, 600)).rejects.toThrow(/at most 300 s/);
  });

  it('refuses an expired token and one issued in the future', async () => {
    const expired = await sign(VALID, { iat: now() - 1200, exp: now() - 600 });
    expect(problemOf(await tokens.check(expired))).toMatch(/expired at .* s ago\): mint a new one/);
    const future = await sign(VALID, { iat: now() + 600, exp: now() + 900 });
    expect(problemOf(await tokens.check(future))).toMatch(/"iat" is \d+ s in the future/);
  });

  it('names a wrong or missing issuer and audience with the expected value', async () => {
    expect(problemOf(await tokens.check(await sign({ ...VALID, iss: 'acme' })))).toBe(
      `The token's issuer "iss" is "acme": expected "propsync-host"`,
    );
    expect(problemOf(await tokens.check(await sign({ ...VALID, iss: undefined })))).toMatch(
      /no "iss" claim: expected "propsync-host"/,
    );
    expect(problemOf(await tokens.check(await sign({ ...VALID, aud: 'acme-api' })))).toBe(
      `The token's audience "aud" is "acme-api": expected "propsync"`,
    );
    expect(problemOf(await tokens.check(await sign({ ...VALID, aud: undefined })))).toMatch(
      /no "aud" claim: expected "propsync"/,
    );
  });

  it('names a wrong or missing org and role', async () => {
    expect(problemOf(await tokens.check(await sign({ ...VALID, org: undefined })))).toMatch(
      /"org" claim is missing .*uuid/,
    );
    expect(problemOf(await tokens.check(await sign({ ...VALID, org: 'agency-42' })))).toMatch(
      /"org" is "agency-42": expected the agency's Propsync id, a uuid/,
    );
    expect(problemOf(await tokens.check(await sign({ ...VALID, role: 'owner' })))).toMatch(
      /"role" is "owner": expected "admin" or "viewer" .*"host"/,
    );
    expect(problemOf(await tokens.check(await sign({ ...VALID, role: undefined })))).toMatch(
      /no "role" claim/,
    );
  });

  it('refuses a bad signature, another algorithm and garbage without saying anything of the secret', async () => {
    const forged = await sign(VALID, { secret: 'another-secret-that-is-long-enough-0123456789' });
    const problems = [
      problemOf(await tokens.check(forged)),
      problemOf(await tokens.check(new UnsecuredJWT(VALID).setIssuedAt().setExpirationTime('5m').encode())),
      problemOf(await tokens.check('../../etc/passwd')),
    ];
    expect(problems[0]).toMatch(
      /signature does not match: sign it \(HS256\) with the same PROPSYNC_TOKEN_SECRET/,
    );
    expect(problems[1]).toMatch(/HS256/);
    expect(problems[2]).toMatch(/not a signed JWT/);
    for (const problem of problems) expect(problem).not.toContain(SECRET);
  });
});

describe('host tokens', () => {
  it('carry role host and no agency; a host token naming an agency is refused', async () => {
    const hostClaims: Claims = { ...VALID, role: 'host', org: undefined };
    expect(await tokens.check(await sign(hostClaims))).toEqual({ ok: true, session: { role: 'host' } });
    expect(await tokens.verify(await tokens.mintHost())).toEqual({ role: 'host' });
    expect(problemOf(await tokens.check(await sign({ ...VALID, role: 'host' })))).toMatch(
      /A host token names no agency: remove the "org" claim/,
    );
    // The same lifetime rules apply.
    expect(
      problemOf(await tokens.check(await sign(hostClaims, { iat: now(), exp: now() + 86_400 }))),
    ).toMatch(/at most 3600 s/);
  });
});
