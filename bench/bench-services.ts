import type { ServiceOptions, Services } from '../server/entry/services.ts';
import { createDrivenServices, type DrivenServices } from '../server/test-support/driven-services.ts';
import type { CrmProvider } from '../shared/providers.ts';
import type { SimulatorProcess } from './simulator-process.ts';

export type BenchServices = DrivenServices;

/**
 * The real composition root (createServices) over a bench database. No scheduler and no queue
 * workers: benches drive cycles themselves, exactly as the worker's job handler does.
 */
export function createBenchServices(
  databaseUrl: string,
  options: ServiceOptions = {},
  /** More configuration: the simulator's `operatorConfig` (its hosts and egress allowance). */
  env: Record<string, string> = {},
): Promise<BenchServices> {
  return createDrivenServices(databaseUrl, {
    label: 'bench',
    env: {
      PROPSYNC_TOKEN_SECRET: 'bench-token-secret-that-is-long-enough-0123456789',
      PROPSYNC_SYNC_CONCURRENCY: '0',
      ...env,
    },
    logLevel: process.env.BENCH_LOG_LEVEL,
    options,
  });
}

export async function createOrganisation(services: Services, name: string): Promise<string> {
  const [row] = await services.orm.em
    .fork()
    .execute<{ id: string }[]>(`insert into organisations (name) values (?) returning id`, [name]);
  return row!.id;
}

/**
 * Connects an agency to a simulator through the connection service (verification, encrypted
 * credentials, webhook registration). `withoutWebhooks` removes the subscription again so the
 * simulator does not spend the machine's CPU delivering to a receiver that is not there.
 */
export async function connectToSimulator(
  services: Services,
  organisationId: string,
  simulator: SimulatorProcess,
  options: {
    settings?: Record<string, string>;
    withoutWebhooks?: boolean;
    /** Leave the field mapping unconfirmed, as just after an admin connects: nothing is written back. */
    unconfirmedMapping?: boolean;
  } = {},
): Promise<string> {
  const summary = await services.connections.connect(organisationId, simulator.provider as CrmProvider, {
    credentials: simulator.connection.credentials,
    settings: { ...simulator.connection.settings, ...options.settings },
  });
  // The bench measures write-back too: its connections' mappings are confirmed as they are made (unless asked not to).
  if (!options.unconfirmedMapping) await services.fieldMapping.confirm(organisationId, summary.id, 'bench');
  if (options.withoutWebhooks) {
    const [row] = await services.orm.em
      .fork()
      .execute<{ webhook_registration: { ids: string[]; url: string } | null }[]>(
        `select webhook_registration from crm_connections where id = ?`,
        [summary.id],
      );
    if (row?.webhook_registration) {
      const adapter = await services.connections.adapterFor(summary.id);
      await adapter.unregisterWebhooks({ ...row.webhook_registration, secret: null });
    }
  }
  return summary.id;
}

/** Every HTTP request the adapters make, with start and end times (for request rates). */
export class RequestRecorder {
  readonly entries: Array<{
    startedAt: number;
    endedAt: number;
    method: string;
    path: string;
    status: number | null;
  }> = [];
  /** Bodies of 429 answers (which limit the simulator says was hit). */
  readonly rejections: Array<{ startedAt: number; body: string }> = [];

  readonly fetch: typeof fetch = async (input, init) => {
    const startedAt = performance.now();
    const method = init?.method ?? 'GET';
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    try {
      const response = await fetch(input, init);
      this.entries.push({ startedAt, endedAt: performance.now(), method, path, status: response.status });
      if (response.status === 429) {
        const body = await response.clone().text();
        this.rejections.push({ startedAt, body: body.slice(0, 200) });
      }
      return response;
    } catch (error) {
      this.entries.push({ startedAt, endedAt: performance.now(), method, path, status: null });
      throw error;
    }
  };

  clear(): void {
    this.entries.length = 0;
    this.rejections.length = 0;
  }
}
