import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import { AGENTOS_DEMO_KEY } from '../../../simulators/agentos/agentos-constants.ts';
import {
  createAgentosSimulator,
  type AgentosSimulator,
} from '../../../simulators/agentos/agentos-simulator.ts';
import type { RunningServer } from '../../../simulators/toolkit/app-listener.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { Sql } from '../../infrastructure/db/sql.ts';
import { agentosDemoConnection } from '../../test-support/demo-connections.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';

const SECRET = 'whsec_' + Buffer.from('connection-health-host-secret-0123').toString('base64');

let simulator: AgentosSimulator;
let simulatorServer: RunningServer;
let services: TestServices;
let organisationId: string;
let connectionId: string;
let sql: Sql;

/** How many events of each health type the host has been sent (queued for it) so far. */
async function healthEvents(): Promise<Record<string, number>> {
  const rows = await sql.rows(
    z.object({ type: z.string(), n: z.number() }),
    `select type, count(*)::int as n from host_events
     where organisation_id = ? and (type like 'connection.%' and type <> 'connection.initial_import_completed')
     group by type`,
    [organisationId],
  );
  return Object.fromEntries(rows.map((row) => [row.type, row.n]));
}

beforeAll(async () => {
  simulator = createAgentosSimulator({
    seed: 41,
    contactCount: 12,
    rateLimits: false,
    webhookRetryScale: 0.001,
  });
  simulatorServer = await simulator.listen(0);
  services = await createTestServices({
    env: mergeOperatorConfig(agentosOperatorConfig(simulatorServer.url), {
      PROPSYNC_EGRESS_ALLOW: 'localhost',
    }),
  });
  organisationId = await createOrganisation(services, 'Health Events Lettings');
  await services.hostWebhooks.configure(organisationId, { url: 'http://localhost:9/hooks', secret: SECRET });
  ({ id: connectionId } = await services.connections.connect(
    organisationId,
    'agentos',
    agentosDemoConnection(),
  ));
  await services.whenIdle();
  sql = new Sql(services.orm.em);
}, 60_000);

afterAll(async () => {
  await services?.destroy();
  await simulator?.close();
});

describe('connection health, as the host hears it', () => {
  it('sends credentials_rejected once, then recovered once when a cycle succeeds again', async () => {
    simulator.controls.revokeKey(AGENTOS_DEMO_KEY.apiKey);
    expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({ status: 'failed' });
    expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({ status: 'failed' });
    expect(await healthEvents()).toEqual({ 'connection.credentials_rejected': 1 });

    simulator.controls.restoreKey(AGENTOS_DEMO_KEY.apiKey);
    expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({ status: 'succeeded' });
    expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({ status: 'succeeded' });
    expect(await healthEvents()).toEqual({ 'connection.credentials_rejected': 1, 'connection.recovered': 1 });
  }, 60_000);

  it('sends failing once a transient failure has lasted past the alert time, once per failing spell', async () => {
    await sql.run(`delete from host_events where organisation_id = ?`, [organisationId]);
    simulator.faults.configure({ errorRate: 1, errorStatuses: [503] });
    try {
      expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({ status: 'failed' });
      // Failing for a few seconds is not news yet.
      expect(await healthEvents()).toEqual({});
      // Past PROPSYNC_FAILING_ALERT_MINUTES (60 by default).
      await sql.run(`update crm_connections set failing_since = now() - interval '2 hours' where id = ?`, [
        connectionId,
      ]);
      expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({ status: 'failed' });
      expect(await healthEvents()).toEqual({ 'connection.failing': 1 });
    } finally {
      simulator.faults.configure({ errorRate: 0 });
    }
    expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({ status: 'succeeded' });
    expect(await healthEvents()).toEqual({ 'connection.failing': 1, 'connection.recovered': 1 });
    const [failing] = await sql.rows(
      z.object({ payload: z.record(z.string(), z.unknown()) }),
      `select payload from host_events where organisation_id = ? and type = 'connection.failing'`,
      [organisationId],
    );
    expect(failing!.payload).toMatchObject({ connectionId, provider: 'agentos', code: expect.any(String) });
    expect(JSON.stringify(failing!.payload)).not.toContain(AGENTOS_DEMO_KEY.apiKey);
  }, 60_000);
});
