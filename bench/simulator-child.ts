/**
 * A CRM simulator in a process of its own, so its CPU and memory are never attributed to the
 * importer being measured. Started by `simulator-process.ts`; driven over the IPC channel.
 * Environment: BENCH_PROVIDER, BENCH_CONTACTS, BENCH_RATE_LIMITS (on|off), BENCH_SEED.
 */
import { findSimulator } from '../simulators/registry.ts';
import type { CrmProvider } from '../shared/providers.ts';
import type { ChildReply, ChildRequest } from './simulator-process.ts';

const provider = process.env.BENCH_PROVIDER as CrmProvider;
const harness = findSimulator(provider)?.harness;
if (!harness) throw new Error(`no simulator harness registered for ${provider}`);

const startedAt = performance.now();
const running = await harness.start({
  seed: Number(process.env.BENCH_SEED ?? 1),
  contactCount: Number(process.env.BENCH_CONTACTS ?? 1000),
  rateLimits: process.env.BENCH_RATE_LIMITS !== 'off',
});

function send(message: ChildReply): void {
  process.send?.(message);
}

send({
  type: 'ready',
  url: running.url,
  connection: running.connection,
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
