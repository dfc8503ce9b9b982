import { runSyncCycle, type SyncCycleResult } from '../../server/core/sync/sync-cycle.ts';
import { connectAgency, withSimulatorBench } from '../bench-fixture.ts';
import type { BenchContext } from '../bench-row.ts';
import { fmt, mb, RssSampler, timed } from '../measure.ts';
import { QueryProfile } from '../query-profile.ts';
import type { SimulatorProcess } from '../simulator-process.ts';

export type ImportMeasurement = {
  contacts: number;
  ms: number;
  rate: number;
  cycle: SyncCycleResult;
  counts: { contacts: number; links: number; log_rows: number; run_status: string };
  rss: {
    baselineMb: number;
    peakMb: number;
    quarters: Array<{ fetched: number; rssMb: number; atS: number }>;
  };
  simulatorPid: number;
  /** CPU time this (importer) process spent during the import: wall time minus this is waiting on PostgreSQL and the simulator. */
  importerCpuS: number;
  sqlSpans?: ReturnType<QueryProfile['top']>;
};

/**
 * One initial import of `contacts` Reapit contacts, end to end: the simulator in a child process
 * (pages of 100; its rate limits off unless asked for), the connection made through the connection service, then the
 * cycle the composition root runs (same store, adapter resolution, logger and metrics hook) with
 * a progress hook reading this process's RSS at each quarter. `afterImport` runs before the
 * database is dropped.
 */
export async function measureInitialImport<T>(
  context: BenchContext,
  contacts: number,
  afterImport: (state: {
    databaseUrl: string;
    organisationId: string;
    connectionId: string;
    simulator: SimulatorProcess;
  }) => Promise<T>,
  options: { rateLimits?: boolean } = {},
): Promise<ImportMeasurement & { after: T }> {
  const simulatorOptions = { provider: 'reapit', contacts, rateLimits: options.rateLimits ?? false } as const;
  return withSimulatorBench(context, { label: 'import', simulator: simulatorOptions }, async (bench) => {
    const { database, services, simulator } = bench;
    const { organisationId, connectionId } = await connectAgency(bench, 'Bench Import Estates', {
      settings: { pageSize: '100' },
      withoutWebhooks: true,
    });
    context.log(`importing ${fmt(contacts)} contacts (simulator ready in ${fmt(simulator.startupMs)} ms)`);
    (globalThis as { gc?: () => void }).gc?.();
    const profile = context.profileSql ? new QueryProfile().install() : null;
    const rss = new RssSampler().start();
    const baselineMb = mb(rss.samples[0]!.rssBytes);
    const quarters: ImportMeasurement['rss']['quarters'] = [];
    const startedAt = performance.now();
    const cpuBefore = process.cpuUsage();
    const cycle = await timed(() =>
      runSyncCycle(
        {
          store: services.syncStore,
          adapterFor: (id) => services.connections.adapterFor(id),
          logger: services.logger,
          onFinished: services.metrics.observeCycle,
          onProgress: ({ fetched }) => {
            if (fetched < ((quarters.length + 1) * contacts) / 4) return;
            quarters.push({
              fetched,
              rssMb: mb(rss.sample()),
              atS: Math.round((performance.now() - startedAt) / 1000),
            });
            context.log(`  ${fmt(fetched)} fetched, RSS ${quarters.at(-1)!.rssMb} MB`);
          },
        },
        connectionId,
        'initial',
      ),
    );
    rss.stop();
    const cpu = process.cpuUsage(cpuBefore);
    profile?.uninstall();
    if (cycle.result.status !== 'succeeded') throw new Error(`import ${cycle.result.status}`);
    const [counts] = await services.orm.em.fork().execute<ImportMeasurement['counts'][]>(
      `select (select count(*)::int from contacts where organisation_id = ?) as contacts,
           (select count(*)::int from contact_external_ids where connection_id = ?) as links,
           (select count(*)::int from crm_sync_log where connection_id = ?) as log_rows,
           (select status from sync_runs where connection_id = ? order by started_at desc limit 1) as run_status`,
      [organisationId, connectionId, connectionId, connectionId],
    );
    if (counts!.links !== contacts)
      throw new Error(`expected ${contacts} external ids, found ${counts!.links}`);
    const after = await afterImport({ databaseUrl: database.url, organisationId, connectionId, simulator });
    return {
      contacts,
      ms: cycle.ms,
      rate: contacts / (cycle.ms / 1000),
      cycle: cycle.result,
      counts: counts!,
      rss: { baselineMb, peakMb: mb(rss.peakBytes), quarters },
      simulatorPid: simulator.pid,
      importerCpuS: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      ...(profile ? { sqlSpans: profile.top() } : {}),
      after,
    };
  });
}
