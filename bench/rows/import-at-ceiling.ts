import { REAPIT_INFO } from '../../server/adapters/reapit/reapit.adapter.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';
import { measureInitialImport } from './import-run.ts';

const CONTACTS = 20_000;
/** Reapit's largest page (docs/crms/reapit.md), the page size the import asks for. */
const PAGE_SIZE = 100;

/**
 * One connection's first import is bounded by its CRM, not by PostgreSQL: Reapit allows 20
 * requests a second and 100 contacts a page. A page of contacts also costs a read of their
 * applicants, and the import reads the CRM's appointments and offers, so the ceiling is the limit
 * divided by the reads the import needs per contact. This row imports 20,000 contacts with the
 * simulator enforcing the documented limits, and shows how close the import comes to that ceiling
 * without one 429.
 */
export async function importAtCeilingRow(context: BenchContext): Promise<BenchRowResult[]> {
  const contacts = context.quick ? 5_000 : CONTACTS;
  const limits = REAPIT_INFO.rateLimits;
  const ceiling = (limits.requests / limits.windowSeconds) * PAGE_SIZE;
  const measured = await measureInitialImport(
    context,
    contacts,
    async ({ simulator }) => simulator.requestStats(),
    { rateLimits: true },
  );
  const requests = measured.after;
  const rejected = requests.byStatus['429'] ?? 0;
  // The import's own reads (the connect's token and webhook subscription calls come before it).
  const reads = Object.entries(requests.byPath)
    .filter(([route]) => route.startsWith('GET '))
    .reduce((sum, [, count]) => sum + count, 0);
  const readRate = reads / (measured.ms / 1000);
  const requestShare = readRate / (limits.requests / limits.windowSeconds);
  // Besides each page of contacts, the import reads their applicants (the nurture category) and the
  // CRM's appointments and offers (the intent signals): the ceiling for what it must read.
  const effectiveCeiling = (limits.requests / limits.windowSeconds) * (contacts / reads);
  const share = measured.rate / effectiveCeiling;
  const result: BenchRowResult = {
    row: `Import at the CRM's ceiling: Reapit ${fmt(contacts / 1000)}k, rate limits on`,
    measured: `${fmt(measured.rate)} contacts/s (${fmt(measured.ms / 1000, 1)} s), ${fmt(readRate, 1)} requests/s, ${rejected} × 429`,
    baseline: `${fmt(effectiveCeiling)} contacts/s ceiling (${limits.requests} requests / ${limits.windowSeconds} s, ${fmt(reads / (contacts / PAGE_SIZE), 2)} requests per ${PAGE_SIZE} contacts)`,
    ratio: share,
    ratioLabel: `${fmt(share * 100, 1)}% of the ceiling (${fmt(requestShare * 100, 1)}% of the request limit)`,
    target: '≥ 90% of the ceiling, zero 429s',
    met: share >= 0.9 && rejected === 0,
    notes:
      `the simulator (child process) enforces ${limits.requests}/${limits.windowSeconds} s and ${limits.maxConcurrent} in flight; ` +
      `the ceiling counts every read the import needs: ${Object.entries(requests.byPath)
        .filter(([route]) => route.startsWith('GET '))
        .map(([route, count]) => `${route} ${fmt(count)}`)
        .join(', ')}. ` +
      `Contact pages alone would allow ${fmt(ceiling)} contacts/s (${fmt((measured.rate / ceiling) * 100, 1)}% reached)`,
    details: {
      contacts,
      importMs: Math.round(measured.ms),
      importRate: Math.round(measured.rate),
      ceiling: Math.round(effectiveCeiling),
      contactPagesOnlyCeiling: ceiling,
      requests,
      readRate: Number(readRate.toFixed(2)),
      cycle: measured.cycle,
    },
  };
  return [result];
}
