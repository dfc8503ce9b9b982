import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';
import { measureInitialImport, type ImportMeasurement } from './import-run.ts';

/**
 * Row 5: peak resident memory of the importer (this process only; the simulator runs in a child)
 * during an initial import, sampled every 100 ms, with RSS at each quarter of the import to show
 * whether it stays flat. 1,000,000 contacts under --scale; otherwise the 100,000-contact import
 * of row 1 (measured there, so the default run imports 100k once), or its own when row 1 did not run.
 */
export async function importMemoryRow(context: BenchContext): Promise<BenchRowResult[]> {
  const contacts = context.scale ? 1_000_000 : context.quick ? 20_000 : 100_000;
  const fromRowOne = context.shared.get('initial-import') as ImportMeasurement | undefined;
  const reused = fromRowOne !== undefined && fromRowOne.contacts === contacts;
  const measured = reused ? fromRowOne : await measureInitialImport(context, contacts, async () => null);
  const { peakMb, baselineMb, quarters } = measured.rss;
  const first = quarters[0]?.rssMb ?? peakMb;
  const last = quarters.at(-1)?.rssMb ?? peakMb;
  const growthMb = last - first;
  const flat = growthMb <= Math.max(40, first * 0.15);
  return [
    {
      row: `5. Importer peak RSS, ${fmt(contacts / 1000)}k-contact import`,
      measured: `${peakMb} MB peak`,
      baseline: `${baselineMb} MB before the import`,
      ratio: peakMb / 400,
      ratioLabel: `${fmt((peakMb / 400) * 100)}% of 400 MB; +${growthMb} MB 25%→100%`,
      target: '< 400 MB, flat',
      met: peakMb < 400 && flat,
      notes:
        `RSS at 25/50/75/100%: ${quarters.map((quarter) => `${quarter.rssMb} MB`).join(', ')} ` +
        `(${flat ? 'flat' : 'growing'}), sampled every 100 ms; importer process only, simulator in a child process` +
        (reused ? "; measured during row 1's import" : '') +
        (context.scale ? '' : '; 1M only under --scale'),
      details: {
        contacts,
        reusedRowOne: reused,
        rss: measured.rss,
        importMs: Math.round(measured.ms),
        rate: Math.round(measured.rate),
      },
    },
  ];
}
