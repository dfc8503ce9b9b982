import type { CrmProvider } from '../shared/providers.ts';
import { SIMULATORS } from './registry.ts';
import type { DemoSimulator } from '../server/entry/demo/demo-connections.ts';
import type { Logger } from '../server/infrastructure/logger.ts';

/**
 * Starts the simulators the demo agency connects to: every simulator in `simulators/registry.ts`, with the
 * book size and port it declares (Reapit: 1,200 contacts on 4101; the others smaller, on free ports).
 * The same seed plants the same people in every CRM, so the demo shows cross-CRM deduplication.
 * Environment: `DEMO_PROVIDERS` (comma-separated) chooses which, default all;
 * `DEMO_CONTACTS_<PROVIDER>` and `SIMULATOR_PORT_<PROVIDER>` (e.g. `SIMULATOR_PORT_REAPIT`) override
 * one simulator's book size and port (0 = a free port). `displayNameOf` is the product's name for
 * the CRM (the adapters' registry): simulators never read the adapters.
 */
export async function startDemoSimulators(
  logger: Logger,
  displayNameOf: (provider: CrmProvider) => string,
): Promise<DemoSimulator[]> {
  const wanted = process.env.DEMO_PROVIDERS?.split(',').map((name) => name.trim());
  const simulators: DemoSimulator[] = [];
  for (const crm of SIMULATORS) {
    const provider = crm.harness.provider;
    const displayName = displayNameOf(provider);
    if (wanted && !wanted.includes(provider)) continue;
    const envName = provider.toUpperCase().replaceAll('-', '_');
    const port = process.env[`SIMULATOR_PORT_${envName}`] ?? crm.demo.port;
    const running = await crm.harness.start({
      seed: 1,
      contactCount: Number(process.env[`DEMO_CONTACTS_${envName}`] ?? crm.demo.contactCount),
      ...(port === undefined ? {} : { port: Number(port) }),
      logger,
    });
    simulators.push({
      provider,
      displayName,
      url: running.url,
      credentials: running.connection.credentials,
      settings: running.connection.settings,
      operatorConfig: running.operatorConfig,
      ...(running.oauthApp ? { oauthApp: running.oauthApp } : {}),
      ...(running.demoAgentActivity ? { agentActivity: () => running.demoAgentActivity!() } : {}),
      close: () => running.close(),
    });
  }
  return simulators;
}
