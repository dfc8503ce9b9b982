// A host application's backend talking to Propsync: plain Node ≥ 20 and the `jose` package.
//
//   PROPSYNC_URL=http://localhost:4000 PROPSYNC_TOKEN_SECRET=<the shared secret> \
//     node examples/host-backend/mint-tokens.mjs "Brook & Vale Lettings" brook-and-vale [--offboard]
//
// It mints a host token, provisions the agency (idempotent on the host's own reference, the
// second argument), then mints an embed token for that agency, as the host does for its signed-in
// admin's browser, and lists the agency's connections with it. With --offboard it then asks what
// offboarding would remove (a dry run) and offboards the agency.
import { SignJWT } from 'jose';

const baseUrl = (process.env.PROPSYNC_URL ?? 'http://localhost:4000').replace(/\/$/, '');
const secret = process.env.PROPSYNC_TOKEN_SECRET;
if (!secret || secret.length < 32) {
  console.error(
    'Set PROPSYNC_TOKEN_SECRET to the secret Propsync is configured with (at least 32 characters)',
  );
  process.exit(1);
}
const key = new TextEncoder().encode(secret);

/** The host's server credential: role "host", no agency. Keep it on the server; mint one per task. */
export function mintHostToken() {
  return new SignJWT({ role: 'host' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('propsync-host')
    .setAudience('propsync')
    .setIssuedAt()
    .setExpirationTime('5m') // at most PROPSYNC_TOKEN_MAX_LIFETIME_SECONDS (default 1 hour)
    .sign(key);
}

/** The browser's credential: one agency (`org`, the id agencies.create answered) and a role. */
export function mintEmbedToken(agencyId, role = 'admin') {
  return new SignJWT({ org: agencyId, role }) // role: "admin" or "viewer"
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('propsync-host')
    .setAudience('propsync')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(key);
}

/**
 * One tRPC call over plain HTTP (tRPC 11, no transformer): a mutation is a POST whose body is the
 * input as JSON; a query is a GET with the input as JSON in `?input=`. The answer is
 * `{ "result": { "data": … } }`, or `{ "error": { "message": … } }` with a 4xx/5xx status.
 */
async function callPropsync(procedure, input, token, kind = 'mutation') {
  const headers = { authorization: `Bearer ${token}` };
  const response =
    kind === 'query'
      ? await fetch(
          `${baseUrl}/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
          { headers },
        )
      : await fetch(`${baseUrl}/trpc/${procedure}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
  const body = await response.json();
  if (!response.ok) throw new Error(`${procedure} answered ${response.status}: ${body.error?.message}`);
  return body.result.data;
}

const [name = 'Brook & Vale Lettings', externalRef = 'brook-and-vale', option] = process.argv.slice(2);
const hostToken = await mintHostToken();
const agency = await callPropsync('agencies.create', { name, externalRef }, hostToken);
console.log(`agency ${agency.id} (${agency.created ? 'created' : 'already provisioned'})`);

const embedToken = await mintEmbedToken(agency.id);
const connections = await callPropsync('connections.list', undefined, embedToken, 'query');
console.log(`embed token works: the agency has ${connections.length} connection(s)`);
// Hand `embedToken` to the signed-in admin's browser (PropsyncProvider); never log it.

if (option === '--offboard') {
  const preview = await callPropsync('agencies.offboard', { id: agency.id, dryRun: true }, hostToken);
  console.log(`dry run: ${preview.summary}`);
  const report = await callPropsync('agencies.offboard', { id: agency.id, dryRun: false }, hostToken);
  console.log(`offboarded: ${report.summary}`);
}
