/**
 * A CRM simulator in a process of its own, so its CPU and memory are never attributed to the
 * importer being measured. Started by `simulator-process.ts`; driven over the IPC channel.
 * Environment: BENCH_PROVIDER, BENCH_CONTACTS, BENCH_RATE_LIMITS (on|off), BENCH_SEED, and
 * BENCH_CUSTOMERS (Reapit only: that many customers, each with BENCH_CONTACTS contacts of its own).
 */
import { findSimulator } from '../simulators/registry.ts';
import { reapitOperatorConfig } from '../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator } from '../simulators/reapit/reapit-simulator.ts';
import type { RunningHarness } from '../simulators/toolkit/contract-harness.ts';
import type { CrmProvider } from '../shared/providers.ts';
import type { ChildReply, ChildRequest } from './simulator-process.ts';

const provider = process.env.BENCH_PROVIDER as CrmProvider;
const harness = findSimulator(provider)?.harness;
if (!harness) throw new Error(`no simulator harness registered for ${provider}`);

const startedAt = performance.now();
const options = {
  seed: Number(process.env.BENCH_SEED ?? 1),
  contactCount: Number(process.env.BENCH_CONTACTS ?? 1000),
  rateLimits: process.env.BENCH_RATE_LIMITS !== 'off',
};
const customers = Number(process.env.BENCH_CUSTOMERS ?? 0);
const { running, connections } =
  customers > 0
    ? await startReapitCustomers(customers)
    : { running: await harness.start(options), connections: [] };

type ChildSimulator = Pick<
  RunningHarness,
  | 'url'
  | 'connection'
  | 'operatorConfig'
  | 'listableContactCount'
  | 'listableContactIds'
  | 'modifyContacts'
  | 'requests'
  | 'clearRequests'
  | 'close'
>;

/**
 * One Reapit serving several customers (agencies), each through an app of its own, as Reapit
 * does: one API host, so one Propsync deployment reaches all of them. Controls act on the first.
 */
async function startReapitCustomers(
  count: number,
): Promise<{ running: ChildSimulator; connections: ChildSimulator['connection'][] }> {
  if (provider !== 'reapit') throw new Error('BENCH_CUSTOMERS is supported for reapit only');
  const clients = Array.from({ length: count }, (_, index) => ({
    clientId: `bench-agency-${index + 1}`,
    clientSecret: `bench-agency-secret-${index + 1}`,
    customerId: `BENCH${index + 1}`,
  }));
  const simulator = createReapitSimulator({
    seed: options.seed,
    contactCount: options.contactCount,
    webhookRetryScale: 0.0001,
    clients,
    ...(options.rateLimits ? {} : { rateLimits: false as const }),
  });
  const listening = await simulator.listen(0);
  const connections = clients.map(({ clientId, clientSecret, customerId }) => ({
    credentials: { clientId, clientSecret },
    settings: { customerId },
  }));
  return {
    connections,
    running: {
      url: listening.url,
      connection: connections[0]!,
      operatorConfig: reapitOperatorConfig(listening),
      listableContactCount: () => simulator.contactCount(),
      listableContactIds: () => simulator.contactIds(),
      modifyContacts: (modified) =>
        simulator.controls.modifyContacts({ count: modified, randomChange: true }),
      requests: () =>
        simulator.requestLog
          .entries()
          .map(({ method, path, query, status }) => ({ method, path, query, status })),
      clearRequests: () => simulator.requestLog.clear(),
      close: () => simulator.close(),
    },
  };
}

function send(message: ChildReply): void {
  process.send?.(message);
}

send({
  type: 'ready',
  url: running.url,
  connection: running.connection,
  connections,
  operatorConfig: running.operatorConfig,
  contactCount: running.listableContactCount(),
  startupMs: Math.round(performance.now() - startedAt),
});

process.on('message', (message: ChildRequest) => {
  void (async () => {
    try {
      const result = await handle(message);
      send({ type: 'reply', id: message.id, ok: true, result });
    } catch (error) {
      send({
        type: 'reply',
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  })();
});

async function handle(message: ChildRequest): Promise<unknown> {
  switch (message.op) {
    case 'modifyContacts':
      return running.modifyContacts(message.count).length;
    case 'contactIds':
      return running.listableContactIds().slice(0, message.limit);
    case 'requestStats': {
      const requests = running.requests();
      const byStatus: Record<string, number> = {};
      const byPath: Record<string, number> = {};
      for (const request of requests) {
        byStatus[String(request.status)] = (byStatus[String(request.status)] ?? 0) + 1;
        const route = `${request.method} ${request.path.split('?')[0]!.replace(/\/[^/]*\d[^/]*$/, '/:id')}`;
        byPath[route] = (byPath[route] ?? 0) + 1;
      }
      return { total: requests.length, byStatus, byPath };
    }
    case 'clearRequests':
      running.clearRequests();
      return null;
    case 'close':
      await running.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('disconnect', () => process.exit(0));
