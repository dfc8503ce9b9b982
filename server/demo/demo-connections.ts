import type { CrmProvider } from '../../shared/providers.ts';
import type { Services } from '../services.ts';
import { ensureDemoOrganisation } from './demo-agency.ts';

/** A running simulator the demo agency connects to, with the sandbox credentials it accepts. */
export type DemoSimulator = {
  provider: CrmProvider;
  displayName: string;
  url: string;
  credentials: Record<string, string>;
  settings: Record<string, string>;
  close: () => Promise<void>;
};

/**
 * Connects the demo agency to every running simulator (first run), or points existing demo
 * connections at the simulators' current addresses and syncs them (later runs).
 */
export async function ensureDemoConnections(services: Services, simulators: DemoSimulator[]): Promise<void> {
  const organisationId = await ensureDemoOrganisation(services);
  const existing = await services.connections.list(organisationId);
  for (const simulator of simulators) {
    const connection = existing.find((candidate) => candidate.provider === simulator.provider);
    if (!connection || connection.status === 'disconnected') {
      await services.connections.connect(organisationId, simulator.provider, {
        credentials: simulator.credentials,
        settings: simulator.settings,
      });
      continue;
    }
    await services.orm.em
      .fork()
      .execute(
        `update crm_connections set settings = settings || ?::jsonb, updated_at = now() where id = ?`,
        [JSON.stringify(simulator.settings), connection.id],
      );
    services.adapters.forget(connection.id);
    await services.jobs.enqueue({ connectionId: connection.id, trigger: 'manual' });
  }
}
