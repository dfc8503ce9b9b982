import { describe, expect, inject, it } from 'vitest';
import { runChaos } from './chaos-run.ts';

/**
 * The short chaos run of `npm test` (the full one is `npm run chaos`): four CRMs, 20% of their
 * requests failing (5xx, dropped connections, 429s), the worker SIGKILLed three times mid-cycle,
 * nurture emails written back; the result must equal an undisturbed run in Propsync and in every
 * CRM. Faults that cost real minutes (30 s timeouts, agentOS's 60 s Retry-After) are left to the
 * full run.
 *
 * The worker runs four cycles at once, so the CRMs' imports of the one agency overlap: contact
 * creation is serialised per agency, and the same person must still become one contact.
 */
describe('chaos: faults and SIGKILLs during a multi-CRM sync with write-back', () => {
  it('ends in exactly the state of an undisturbed run, with every failure recorded', async () => {
    const report = await runChaos({
      adminUrl: inject('databaseAdminUrl'),
      providers: ['reapit', 'agentos', 'loop', 'custom'],
      contactsPerProvider: 40,
      pageSize: 5,
      kills: 3,
      faultRate: 0.2,
      slowFaults: false,
      emailsPerProvider: 2,
      latencyMs: 10,
      workerConcurrency: 4,
      writeBackConcurrency: 4,
      // Each cycle reads activities and writes engagement back within agentOS's 50 requests a
      // minute: 4–5 minutes in all on this 2-core machine (256 s and over 300 s in two CI runs); the
      // final settle then waits out the jobs the last kill left for pg-boss to retry, and a cycle
      // waiting for agentOS's rolling minute can take a minute of that alone.
      deadlineMs: 420_000,
    });
    expect(report.problems).toEqual([]);
    expect(report.kills).toHaveLength(3);
    expect(report.kills.every((kill) => kill.runningRuns.length > 0)).toBe(true);
    expect(report.runs.workerDied).toBeGreaterThanOrEqual(3);
    expect(report.chaos).toEqual(report.reference);
    expect(report.chaos.outboundDone).toBeGreaterThan(0);
    expect(report.chaos.writeBack).toBe(report.chaos.outboundDone);
    const injected = Object.values(report.faultAnswers).flatMap((counts) =>
      Object.entries(counts).filter(([status]) => Number(status) >= 500),
    );
    expect(injected.length).toBeGreaterThan(0);
  }, 480_000);
});
