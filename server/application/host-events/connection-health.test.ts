import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import { AGENTOS_DEMO_KEY } from '../../../simulators/agentos/agentos-constants.ts';
import { createAgentosSimulator } from '../../../simulators/agentos/agentos-simulator.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { agentosDemoConnection } from '../../test-support/demo-connections.ts';
import { useConnectedAgency } from '../../test-support/connected-agency.ts';

const SECRET = 'whsec_' + Buffer.from('connection-health-host-secret-0123').toString('base64');

const simulator = createAgentosSimulator({
  seed: 41,
  contactCount: 12,
  rateLimits: false,
  webhookRetryScale: 0.001,
});
const agency = useConnectedAgency(async () => ({
  name: 'Health Events Lettings',
  provider: 'agentos',
  connection: agentosDemoConnection(),
  env: mergeOperatorConfig(agentosOperatorConfig((await simulator.listen(0)).url), {
    PROPSYNC_EGRESS_ALLOW: 'localhost',
  }),
  hostWebhook: { url: 'http://localhost:9/hooks', secret: SECRET },
  closeAfter: [simulator],
}));

/** A manual sync cycle of the agency's connection. */
const syncCycle = () => agency.services.runSyncCycle(agency.connectionId, 'manual');

/** How many events of each health type the host has been sent (queued for it) so far. */
async function healthEvents(): Promise<Record<string, number>> {
  const rows = await agency.sql.rows(
    z.object({ type: z.string(), n: z.number() }),
    `select type, count(*)::int as n from host_events
     where organisation_id = ? and (type like 'connection.%' and type <> 'connection.initial_import_completed')
     group by type`,
    [agency.organisationId],
  );
  return Object.fromEntries(rows.map((row) => [row.type, row.n]));
}

describe('connection health, as the host hears it', () => {
  it('sends credentials_rejected once, then recovered once when a cycle succeeds again', async () => {
    simulator.controls.revokeKey(AGENTOS_DEMO_KEY.apiKey);
    expect(await syncCycle()).toMatchObject({ status: 'failed' });
    expect(await syncCycle()).toMatchObject({ status: 'failed' });
    expect(await healthEvents()).toEqual({ 'connection.credentials_rejected': 1 });

    simulator.controls.restoreKey(AGENTOS_DEMO_KEY.apiKey);
    expect(await syncCycle()).toMatchObject({ status: 'succeeded' });
    expect(await syncCycle()).toMatchObject({ status: 'succeeded' });
    expect(await healthEvents()).toEqual({ 'connection.credentials_rejected': 1, 'connection.recovered': 1 });
  }, 60_000);

  it('sends failing once a transient failure has lasted past the alert time, once per failing spell', async () => {
    await agency.sql.run(`delete from host_events where organisation_id = ?`, [agency.organisationId]);
    simulator.faults.configure({ errorRate: 1, errorStatuses: [503] });
    try {
      expect(await syncCycle()).toMatchObject({ status: 'failed' });
      // Failing for a few seconds is not news yet.
      expect(await healthEvents()).toEqual({});
      // Past PROPSYNC_FAILING_ALERT_MINUTES (60 by default).
      await agency.sql.run(
        `update crm_connections set failing_since = now() - interval '2 hours' where id = ?`,
        [agency.connectionId],
      );
      expect(await syncCycle()).toMatchObject({ status: 'failed' });
      expect(await healthEvents()).toEqual({ 'connection.failing': 1 });
    } finally {
      simulator.faults.configure({ errorRate: 0 });
    }
    expect(await syncCycle()).toMatchObject({ status: 'succeeded' });
    expect(await healthEvents()).toEqual({ 'connection.failing': 1, 'connection.recovered': 1 });
    const [failing] = await agency.sql.rows(
      z.object({ payload: z.record(z.string(), z.unknown()) }),
      `select payload from host_events where organisation_id = ? and type = 'connection.failing'`,
      [agency.organisationId],
    );
    expect(failing!.payload).toMatchObject({
      connectionId: agency.connectionId,
      provider: 'agentos',
      code: expect.any(String),
    });
    expect(JSON.stringify(failing!.payload)).not.toContain(AGENTOS_DEMO_KEY.apiKey);
  }, 60_000);
});
