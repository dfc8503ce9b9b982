import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  REAPIT_API_VERSION,
  REAPIT_DEMO_CLIENT,
  REAPIT_SANDBOX_USER_EMAIL,
  type ReapitClientCredentials,
} from './reapit-constants.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type ReapitSimulatorOptions,
  type ReapitTokenStats,
} from './reapit-simulator.ts';

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
}
interface OAuthError {
  error: string;
  error_description: string;
}

const REDIRECT_URI = 'http://localhost:5173/oauth/callback';
const OTHER_CLIENT: ReapitClientCredentials = {
  clientId: 'other-app',
  clientSecret: 'other-secret',
  customerId: 'ACME',
  redirectUris: ['https://app.example.com/callback?tenant=acme'],
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(
  options: ReapitSimulatorOptions = {},
): Promise<{ simulator: ReapitSimulator; url: string }> {
  const simulator = createReapitSimulator({
    contactCount: 20,
    clients: [REAPIT_DEMO_CLIENT, OTHER_CLIENT],
    ...options,
  });
  const running = await simulator.listen(0);
  cleanups.push(() => simulator.close());
  apiHosts.set(running.connectUrl, running.url);
  // Reapit Connect's address: authorize, token and revoke live there, the API on its own host.
  return { simulator, url: running.connectUrl };
}

const apiHosts = new Map<string, string>();

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeParams(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: REAPIT_DEMO_CLIENT.clientId,
    redirect_uri: REDIRECT_URI,
    state: 'xyz-state',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function getAuthorize(url: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${url}/authorize?${new URLSearchParams(params).toString()}`, { redirect: 'manual' });
}

function postForm(
  url: string,
  path: string,
  form: Record<string, string>,
  client?: ReapitClientCredentials,
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(client === undefined
        ? {}
        : {
            authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
          }),
    },
    body: new URLSearchParams(form).toString(),
  });
}

/** The redirect's Location, parsed; fails the test unless the answer is a 302. */
function redirectOf(response: Response): URL {
  expect(response.status).toBe(302);
  const location = response.headers.get('location');
  expect(location).not.toBeNull();
  return new URL(location ?? '');
}

/** Consents through POST /authorize and returns the code. */
async function authorize(
  url: string,
  overrides: Record<string, string | undefined> = {},
): Promise<{ code: string; verifier: string; redirectUri: string }> {
  const { verifier, challenge } = pkce();
  const params = authorizeParams({ code_challenge: challenge, ...overrides });
  const redirect = redirectOf(await postForm(url, '/authorize', { ...params, decision: 'allow' }));
  const code = redirect.searchParams.get('code');
  expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { code: code ?? '', verifier, redirectUri: params.redirect_uri ?? '' };
}

function exchange(
  url: string,
  grant: { code: string; verifier: string; redirectUri: string },
  client: ReapitClientCredentials = REAPIT_DEMO_CLIENT,
): Promise<Response> {
  return postForm(
    url,
    '/token',
    {
      grant_type: 'authorization_code',
      code: grant.code,
      redirect_uri: grant.redirectUri,
      code_verifier: grant.verifier,
    },
    client,
  );
}

async function tokensFor(
  url: string,
  client: ReapitClientCredentials = REAPIT_DEMO_CLIENT,
): Promise<TokenBody> {
  const grant = await authorize(url, client === REAPIT_DEMO_CLIENT ? {} : { client_id: client.clientId });
  const response = await exchange(url, grant, client);
  expect(response.status).toBe(200);
  return (await response.json()) as TokenBody;
}

function refresh(
  url: string,
  refreshToken: string,
  client: ReapitClientCredentials = REAPIT_DEMO_CLIENT,
): Promise<Response> {
  return postForm(url, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, client);
}

function revoke(
  url: string,
  form: Record<string, string>,
  client: ReapitClientCredentials = REAPIT_DEMO_CLIENT,
): Promise<Response> {
  return postForm(url, '/revoke', form, client);
}

/** Status of a contacts read with this access token. */
async function contactsStatus(url: string, accessToken: string, customerId = 'SBOX'): Promise<number> {
  const response = await fetch(`${apiHosts.get(url)!}/contacts/?pageSize=1`, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      'api-version': REAPIT_API_VERSION,
      'reapit-customer': customerId,
    },
  });
  return response.status;
}

async function expectOAuthError(response: Response, status: number, error: string): Promise<OAuthError> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as OAuthError;
  expect(body).toEqual({ error, error_description: expect.any(String) });
  return body;
}

/** Hidden inputs of the consent form, unescaped, as a browser would post them. */
function hiddenFields(html: string): Record<string, string> {
  const unescape = (value: string) =>
    value
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  return Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((match) => [
      unescape(match[1] ?? ''),
      unescape(match[2] ?? ''),
    ]),
  );
}

describe('Reapit simulator: authorization-code flow', () => {
  it('renders an accessible consent page that escapes every echoed value and posts the request back', async () => {
    const { url } = await start();
    const state = `"><script>alert('state')</script>&`;
    const scope = 'agencyCloud/contacts.read <b>bold</b>';
    const params = authorizeParams({ state, scope });
    const response = await getAuthorize(url, params);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();

    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<main>[\s\S]*<\/main>/);
    expect(html).toContain('<h1>Reapit Connect (sandbox)</h1>');
    expect(html).toContain(`Signed in as ${REAPIT_SANDBOX_USER_EMAIL}`);
    expect(html).toContain(`Allow ${REAPIT_DEMO_CLIENT.clientId} to access customer SBOX?`);
    expect(html).toContain('<form method="post" action="/authorize">');
    expect(html).toContain('<button name="decision" value="allow">Allow</button>');
    expect(html).toContain('<button name="decision" value="deny">Deny</button>');

    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(&#39;state&#39;)&lt;/script&gt;&amp;"');
    expect(html).toContain('<code>&lt;b&gt;bold&lt;/b&gt;</code>');
    expect(hiddenFields(html)).toEqual(params);

    // What a browser does with the page: post the hidden fields with the button pressed.
    const redirect = redirectOf(
      await postForm(url, '/authorize', { ...hiddenFields(html), decision: 'allow' }),
    );
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).toBe(state);
    expect(redirect.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('never redirects to an unregistered redirect URI, or for an unknown or revoked client', async () => {
    const { simulator, url } = await start();
    const cases: Array<Record<string, string | undefined>> = [
      { redirect_uri: 'https://evil.example/callback' },
      { redirect_uri: 'http://localhost.evil.example/callback' },
      { redirect_uri: 'https://localhost:5173/callback' },
      { redirect_uri: 'http://127.0.0.1:5173/callback#fragment' },
      { redirect_uri: 'http://localhost:5173/a"b' },
      { redirect_uri: undefined },
      // Registered for another app only, and a prefix of a registered URI.
      { redirect_uri: 'https://app.example.com/callback?tenant=acme' },
      { client_id: OTHER_CLIENT.clientId, redirect_uri: 'https://app.example.com/callback' },
      { client_id: 'no-such-app', redirect_uri: REDIRECT_URI },
      { client_id: undefined },
    ];
    for (const overrides of cases) {
      const params = authorizeParams({ response_type: 'token', ...overrides });
      for (const response of [
        await getAuthorize(url, params),
        await postForm(url, '/authorize', { ...params, decision: 'allow' }),
      ]) {
        expect(response.status, JSON.stringify(overrides)).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        const html = await response.text();
        expect(html).toContain('<html lang="en">');
        expect(html).not.toContain('evil.example/callback"');
      }
    }

    simulator.controls.revokeClient(REAPIT_DEMO_CLIENT.clientId);
    expect((await getAuthorize(url, authorizeParams())).status).toBe(400);
    simulator.controls.restoreClient(REAPIT_DEMO_CLIENT.clientId);
    expect((await getAuthorize(url, authorizeParams())).status).toBe(200);

    // A registered URI matches exactly, its own query kept; loopback URIs need no registration.
    const registered = authorizeParams({
      client_id: OTHER_CLIENT.clientId,
      redirect_uri: 'https://app.example.com/callback?tenant=acme',
    });
    expect((await getAuthorize(url, registered)).status).toBe(200);
    const location = (await postForm(url, '/authorize', { ...registered, decision: 'allow' })).headers.get(
      'location',
    );
    expect(location).toMatch(
      /^https:\/\/app\.example\.com\/callback\?tenant=acme&code=[\w-]{43}&state=xyz-state$/,
    );
    expect(
      (await getAuthorize(url, authorizeParams({ redirect_uri: 'http://127.0.0.1:9/any/path' }))).status,
    ).toBe(200);
  });

  it('redirects request errors to a valid redirect URI with the error and state', async () => {
    const { url } = await start();
    const cases: Array<[Record<string, string | undefined>, string, RegExp]> = [
      [{ response_type: 'token' }, 'unsupported_response_type', /code/],
      [{ response_type: undefined }, 'invalid_request', /response_type/],
      [{ code_challenge: undefined }, 'invalid_request', /code_challenge/],
      [{ code_challenge_method: 'plain' }, 'invalid_request', /S256/],
      [{ code_challenge_method: undefined }, 'invalid_request', /S256/],
      [{ code_challenge: 'too-short' }, 'invalid_request', /code_challenge/],
    ];
    for (const [overrides, error, description] of cases) {
      const redirect = redirectOf(await getAuthorize(url, authorizeParams(overrides)));
      expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
      expect(redirect.searchParams.get('error'), JSON.stringify(overrides)).toBe(error);
      expect(redirect.searchParams.get('error_description')).toMatch(description);
      expect(redirect.searchParams.get('state')).toBe('xyz-state');
      expect(redirect.searchParams.has('code')).toBe(false);
    }
  });

  it('exchanges an allowed code with PKCE for tokens that read contacts, and logs every step', async () => {
    const { simulator, url } = await start();
    const grant = await authorize(url);
    const response = await exchange(url, grant);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const tokens = (await response.json()) as TokenBody;
    expect(tokens).toEqual({
      access_token: expect.stringMatching(/^[\w-]{43}$/),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(await contactsStatus(url, tokens.access_token)).toBe(200);
    // Same customer as the app: another customer's data stays out of reach.
    expect(await contactsStatus(url, tokens.access_token, 'ACME')).toBe(403);
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 1,
      activeRefreshTokens: 1,
      revokedTokens: 0,
    });

    // Form client authentication works as for client credentials.
    const formAuthenticated = await authorize(url);
    const viaForm = await postForm(url, '/token', {
      grant_type: 'authorization_code',
      code: formAuthenticated.code,
      redirect_uri: formAuthenticated.redirectUri,
      code_verifier: formAuthenticated.verifier,
      client_id: REAPIT_DEMO_CLIENT.clientId,
      client_secret: REAPIT_DEMO_CLIENT.clientSecret,
    });
    expect(viaForm.status).toBe(200);

    const log = simulator.requestLog
      .entries()
      .map(({ method, path, status }) => `${method} ${path} ${status}`);
    expect(log).toEqual([
      'POST /authorize 302',
      'POST /token 200',
      'GET /contacts/ 200',
      'GET /contacts/ 403',
      'POST /authorize 302',
      'POST /token 200',
    ]);
    expect(JSON.stringify(simulator.requestLog.entries())).not.toContain(tokens.access_token);
  });

  it('redirects a denial with access_denied and the state, and issues no code', async () => {
    const { url } = await start();
    const redirect = redirectOf(
      await postForm(url, '/authorize', { ...authorizeParams(), decision: 'deny' }),
    );
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(Object.fromEntries(redirect.searchParams)).toEqual({
      error: 'access_denied',
      error_description: expect.any(String),
      state: 'xyz-state',
    });

    const undecided = redirectOf(await postForm(url, '/authorize', authorizeParams()));
    expect(undecided.searchParams.get('error')).toBe('invalid_request');
  });

  it('binds a code to its client, redirect URI and verifier; failures do not use it up', async () => {
    const { url } = await start();
    const grant = await authorize(url);

    const wrongVerifier = await expectOAuthError(
      await exchange(url, { ...grant, verifier: pkce().verifier }),
      400,
      'invalid_grant',
    );
    expect(wrongVerifier.error_description).toMatch(/code_verifier/);
    const wrongRedirect = await expectOAuthError(
      await exchange(url, { ...grant, redirectUri: 'http://localhost:5173/other' }),
      400,
      'invalid_grant',
    );
    expect(wrongRedirect.error_description).toMatch(/redirect_uri/);
    await expectOAuthError(await exchange(url, grant, OTHER_CLIENT), 400, 'invalid_grant');
    await expectOAuthError(await exchange(url, { ...grant, code: 'not-a-code' }), 400, 'invalid_grant');
    await expectOAuthError(await exchange(url, { ...grant, verifier: 'short' }), 400, 'invalid_request');
    await expectOAuthError(
      await exchange(url, grant, { ...REAPIT_DEMO_CLIENT, clientSecret: 'wrong' }),
      401,
      'invalid_client',
    );

    expect((await exchange(url, grant)).status).toBe(200);
  });

  it('refuses a reused code and revokes the tokens issued from it', async () => {
    const { simulator, url } = await start();
    const grant = await authorize(url);
    const first = (await (await exchange(url, grant)).json()) as TokenBody;
    expect(await contactsStatus(url, first.access_token)).toBe(200);

    const replay = await expectOAuthError(await exchange(url, grant), 400, 'invalid_grant');
    expect(replay.error_description).toMatch(/already been used/);
    expect(await contactsStatus(url, first.access_token)).toBe(401);
    await expectOAuthError(await refresh(url, first.refresh_token ?? ''), 400, 'invalid_grant');
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 0,
      activeRefreshTokens: 0,
      revokedTokens: 2,
    });
  });

  it('expires codes after 5 minutes', async () => {
    const { simulator, url } = await start();
    const grant = await authorize(url);
    simulator.controls.advanceClock(5 * 60_000);
    const expired = await expectOAuthError(await exchange(url, grant), 400, 'invalid_grant');
    expect(expired.error_description).toMatch(/expired/);
  });
});

