import { runScaleSchedules } from '../../chaos/scale-schedules.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';

/**
 * Many processes (`--scale` only): three worker processes and two hundred connections on one-minute
 * schedules for five minutes; every scheduled slot must run exactly once — none twice, none missed.
 */
export async function scaleSchedulesRow(context: BenchContext): Promise<BenchRowResult[]> {
  if (!context.scale) {
    context.log('scale schedules: runs under --scale only (five minutes)');
    return [];
  }
  const report = await runScaleSchedules({
    workers: 3,
    connections: 200,
    minutes: 5,
    adminUrl: context.adminUrl,
    log: context.log,
  });
  return [
    {
      row: 'Scheduled slots across 3 workers × 200 connections × 5 min',
      measured: `${report.ranOnce} of ${report.expectedSlots} slots ran exactly once; ${report.ranTwice} twice, ${report.missed} missed`,
      baseline: `${report.expectedSlots} slots due`,
      ratio: report.expectedSlots === 0 ? null : report.ranOnce / report.expectedSlots,
      ratioLabel: `${report.ranOnce}/${report.expectedSlots}`,
      target: 'every slot exactly once',
      met: report.ok,
      notes: `latest start ${Math.round(report.maxStartDelayMs / 1000)} s after its slot; ${report.failedCycles} failed cycles`,
      details: { ...report },
    },
  ];
}
