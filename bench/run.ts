/**
 * `npm run bench` — one table of ratios measured in one run (see bench/README.md).
 *   --quick   skip slow rows and shorten the others
 *   --scale   the 1,000,000-contact variants (import memory)
 *   --only=id[,id]  run only these rows
 *   --profile-sql   add SQL timing spans to the rows' details
 * Writes bench-results/latest.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { provideBenchPostgres } from './bench-database.ts';
import type { BenchContext, BenchRow, BenchRowResult } from './bench-row.ts';
import { deltaCycleRow } from './rows/delta-cycle.ts';
import { importMemoryRow } from './rows/import-memory.ts';
import { initialImportRow } from './rows/initial-import.ts';
import { importAtCeilingRow } from './rows/import-at-ceiling.ts';
import { naiveImportRow } from './rows/naive-import.ts';
import { writeBackRow } from './rows/write-back.ts';
import { webhookIntakeRow } from './rows/webhook-intake.ts';
import { adminUiRow } from './rows/admin-ui.ts';
import { scaleSchedulesRow } from './rows/scale-schedules.ts';
import { retentionRow } from './rows/retention.ts';
import { sharedBudgetRow } from './rows/shared-budget.ts';
import { jobRateRow } from './rows/job-rate.ts';
import { quietCycleRow } from './rows/quiet-cycle.ts';
import { concurrentImportRow } from './rows/concurrent-import.ts';

/**
 * The rows, in order: the id `--only` names, the title the log shows, and the function under
 * rows/ that measures it. Each is self-contained (its own database and simulator processes); a
 * new row is one more entry here.
 */
export const ROWS: BenchRow[] = [
  { id: 'initial-import', title: 'Initial import, 100k contacts', run: initialImportRow },
  {
    id: 'import-at-ceiling',
    title: "Initial import at the CRM's ceiling, Reapit 20k",
    run: importAtCeilingRow,
  },
  { id: 'naive-import', title: 'Naive ORM import (entity per contact)', run: naiveImportRow },
  { id: 'delta-cycle', title: 'Delta cycle, 1k changed: 10k vs 1M stored', run: deltaCycleRow },
  { id: 'write-back', title: 'Write-back rate vs documented limits', run: writeBackRow },
  { id: 'import-memory', title: 'Importer peak RSS during an import', run: importMemoryRow },
  { id: 'webhook-intake', title: 'Webhook intake vs a verify-only endpoint', run: webhookIntakeRow },
  { id: 'admin-ui', title: 'Component library size and the audit log at 100,000 rows', run: adminUiRow },
  {
    id: 'scale-schedules',
    title: 'Scheduled cycles on three workers, 200 connections, 5 minutes',
    slow: true,
    run: scaleSchedulesRow,
  },
  {
    id: 'retention',
    title: 'Retention: dropping a 10M-row month of the sync log vs DELETE',
    run: retentionRow,
  },
  { id: 'shared-budget', title: 'Rate budget shared by four processes', run: sharedBudgetRow },
  { id: 'job-rate', title: 'Job queue rates (pg-boss on this PostgreSQL)', run: jobRateRow },
  { id: 'quiet-cycle', title: 'Delta cycle with a handful of changes (per-cycle cost)', run: quietCycleRow },
  {
    id: 'concurrent-import',
    title: 'Many agencies at once (8 concurrent first imports)',
    run: concurrentImportRow,
  },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const scale = args.includes('--scale');
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');

const startedAt = performance.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1)}s] ${message}\n`);

const postgres = await provideBenchPostgres();
const context: BenchContext = {
  adminUrl: postgres.adminUrl,
  quick,
  scale,
  profileSql: args.includes('--profile-sql'),
  log,
  shared: new Map(),
};
const results: BenchRowResult[] = [];
const failures: Array<{ row: string; error: string }> = [];
try {
  for (const row of ROWS) {
    if (only && !only.includes(row.id)) continue;
    if (quick && row.slow) {
      log(`skipping ${row.title} (--quick)`);
      continue;
    }
    log(`${row.title}…`);
    try {
      results.push(...(await row.run(context)));
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${row.title} failed: ${message}`);
      failures.push({ row: row.id, error: message });
    }
  }
} finally {
  await postgres.stop();
}

printTable(results);
const report = {
  at: new Date().toISOString(),
  mode: scale ? 'scale' : quick ? 'quick' : 'default',
  database: postgres.embedded ? 'embedded (.data/bench-postgres)' : 'DATABASE_URL',
  node: process.version,
  durationS: Math.round((performance.now() - startedAt) / 1000),
  rows: results,
  failures,
};
const output = path.resolve('bench-results/latest.json');
fs.mkdirSync(path.dirname(output), { recursive: true });
fs.writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
log(`wrote ${path.relative(process.cwd(), output)}`);
if (failures.length > 0) process.exitCode = 1;

function printTable(rows: BenchRowResult[]): void {
  const header = ['row', 'measured', 'baseline (same run)', 'ratio', 'target', 'met'];
  const body = rows.map((row) => [
    row.row,
    row.measured,
    row.baseline,
    row.ratioLabel,
    row.target,
    row.met === null ? '–' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]!.length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const cells of body) console.log(line(cells));
  console.log('');
  for (const row of rows) console.log(`- ${row.row}: ${row.notes}`);
}
