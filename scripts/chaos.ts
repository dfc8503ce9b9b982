/**
 * `npm run chaos`: the full chaos run (see chaos/chaos-run.ts). Several CRMs, 20% faults, the
 * worker SIGKILLed three times mid-cycle, write-back included; the result must equal an
 * undisturbed run. Options: --contacts N (per provider, default 2000), --kills N (3),
 * --fault-rate R (0.2), --providers a,b,c (reapit,agentos,loop,custom), --no-timeouts (no held-open requests or 60 s agentOS 429s),
 * --concurrency N (cycles per worker process, default 2 like the product).
 * Uses DATABASE_URL when set, else an embedded PostgreSQL in .data/chaos-postgres.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runChaos } from '../chaos/chaos-run.ts';
import { CHAOS_SIMULATORS } from '../chaos/chaos-simulators.ts';
import { startEmbeddedPostgres } from '../server/infrastructure/db/embedded-postgres.ts';
import { createLogger } from '../server/infrastructure/logger.ts';
import type { CrmProvider } from '../shared/providers.ts';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '2000' },
    kills: { type: 'string', default: '3' },
    'fault-rate': { type: 'string', default: '0.2' },
    providers: { type: 'string', default: 'reapit,agentos,loop,custom' },
    'no-timeouts': { type: 'boolean', default: false },
    // Cycles per worker process; the product's default is 2.
    concurrency: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const providers = values.providers.split(',').map((name) => name.trim()) as CrmProvider[];
for (const provider of providers) {
  if (!Object.hasOwn(CHAOS_SIMULATORS, provider)) {
    throw new Error(`chaos runs against ${Object.keys(CHAOS_SIMULATORS).join(', ')}, not ${provider}`);
  }
}

const postgres = process.env.DATABASE_URL
  ? { adminUrl: process.env.DATABASE_URL, stop: async () => {} }
  : await startEmbeddedPostgres({
      directory: path.resolve('.data/chaos-postgres'),
      port: Number(process.env.CHAOS_POSTGRES_PORT ?? 54369),
      logger: createLogger({ level: 'warn' }),
    });
try {
  const report = await runChaos({
    adminUrl: postgres.adminUrl,
    providers,
    contactsPerProvider: Number(values.contacts),
    kills: Number(values.kills),
    faultRate: Number(values['fault-rate']),
    slowFaults: !values['no-timeouts'],
    workerConcurrency: Number(values.concurrency),
    emailsPerProvider: 5,
    pageSize: 50,
    latencyMs: 10,
    deadlineMs: 45 * 60_000,
    log: (line) => console.log(line),
  });
  const { chaos, reference, runs } = report;
  console.log(
    `${report.ok ? 'PASS' : 'FAIL'} chaos: ${providers.join('+')} × ${report.contactsPerProvider} contacts, ` +
      `${Math.round(report.faultRate * 100)}% faults, ${report.kills.length} SIGKILLs mid-cycle, ` +
      `${(report.durationMs / 1000).toFixed(1)} s — contacts ${chaos.contacts}/${reference.contacts}, ` +
      `external ids ${chaos.externalIds}/${reference.externalIds}, activities ${chaos.activities}/${reference.activities}, ` +
      `write-backs ${chaos.outboundDone}/${reference.outboundDone}, CRM records ${chaos.writeBack}/${reference.writeBack}, ` +
      `cycles ${runs.succeeded} succeeded / ${runs.failed} failed (${runs.workerDied} worker died)`,
  );
  for (const problem of report.problems) console.log(`  ✘ ${problem}`);
  console.log(JSON.stringify(report, null, values.json ? 2 : 0));
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await postgres.stop();
}
