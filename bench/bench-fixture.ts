import type { ServiceOptions } from '../server/entry/services.ts';
import type { SyncCycleResult } from '../server/core/sync/sync-cycle.ts';
import { createBenchDatabase, type BenchDatabase } from './bench-database.ts';
import type { BenchContext } from './bench-row.ts';
import {
  connectToSimulator,
  createBenchServices,
  createOrganisation,
  type BenchServices,
} from './bench-services.ts';
import { timed } from './measure.ts';
import { startSimulatorProcess, type SimulatorOptions, type SimulatorProcess } from './simulator-process.ts';

/** What most rows stand on: a database of their own, a simulator child, the real services over both. */
export type SimulatorBench = {
  database: BenchDatabase;
  simulator: SimulatorProcess;
  services: BenchServices;
  /** Disposes the services, stops the simulator and drops the database. */
  close: () => Promise<void>;
};

export type SimulatorBenchSetup = {
  /** Part of the database's name (`propsync_bench_<label>_…`). */
  label: string;
  simulator: SimulatorOptions;
  services?: ServiceOptions;
};

/** Opens a `SimulatorBench`; what was started is closed again when a later step fails. */
export async function openSimulatorBench(
  context: BenchContext,
  setup: SimulatorBenchSetup,
): Promise<SimulatorBench> {
  const database = await createBenchDatabase(context.adminUrl, setup.label);
  const simulator = await startSimulatorProcess(setup.simulator).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  try {
    const services = await createBenchServices(database.url, setup.services, simulator.operatorConfig);
    return {
      database,
      simulator,
      services,
      close: async () => {
        await services.dispose();
        await simulator.close();
        await database.drop();
      },
    };
  } catch (error) {
    await simulator.close();
    await database.drop();
    throw error;
  }
}

/** Runs `use` on a fresh `SimulatorBench` and closes it afterwards, whether `use` succeeds or not. */
export async function withSimulatorBench<T>(
  context: BenchContext,
  setup: SimulatorBenchSetup,
  use: (bench: SimulatorBench) => Promise<T>,
): Promise<T> {
  const bench = await openSimulatorBench(context, setup);
  try {
    return await use(bench);
  } finally {
    await bench.close();
  }
}

/** A new agency (organisation) connected to the bench's simulator through the connection service. */
export async function connectAgency(
  bench: Pick<SimulatorBench, 'services' | 'simulator'>,
  name: string,
  options?: Parameters<typeof connectToSimulator>[3],
): Promise<{ organisationId: string; connectionId: string }> {
  const organisationId = await createOrganisation(bench.services, name);
  const connectionId = await connectToSimulator(bench.services, organisationId, bench.simulator, options);
  return { organisationId, connectionId };
}

/** A connection's first import, timed; throws `<what> <status>` unless it succeeded. */
export async function runInitialImport(
  services: BenchServices,
  connectionId: string,
  what = 'import',
): Promise<{ result: SyncCycleResult; ms: number }> {
  const initial = await timed(() => services.runSyncCycle(connectionId, 'initial'));
  if (initial.result.status !== 'succeeded') throw new Error(`${what} ${initial.result.status}`);
  return initial;
}
