import {
  connectAgency,
  runInitialImport,
  withSimulatorBench,
  type SimulatorBenchSetup,
} from '../bench-fixture.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt, median } from '../measure.ts';
import { QueryProfile } from '../query-profile.ts';

const CONTACTS = 2_000;
const CHANGED_PER_CYCLE = 5;

/**
 * What most cycles of a large deployment are, for docs/scaling.md: a scheduled delta cycle of a
 * connection that finds a handful of changes. Measured one after another on one connection: wall
 * time, the SQL statements and their time, and the CRM requests per cycle.
 */
export async function quietCycleRow(context: BenchContext): Promise<BenchRowResult[]> {
  const cycles = context.quick ? 10 : 40;
  const setup: SimulatorBenchSetup = {
    label: 'quiet',
    simulator: { provider: 'reapit', contacts: CONTACTS, rateLimits: false },
    // Window overlap 0: each cycle reads exactly its own changes (the product's 2-minute overlap
    // re-reads the changes of the two minutes before as well).
    services: { sync: { overlapMs: 0 } },
  };
  return withSimulatorBench(context, setup, async (bench) => {
    const { services, simulator } = bench;
    const { connectionId } = await connectAgency(bench, 'Bench Quiet Estates', { withoutWebhooks: true });
    await runInitialImport(services, connectionId);
    // The import's write-backs out of the way: the cycles measured pull, as a quiet connection's do.
    for (let drain = 0; drain < 20; drain++) {
      const result = await services.runSyncCycle(connectionId, 'manual');
      if (result.status === 'succeeded' && result.pushed === 0) break;
    }
    await simulator.clearRequests();
    const profile = new QueryProfile().install();
    const cpuBefore = process.cpuUsage();
    const wallMs: number[] = [];
    for (let cycle = 0; cycle < cycles; cycle++) {
      await simulator.modifyContacts(CHANGED_PER_CYCLE);
      const started = performance.now();
      const result = await services.runSyncCycle(connectionId, 'schedule');
      wallMs.push(performance.now() - started);
      if (result.status !== 'succeeded') throw new Error(`cycle ${result.status}`);
    }
    profile.uninstall();
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000 / cycles;
    const requests = await simulator.requestStats();
    const spans = [...profile.spans.values()];
    const statements = spans.reduce((sum, span) => sum + span.count, 0) / cycles;
    const sqlMs = spans.reduce((sum, span) => sum + span.totalMs, 0) / cycles;
    const perCycleMs = median(wallMs);
    return [
      {
        row: `Delta cycle, ${CHANGED_PER_CYCLE} changed of ${fmt(CONTACTS)}: per-cycle cost`,
        measured: `${fmt(perCycleMs)} ms wall, ${fmt(statements, 1)} SQL statements (${fmt(sqlMs, 1)} ms), ${fmt(requests.total / cycles, 1)} CRM requests, ${fmt(cpuMs)} ms CPU`,
        baseline: '—',
        ratio: null,
        ratioLabel: '—',
        target: 'reported (docs/scaling.md)',
        met: null,
        notes: `median of ${cycles} scheduled cycles of one Reapit connection, one after another, window overlap 0; simulator in a child process, rate limits off; SQL time is the sum of statement round trips as the importer saw them`,
        details: {
          wallMs: wallMs.map(Math.round),
          statementsPerCycle: statements,
          sqlMsPerCycle: sqlMs,
          cpuMsPerCycle: cpuMs,
          requests,
          // By count: where a cycle's round trips go.
          statements: [...profile.spans]
            .map(([sql, span]) => ({ sql, perCycle: Number((span.count / cycles).toFixed(1)) }))
            .sort((a, b) => b.perCycle - a.perCycle)
            .slice(0, 15),
        },
      },
    ];
  });
}
