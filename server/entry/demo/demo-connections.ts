import type { CrmProvider } from '../../../shared/providers.ts';
import { CRM_PROVIDERS } from '../../adapters/registry.ts';
import { Sql, sqlJson } from '../../infrastructure/db/sql.ts';
import type { Services } from '../services.ts';
import { ensureDemoOrganisation } from './demo-agency.ts';

/** A running simulator the demo agency connects to, with the sandbox credentials it accepts. */
export type DemoSimulator = {
  provider: CrmProvider;
  displayName: string;
  url: string;
  credentials: Record<string, string>;
  settings: Record<string, string>;
  /** What points Propsync at this simulator: the CRM's hosts and the egress allowance for it. */
  operatorConfig: Record<string, string>;
  /** The simulator's sandbox app for sign-in by OAuth redirect, where it offers one. */
  oauthApp?: { clientId: string; clientSecret: string; settings?: Record<string, string> };
  /** Live agent activity in the CRM once connected (webhook-only signals); see the harness. */
  agentActivity?: () => void;
  close: () => Promise<void>;
};

/**
 * The providers the demo agency connects by itself: `DEMO_CONNECT` (comma-separated), default
 * every running simulator. An empty value connects none, so a person (or a browser test) can
 * connect them through the page with the sandbox credentials `npm start` prints.
 */
export function demoProvidersToConnect(
  value: string | undefined = process.env.DEMO_CONNECT,
): Set<CrmProvider> {
  if (value === undefined) return new Set(CRM_PROVIDERS);
  return new Set(
    value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => CRM_PROVIDERS.includes(name)),
  );
}

/**
 * Connects the demo agency to every running simulator in `connect` (first run), or points existing
 * demo connections at the simulators' current addresses and syncs them (later runs, whoever
 * connected them). Returns the simulators left unconnected, for a person to connect.
 */
export async function ensureDemoConnections(
  services: Services,
  simulators: DemoSimulator[],
  connect: ReadonlySet<CrmProvider> = demoProvidersToConnect(),
): Promise<DemoSimulator[]> {
  const organisationId = await ensureDemoOrganisation(services);
  const existing = await services.connections.list(organisationId);
  const unconnected: DemoSimulator[] = [];
  for (const simulator of simulators) {
    const connection = existing.find((candidate) => candidate.provider === simulator.provider);
    if (!connection || connection.status === 'disconnected') {
      if (!connect.has(simulator.provider)) {
        unconnected.push(simulator);
        continue;
      }
      const connected = await services.connections.connect(organisationId, simulator.provider, {
        credentials: simulator.credentials,
        settings: simulator.settings,
      });
      // The demo writes scores back from its first import: its seeding confirms the mapping (audited as `demo`).
      await services.fieldMapping.confirm(organisationId, connected.id, 'demo');
      continue;
    }
    await new Sql(services.orm.em).run(
      `update crm_connections set settings = settings || ?::jsonb, updated_at = now() where id = ?`,
      [sqlJson(simulator.settings), connection.id],
    );
    services.adapters.forget(connection.id);
    await services.jobs.enqueue({ connectionId: connection.id, trigger: 'manual' });
  }
  return unconnected;
}
