import type { Server } from 'node:http';
import { createApp, type AppState } from '../../entry/http/app.ts';
import {
  createAgentosSimulator,
  type AgentosSimulator,
} from '../../../simulators/agentos/agentos-simulator.ts';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type RunningReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';
import type { RunningServer } from '../../../simulators/toolkit/app-listener.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { agentosDemoConnection, reapitDemoConnection } from '../../test-support/demo-connections.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

/**
 * The set-up the real-time.*.test.ts files share: Propsync over HTTP, the Reapit and agentOS
 * simulators delivering webhooks to it, and one agency connected to both. Each file starts its own
 * (startRealTimeServer in its beforeAll, stopRealTimeServer in its afterAll); the bindings below are
 * live module exports, so a file's tests read what its own start assigned (vitest loads this module
 * afresh per test file).
 */

export let reapit: ReapitSimulator;
let reapitServer: RunningReapitSimulator;
export let agentos: AgentosSimulator;
let agentosServer: RunningServer;
export let services: TestServices;
let server: Server;
export let baseUrl: string;
export let organisationId: string;
export let reapitConnection: string;
export let agentosConnection: string;
const state: AppState = { services: null };

export async function startRealTimeServer(): Promise<void> {
  // Propsync's HTTP server first, so the CRMs can be told where to deliver.
  ({ server, baseUrl } = await listenOnFreePort(createApp(state)));
  reapit = createReapitSimulator({ seed: 21, contactCount: 60, rateLimits: false, webhookRetryScale: 0.001 });
  reapitServer = await reapit.listen(0);
  agentos = createAgentosSimulator({
    seed: 21,
    contactCount: 40,
    rateLimits: false,
    webhookRetryScale: 0.001,
  });
  agentosServer = await agentos.listen(0);
  services = await createTestServices({
    env: {
      ...mergeOperatorConfig(
        reapitOperatorConfig(reapitServer),
        agentosOperatorConfig(agentosServer.url),
        // The host application's receiver, started by a test of real-time.outbound on a free port.
        { PROPSYNC_EGRESS_ALLOW: 'localhost' },
      ),
      PROPSYNC_PUBLIC_URL: baseUrl,
    },
  });
  state.services = services;
  organisationId = await createOrganisation(services, 'Real Time Lettings');
  reapitConnection = (
    await services.connections.connect(organisationId, 'reapit', reapitDemoConnection())
  ).id;
  agentosConnection = (
    await services.connections.connect(organisationId, 'agentos', agentosDemoConnection())
  ).id;
  await services.whenIdle();
}

export async function stopRealTimeServer(): Promise<void> {
  server?.close();
  await services?.destroy();
  await reapit?.close();
  await agentos?.close();
}

export const query = <T>(sql: string, params: unknown[] = []) =>
  services.orm.em.fork().execute<T[]>(sql, params);

export async function linkedContact(connectionId: string, offset = 0) {
  const [row] = await query<{ contact_id: string; external_id: string }>(
    `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id limit 1 offset ?`,
    [connectionId, offset],
  );
  return row!;
}
