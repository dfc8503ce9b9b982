import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createEgressFetch, egressRefusalOf } from './egress-fetch.ts';
import { EgressPolicy, parseEgressAllow, type LookupAll } from './egress-policy.ts';

type Target = { url: string; port: number; hits: string[] };
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A loopback server that records every request it gets. */
async function target(
  handle: (request: IncomingMessage, response: ServerResponse) => void = okay,
): Promise<Target> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    handle(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, port, hits };
}

function okay(_request: IncomingMessage, response: ServerResponse): void {
  response.end('INTERNAL-ONLY secret page');
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const { port } = await target();
  await new Promise((resolve) => servers.pop()!.close(resolve));
  return port;
}

const refusingLoopback = (lookup?: LookupAll) =>
  createEgressFetch(new EgressPolicy({ httpsOnly: false, allow: [], ...(lookup ? { lookup } : {}) }));

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught as Error,
  );
  if (!error) throw new Error('expected the request to fail');
  return error;
}

describe('egress fetch under a policy that refuses loopback', () => {
  it('never reaches a loopback server, and answers an open and a closed port alike', async () => {
    const open = await target();
    const closed = await closedPort();
    const fetchUnderPolicy = refusingLoopback();
    const openError = await failure(fetchUnderPolicy(`${open.url}/admin`, { method: 'POST', body: 'x' }));
    const closedError = await failure(fetchUnderPolicy(`http://127.0.0.1:${closed}/admin`));
    expect(open.hits).toEqual([]);
    expect(egressRefusalOf(openError)?.message).toMatch(/does not call internal addresses.*loopback/);
    expect(egressRefusalOf(closedError)?.message).toBe(egressRefusalOf(openError)?.message);
  });

  it('checks the address a name resolves to when connecting: localhost, and a name rebound after the check', async () => {
    const open = await target();
    const localhost = await failure(refusingLoopback()(`http://localhost:${open.port}/`));
    expect(egressRefusalOf(localhost)?.message).toContain('loopback');
    // DNS rebinding: public when the address is saved, loopback when the request connects.
    let lookups = 0;
    const rebinding: LookupAll = async () => (lookups++ === 0 ? ['93.184.215.14'] : ['127.0.0.1']);
    const policy = new EgressPolicy({ httpsOnly: false, allow: [], lookup: rebinding });
    await expect(policy.vetUrl(`http://rebind.example:${open.port}/`)).resolves.toBeInstanceOf(URL);
    const rebound = await failure(createEgressFetch(policy)(`http://rebind.example:${open.port}/`));
    expect(egressRefusalOf(rebound)?.message).toContain('loopback');
    expect(open.hits).toEqual([]);
  });

  it('reaches an allow-listed address, and only on its port', async () => {
    const allowed = await target();
    const other = await target();
    const fetchUnderPolicy = createEgressFetch(
      new EgressPolicy({ httpsOnly: false, allow: parseEgressAllow(`127.0.0.1:${allowed.port}`) }),
    );
    const response = await fetchUnderPolicy(`${allowed.url}/contacts`);
    expect(await response.text()).toBe('INTERNAL-ONLY secret page');
    await failure(fetchUnderPolicy(`${other.url}/contacts`));
    expect(other.hits).toEqual([]);
  });
});

describe('egress fetch: redirects', () => {
  it('refuses a redirect to another origin, even an allowed one, without calling it', async () => {
    const elsewhere = await target();
    const crm = await target((_request, response) => {
      response.writeHead(302, { location: `${elsewhere.url}/steal` }).end();
    });
    const fetchUnderPolicy = createEgressFetch(
      new EgressPolicy({
        httpsOnly: false,
        allow: parseEgressAllow(`127.0.0.1:${crm.port},127.0.0.1:${elsewhere.port}`),
      }),
    );
    const error = await failure(fetchUnderPolicy(`${crm.url}/token`, { method: 'POST', body: 'secret=1' }));
    expect(egressRefusalOf(error)?.message).toMatch(/redirected to another address.*same origin/);
    expect(crm.hits).toEqual(['POST /token']);
    expect(elsewhere.hits).toEqual([]);
  });

  it('follows a redirect within the same origin, keeping the method for a 307', async () => {
    const crm = await target((request, response) => {
      if (request.url === '/old') response.writeHead(307, { location: '/new' }).end();
      else response.end(`${request.method} ${request.url}`);
    });
    const fetchUnderPolicy = createEgressFetch(
      new EgressPolicy({ httpsOnly: false, allow: parseEgressAllow(`127.0.0.1:${crm.port}`) }),
    );
    const response = await fetchUnderPolicy(`${crm.url}/old`, { method: 'POST', body: '{}' });
    expect(await response.text()).toBe('POST /new');
    expect(crm.hits).toEqual(['POST /old', 'POST /new']);
  });
});
