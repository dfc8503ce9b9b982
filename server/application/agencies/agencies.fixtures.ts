import type { Server } from 'node:http';
import type { CrmProvider } from '../../../shared/providers.ts';
import { findCrm } from '../../test-support/crms.ts';
import { createApp } from '../../entry/http/app.ts';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

/**
 * The set-up the agencies.*.test.ts files share. Each file starts its own (startAgenciesServer in its
 * beforeAll, stopAgenciesServer in its afterAll); the bindings below are live module exports, so a
 * file's tests read what its own start assigned (vitest loads this module afresh per test file).
 */

export const TOKEN_SECRET = 'agencies-test-token-secret-0123456789-abcdef';
export let services: TestServices;
let server: Server;
export let baseUrl: string;
export let hostToken: string;
const harnesses: RunningHarness[] = [];

/** CRMs with fixed hosts are operator configuration: their simulators run before the services start. */
const FIXED_HOST_SIMULATORS: CrmProvider[] = ['agentos', 'alto', 'loop'];
const fixedHostHarnesses = new Map<CrmProvider, RunningHarness>();

/** Propsync over HTTP with the fixed-host CRMs' simulators running, and a host token. */
export async function startAgenciesServer(): Promise<void> {
  for (const provider of FIXED_HOST_SIMULATORS) {
    const harness = await findCrm(provider)!.simulator.start({ contactCount: 6, rateLimits: false });
    harnesses.push(harness);
    fixedHostHarnesses.set(provider, harness);
  }
  services = await createTestServices({
    env: {
      ...mergeOperatorConfig(
        ...[...fixedHostHarnesses.values()].map((harness) => harness.operatorConfig),
        // Custom CRMs are started per test on free ports; their address is what the admin types.
        { PROPSYNC_EGRESS_ALLOW: '127.0.0.1' },
      ),
      PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
    },
    offboardingLockTimeoutMs: 500,
  });
  ({ server, baseUrl } = await listenOnFreePort(createApp({ services })));
  hostToken = await services.tokens.mintHost();
}

export async function stopAgenciesServer(): Promise<void> {
  server?.close();
  await services?.destroy();
  for (const harness of harnesses) await harness.close();
}

export async function startSimulator(provider: CrmProvider): Promise<RunningHarness> {
  const fixed = fixedHostHarnesses.get(provider);
  if (fixed) return fixed;
  const harness = await findCrm(provider)!.simulator.start({ contactCount: 6, rateLimits: false });
  harnesses.push(harness);
  return harness;
}

type TrpcAnswer = { status: number; data: any; message: string | null; code: string | null };

/** One tRPC call as a host's code makes it: no batching, no transformer, JSON in and out. */
export async function call(
  path: string,
  input: unknown,
  token: string | null,
  type: 'query' | 'mutation' = 'mutation',
): Promise<TrpcAnswer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response =
    type === 'query'
      ? await fetch(
          `${baseUrl}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
          { headers },
        )
      : await fetch(`${baseUrl}/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
  const body = (await response.json()) as {
    result?: { data: unknown };
    error?: { message: string; data?: { code?: string } };
  };
  return {
    status: response.status,
    data: body.result?.data ?? null,
    message: body.error?.message ?? null,
    code: body.error?.data?.code ?? null,
  };
}

export const query = <T = any>(sql: string, params: unknown[] = []) =>
  services.orm.em.fork().execute<T[]>(sql, params);
export const countOf = async (sql: string, params: unknown[] = []) =>
  (await query<{ n: number }>(sql, params))[0]!.n;
export const embedToken = (organisationId: string, role: 'admin' | 'viewer' = 'admin') =>
  services.tokens.mint({ organisationId, role });

