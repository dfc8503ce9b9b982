import { describe, expect, it } from 'vitest';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator } from '../../../simulators/reapit/reapit-simulator.ts';
import { reapitDemoConnection } from '../../test-support/demo-connections.ts';
import { useConnectedAgency } from '../../test-support/connected-agency.ts';

/**
 * A cycle pushes for a bounded time, then hands its worker slot on: what is left goes out with a
 * follow-up cycle it queues, so a slow CRM's backlog never holds other agencies' cycles back.
 */
const reapit = createReapitSimulator({ seed: 47, contactCount: 30, rateLimits: false });
const agency = useConnectedAgency(async () => ({
  name: 'Budgeted Pushes Estates',
  provider: 'reapit',
  connection: reapitDemoConnection(),
  env: reapitOperatorConfig(await reapit.listen(0)),
  // Spent after the first batch: every cycle pushes one batch and queues the next.
  services: { sync: { outboundBudgetMs: 0 } },
  closeAfter: [reapit],
}));

const query = <T>(sql: string, params: unknown[] = []) =>
  agency.services.orm.em.fork().execute<T[]>(sql, params);

describe('the push budget of a cycle', () => {
  it('pushes one batch when its budget is spent, and a follow-up cycle pushes the rest', async () => {
    const targets = await query<{ contact_id: string; external_id: string }>(
      `select contact_id, external_id from contact_external_ids where connection_id = ? and active
       order by external_id limit 25`,
      [agency.connectionId],
    );
    expect(targets).toHaveLength(25);
    for (const target of targets) {
      const key = `engagement-score:${target.external_id}:budget`;
      await query(
        `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
         values (?, ?, ?, 'metadata', ?, ?::jsonb)`,
        [
          agency.organisationId,
          agency.connectionId,
          target.contact_id,
          key,
          JSON.stringify({
            kind: 'engagement_score',
            idempotencyKey: key,
            contactExternalId: target.external_id,
            occurredAt: new Date().toISOString(),
            summary: 'Propsync engagement score 41',
            details: { score: 41 },
          }),
        ],
      );
    }
    const cycle = await agency.services.runSyncCycle(agency.connectionId, 'manual');
    expect(cycle).toMatchObject({ status: 'succeeded', pushed: 10 });

    await agency.services.whenIdle(60_000);
    const [left] = await query<{ count: number }>(
      `select count(*)::int as count from outbound_writes where connection_id = ? and idempotency_key like '%:budget' and status <> 'done'`,
      [agency.connectionId],
    );
    expect(left!.count).toBe(0);
  }, 90_000);
});
