/**
 * What a host's backend does for Propsync's browser components: mint a short-lived embed token
 * for its signed-in user, naming the agency and a role, signed with the secret it shares with
 * Propsync (PROPSYNC_TOKEN_SECRET). The examples' servers serve it at /api/propsync-token.
 */
import { SignJWT } from 'jose';

/**
 * @param {{ secret: string, agencyId: string, role: 'admin' | 'viewer', lifetimeSeconds?: number }} options
 * @returns {Promise<{ token: string, expiresAt: string }>}
 */
export async function mintEmbedToken({ secret, agencyId, role, lifetimeSeconds = 10 * 60 }) {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + lifetimeSeconds; // Propsync refuses tokens living over an hour
  const token = await new SignJWT({ org: agencyId, role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('propsync-host')
    .setAudience('propsync')
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

/**
 * The agency the signed-in user belongs to. A real host stores the id `agencies.create` answered
 * when it onboarded the agency (README, "Host onboarding") and reads it from its own database.
 * The examples take it from PROPSYNC_AGENCY_ID or, against `npm start`'s development server only,
 * read the demo agency's id from a demo session (the token it carries is not used).
 * @param {string} propsyncUrl
 */
export async function exampleAgencyId(propsyncUrl) {
  if (process.env.PROPSYNC_AGENCY_ID) return process.env.PROPSYNC_AGENCY_ID;
  const response = await fetch(`${propsyncUrl}/demo/session`);
  if (!response.ok)
    throw new Error(`Set PROPSYNC_AGENCY_ID: ${propsyncUrl}/demo/session answered ${response.status}`);
  const { token } = await response.json();
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).org;
}

/**
 * The example hosts' token endpoint: `GET /api/propsync-token` → `{ token, expiresAt }`. A real
 * host checks its own session here and picks the role from its own permissions.
 * @param {{ secret: string | undefined, propsyncUrl: string }} options
 */
export function tokenEndpoint({ secret, propsyncUrl }) {
  if (!secret) throw new Error('Set PROPSYNC_TOKEN_SECRET to the secret Propsync uses');
  let agencyId = null;
  /** @param {import('node:http').IncomingMessage} _request @param {import('node:http').ServerResponse} response */
  return async (_request, response) => {
    try {
      agencyId ??= await exampleAgencyId(propsyncUrl);
      const body = await mintEmbedToken({ secret, agencyId, role: 'admin' });
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    } catch (error) {
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  };
}

// `PROPSYNC_TOKEN_SECRET=… node examples/host-backend/embed-token.mjs <agency id> [admin|viewer]`
// prints a token, e.g. to try the API with curl.
if (import.meta.main) {
  const [agencyId, role = 'admin'] = process.argv.slice(2);
  if (!agencyId || !process.env.PROPSYNC_TOKEN_SECRET || !['admin', 'viewer'].includes(role)) {
    console.error(
      'Usage: PROPSYNC_TOKEN_SECRET=… node examples/host-backend/embed-token.mjs <agency id> [admin|viewer]',
    );
    process.exit(1);
  }
  const { token } = await mintEmbedToken({ secret: process.env.PROPSYNC_TOKEN_SECRET, agencyId, role });
  console.log(token);
}
