/** What the development-only `GET /demo/session` returns: a token minted as the host would mint it. */
export type DemoSession = { token: string; organisationName: string };

/** Refresh this long before the token's own expiry, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 60_000;
/** When a token's expiry cannot be read, assume it is good for this long. */
const FALLBACK_LIFETIME_MS = 5 * 60_000;

export async function fetchDemoSession(signal?: AbortSignal): Promise<DemoSession> {
  const response = await fetch('/demo/session', { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /demo/session answered ${response.status}`);
  const body: unknown = await response.json();
  if (
    typeof body !== 'object' ||
    body === null ||
    !('token' in body) ||
    typeof body.token !== 'string' ||
    !('organisationName' in body) ||
    typeof body.organisationName !== 'string'
  ) {
    throw new Error('GET /demo/session returned an unexpected body');
  }
  return { token: body.token, organisationName: body.organisationName };
}

/**
 * Asks for a session until the server has one to give: right after start-up the server can be
 * healthy before the demo agency exists (404) or while it is still starting (503).
 */
export async function waitForDemoSession(
  signal: AbortSignal,
  { attempts = 20, delayMs = 1_500 }: { attempts?: number; delayMs?: number } = {},
): Promise<DemoSession> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchDemoSession(signal);
    } catch (error) {
      if (signal.aborted || attempt >= attempts) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** Reads `exp` from a JWT without verifying it: only to know when to ask for a new one. */
function readExpiry(token: string): number | null {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof claims === 'object' && claims !== null && 'exp' in claims && typeof claims.exp === 'number') {
      return claims.exp * 1000;
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * The demo host's `getToken`: hands out the current token and fetches a fresh session shortly
 * before it expires (embed tokens are short-lived), sharing one refresh between parallel callers.
 */
export function createDemoTokenSource(initial: DemoSession): () => Promise<string> {
  let token = initial.token;
  let refreshAt = (readExpiry(token) ?? Date.now() + FALLBACK_LIFETIME_MS) - EXPIRY_MARGIN_MS;
  let refreshing: Promise<string> | null = null;

  return async () => {
    if (Date.now() < refreshAt) return token;
    refreshing ??= fetchDemoSession()
      .then((session) => {
        token = session.token;
        refreshAt = (readExpiry(token) ?? Date.now() + FALLBACK_LIFETIME_MS) - EXPIRY_MARGIN_MS;
        return token;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  };
}