describe('Reapit simulator: refresh tokens and revocation', () => {
  it('rotates refresh tokens; reusing a rotated one revokes the whole family', async () => {
    const { simulator, url } = await start();
    const first = await tokensFor(url);
    await expectOAuthError(await refresh(url, first.refresh_token ?? '', OTHER_CLIENT), 400, 'invalid_grant');

    const rotated = await refresh(url, first.refresh_token ?? '');
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as TokenBody;
    expect(second).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: expect.any(String),
    });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(await contactsStatus(url, second.access_token)).toBe(200);
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 2,
      activeRefreshTokens: 1,
      revokedTokens: 0,
    });

    // The rotated token comes back: the client or a thief holds a copy, so the family ends.
    const reuse = await expectOAuthError(await refresh(url, first.refresh_token ?? ''), 400, 'invalid_grant');
    expect(reuse.error_description).toMatch(/already been used/);
    expect(await contactsStatus(url, second.access_token)).toBe(401);
    expect(await contactsStatus(url, first.access_token)).toBe(401);
    await expectOAuthError(await refresh(url, second.refresh_token ?? ''), 400, 'invalid_grant');
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 0,
      activeRefreshTokens: 0,
      revokedTokens: 3,
    });

    // Other grants are untouched.
    const unrelated = await tokensFor(url);
    expect(await contactsStatus(url, unrelated.access_token)).toBe(200);
  });

  it('expires refresh tokens after 30 days; access-token controls apply to these grants too', async () => {
    const { simulator, url } = await start();
    const tokens = await tokensFor(url);

    simulator.controls.expireTokens();
    expect(await contactsStatus(url, tokens.access_token)).toBe(401);
    expect(simulator.tokenStats().activeRefreshTokens).toBe(1);
    const renewed = (await (await refresh(url, tokens.refresh_token ?? '')).json()) as TokenBody;
    expect(await contactsStatus(url, renewed.access_token)).toBe(200);

    simulator.controls.revokeClient(REAPIT_DEMO_CLIENT.clientId);
    expect(await contactsStatus(url, renewed.access_token)).toBe(401);
    await expectOAuthError(await refresh(url, renewed.refresh_token ?? ''), 401, 'invalid_client');
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 0,
      activeRefreshTokens: 0,
      revokedTokens: 0,
    });
    simulator.controls.restoreClient(REAPIT_DEMO_CLIENT.clientId);
    expect(await contactsStatus(url, renewed.access_token)).toBe(200);

    simulator.controls.advanceClock(30 * 86_400_000);
    const expired = await expectOAuthError(
      await refresh(url, renewed.refresh_token ?? ''),
      400,
      'invalid_grant',
    );
    expect(expired.error_description).toMatch(/expired/);
  });

  it('revokes a refresh token with its family, and answers 200 for unknown tokens (RFC 7009)', async () => {
    const { simulator, url } = await start();
    const tokens = await tokensFor(url);
    const kept = await tokensFor(url);
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 2,
      activeRefreshTokens: 2,
      revokedTokens: 0,
    });

    const revoked = await revoke(url, {
      token: tokens.refresh_token ?? '',
      token_type_hint: 'refresh_token',
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toBe('');
    expect(await contactsStatus(url, tokens.access_token)).toBe(401);
    await expectOAuthError(await refresh(url, tokens.refresh_token ?? ''), 400, 'invalid_grant');
    expect(await contactsStatus(url, kept.access_token)).toBe(200);
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 1,
      activeRefreshTokens: 1,
      revokedTokens: 2,
    });
    const overHttp = (await (await fetch(`${url}/_sim/tokens`)).json()) as ReapitTokenStats;
    expect(overHttp).toEqual(simulator.tokenStats());

    expect((await revoke(url, { token: tokens.refresh_token ?? '' })).status).toBe(200);
    expect((await revoke(url, { token: 'never-issued' })).status).toBe(200);
    expect(simulator.tokenStats().revokedTokens).toBe(2);

    await expectOAuthError(await revoke(url, {}), 400, 'invalid_request');
    const badClient = await revoke(
      url,
      { token: kept.access_token },
      { ...REAPIT_DEMO_CLIENT, clientSecret: 'no' },
    );
    await expectOAuthError(badClient, 401, 'invalid_client');
    expect(badClient.headers.get('www-authenticate')).toMatch(/^Basic /);
    await expectOAuthError(
      await revoke(url, { token: kept.access_token }, OTHER_CLIENT),
      400,
      'invalid_grant',
    );
    expect(await contactsStatus(url, kept.access_token)).toBe(200);

    const log = simulator.requestLog.entries({ path: '/revoke' }).map((entry) => entry.status);
    expect(log).toEqual([200, 200, 200, 400, 401, 400]);
  });

  it('revokes an access token: alone for client credentials, with its grant for authorization codes', async () => {
    const { simulator, url } = await start();
    const issue = async () =>
      (
        (await (
          await postForm(url, '/token', { grant_type: 'client_credentials' }, REAPIT_DEMO_CLIENT)
        ).json()) as TokenBody
      ).access_token;
    const [clientToken, otherClientToken] = [await issue(), await issue()];
    expect((await revoke(url, { token: clientToken, token_type_hint: 'access_token' })).status).toBe(200);
    expect(await contactsStatus(url, clientToken)).toBe(401);
    expect(await contactsStatus(url, otherClientToken)).toBe(200);

    const tokens = await tokensFor(url);
    expect((await revoke(url, { token: tokens.access_token })).status).toBe(200);
    expect(await contactsStatus(url, tokens.access_token)).toBe(401);
    await expectOAuthError(await refresh(url, tokens.refresh_token ?? ''), 400, 'invalid_grant');
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 1,
      activeRefreshTokens: 0,
      revokedTokens: 3,
    });
  });

  it('keeps the client-credentials flow as it was, and refuses other grant types', async () => {
    const { simulator, url } = await start();
    const response = await postForm(url, '/token', { grant_type: 'client_credentials' }, REAPIT_DEMO_CLIENT);
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenBody;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect(await contactsStatus(url, body.access_token)).toBe(200);
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 1,
      activeRefreshTokens: 0,
      revokedTokens: 0,
    });

    await expectOAuthError(
      await postForm(url, '/token', { grant_type: 'password' }, REAPIT_DEMO_CLIENT),
      400,
      'unsupported_grant_type',
    );
    await expectOAuthError(
      await postForm(url, '/token', { grant_type: 'refresh_token' }, REAPIT_DEMO_CLIENT),
      400,
      'invalid_request',
    );
    await expectOAuthError(
      await postForm(url, '/token', { grant_type: 'authorization_code', code: 'x' }, REAPIT_DEMO_CLIENT),
      400,
      'invalid_request',
    );

    simulator.controls.reset();
    expect(simulator.tokenStats()).toEqual({
      activeAccessTokens: 0,
      activeRefreshTokens: 0,
      revokedTokens: 0,
    });
  });
});
