import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { expect } from 'vitest';
import type { CrmProvider } from '../../../shared/providers.ts';
import { CRMS } from '../../test-support/crms.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { allowListeners, mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';
import { createApp } from './app.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

/**
 * The bad-input corpus: every webhook route and every tRPC procedure (found by walking the router,
 * so a new procedure is covered without touching these files) gets malformed, truncated, mistyped,
 * oversized, unicode and injection-looking input over real HTTP. Each answer must be a clear 4xx
 * (or, for a weird-but-valid value, a success that changes nothing or round-trips it unchanged),
 * never a 5xx; the database must be byte-for-byte unchanged and the server still healthy.
 */

/**
 * The set-up the *.bad-input.test.ts files share. Each file starts its own (startBadInputServer in
 * its beforeAll, stopBadInputServer in its afterAll); the bindings below are live module exports, so
 * a file's tests read what its own start assigned (vitest loads this module afresh per test file).
 */

export let services: TestServices;
let server: Server;
export let baseUrl: string;
export let organisationId: string;
export let adminToken: string;
/** The host's server credential, for `agencies.*` (embed tokens are refused there). */
export let hostToken: string;
export const harnesses = new Map<CrmProvider, RunningHarness>();
export const connectionIds = new Map<CrmProvider, string>();
export const secrets = new Map<CrmProvider, string | null>();

/** Loopback servers standing in for hostile CRMs: each records every request it gets. */
type FakeCrm = { url: string; hits: string[]; server: Server };
export const fakeCrms: Record<'redirecting' | 'elsewhere' | 'chatty', FakeCrm> = {} as never;

async function fakeCrm(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<FakeCrm> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    handle(request, response);
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits, server };
}

/** The CRM simulators, the hostile fake CRMs and Propsync over HTTP, one agency connected to every CRM. */
export async function startBadInputServer(): Promise<void> {
  for (const { simulator } of CRMS) {
    harnesses.set(simulator.provider, await simulator.start({ contactCount: 5, rateLimits: false }));
  }
  fakeCrms.elsewhere = await fakeCrm((_request, response) => response.end('{}'));
  fakeCrms.redirecting = await fakeCrm((_request, response) => {
    response.writeHead(302, { location: `${fakeCrms.elsewhere.url}/steal` }).end();
  });
  fakeCrms.chatty = await fakeCrm((_request, response) => {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: 'INTERNAL-ONLY: replica db-2.internal, user propsync' }));
  });
  // The simulators' hosts, and exactly their listeners and the fake CRMs' allowed: every other
  // internal address is refused.
  services = await createTestServices({
    env: mergeOperatorConfig(
      ...[...harnesses.values()].map((harness) => harness.operatorConfig),
      allowListeners(...Object.values(fakeCrms).map((crm) => crm.url)),
    ),
  });
  organisationId = await createOrganisation(services, 'Bad Input Lettings');
  ({ server, baseUrl } = await listenOnFreePort(createApp({ services })));
  for (const [provider, harness] of harnesses) {
    const summary = await services.connections.connect(organisationId, provider, harness.connection);
    connectionIds.set(provider, summary.id);
    const [row] = await query<{ webhook_secret: unknown }>(
      `select webhook_secret from crm_connections where id = ?`,
      [summary.id],
    );
    secrets.set(
      provider,
      row?.webhook_secret
        ? services.vault.decrypt<string>(row.webhook_secret, { organisationId, connectionId: summary.id })
        : null,
    );
  }
  await services.whenIdle(60_000);
  adminToken = await services.tokens.mint({ organisationId, role: 'admin' });
  hostToken = await services.tokens.mintHost(30 * 60);
}

export async function stopBadInputServer(): Promise<void> {
  server?.close();
  await services?.destroy();
  for (const harness of harnesses.values()) await harness.close();
  for (const crm of Object.values(fakeCrms)) crm.server.close();
}

export const query = <T>(sql: string, params: unknown[] = []) =>
  services.orm.em.fork().execute<T[]>(sql, params);

/**
 * Rate budgets count requests that were sent, refused or not: a request whose answer is refused
 * (a redirect elsewhere, say) still took its slot. Bookkeeping of the pacer, not stored data.
 */
const REQUEST_BOOKKEEPING = ['rate_budget_slots', 'rate_budgets'];

/** A checksum of every row of every table Propsync owns: any write of data, anywhere, changes it. */
export async function databaseChecksum(): Promise<Record<string, string>> {
  const tables = await query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'
       and table_name <> all(array[?]::text[]) order by table_name`,
    [REQUEST_BOOKKEEPING],
  );
  const sums: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const [row] = await query<{ rows: number; sum: string | null }>(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from "${table}" t`,
    );
    sums[table] = `${row!.rows}:${row!.sum}`;
  }
  return sums;
}

/** A refusal is JSON with a stable code (`{ error, code, requestId }`), never HTML. */
export function hasStableCode(text: string): boolean {
  try {
    const body = JSON.parse(text) as { code?: unknown };
    return typeof body.code === 'string' && /^[A-Z]+\.[A-Z_]+$/.test(body.code);
  } catch {
    return false;
  }
}

/** What no answer may carry: a driver's error text or a stack. */
export const LEAKS =
  /invalid input syntax|violates .* constraint|relation "|syntax error at|"stack"|\bat .*\.ts:\d+/;

export async function expectHealthy(): Promise<void> {
  const response = await fetch(`${baseUrl}/healthz`);
  expect(response.status).toBe(200);
}

// ---------------------------------------------------------------------------------------------
// Hostile strings
// ---------------------------------------------------------------------------------------------

export const OVERSIZED = 'x'.repeat(100_000);
export const WEIRD_STRINGS: Record<string, string> = {
  sql: `'; drop table contacts; --`,
  sqlUnion: `" OR 1=1 UNION SELECT credentials FROM crm_connections --`,
  html: `<script>alert('x')</script><img src=x onerror=alert(1)>`,
  template: '${process.env.PROPSYNC_TOKEN_SECRET}{{constructor.constructor("return process")()}}',
  pathTraversal: '../../../../etc/passwd%00',
  rightToLeft: '\u202Eكريم الحسيني\u202C',
  unicode: 'Zoë Ångström-Łukasiewicz 山田 🏠',
  nul: 'a\u0000b',
  likeWildcards: '%_%',
  oversized: OVERSIZED,
};

export async function call(
  path: string,
  type: string,
  rawInput: string | null,
  token: string | null = adminToken,
): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (type === 'query') {
    const search = rawInput === null ? '' : `?input=${encodeURIComponent(rawInput)}`;
    return fetch(`${baseUrl}/trpc/${path}${search}`, { headers });
  }
  return fetch(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    ...(rawInput === null ? {} : { body: rawInput }),
  });
}
