import { PROVIDER_CATALOG } from '../../shared/provider-catalog.ts';
import { CRM_PROVIDERS, type CrmProvider } from '../../shared/providers.ts';
import type { DemoSimulator } from '../demo/demo-connections.ts';
import type { Logger } from '../logger.ts';
import { HARNESSES_BY_PROVIDER } from './contract-harnesses.ts';
import { REAPIT_DEMO_CLIENT } from './reapit/reapit-constants.ts';
import { createReapitSimulator } from './reapit/reapit-simulator.ts';

/**
 * Starts the simulators the demo agency connects to: Reapit on a fixed port with a realistic book
 * (1,200 contacts), and every other CRM through its sandbox harness with a smaller one. The same
 * seed plants the same people in every CRM, so the demo shows cross-CRM deduplication.
 * `DEMO_PROVIDERS` (comma-separated) chooses which; default all six.
 */
export async function startDemoSimulators(logger: Logger): Promise<DemoSimulator[]> {
  const wanted = (process.env.DEMO_PROVIDERS ?? CRM_PROVIDERS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name): name is CrmProvider => (CRM_PROVIDERS as readonly string[]).includes(name));
  const simulators: DemoSimulator[] = [];
  for (const provider of wanted) {
    if (provider === 'reapit') {
      const reapit = createReapitSimulator({
        seed: 1,
        contactCount: Number(process.env.DEMO_REAPIT_CONTACTS ?? 1200),
        logger,
      });
      const server = await reapit.listen(Number(process.env.REAPIT_SIMULATOR_PORT ?? 4101), '127.0.0.1');
      simulators.push({
        provider,
        displayName: 'Reapit',
        url: server.url,
        credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
        settings: { baseUrl: server.url, customerId: REAPIT_DEMO_CLIENT.customerId },
        close: () => reapit.close(),
      });
      continue;
    }
    const running = await HARNESSES_BY_PROVIDER[provider].start({
      seed: 1,
      contactCount: Number(process.env.DEMO_OTHER_CONTACTS ?? 250),
    });
    simulators.push({
      provider,
      displayName: PROVIDER_CATALOG[provider].displayName,
      url: running.url,
      credentials: running.connection.credentials,
      settings: running.connection.settings,
      close: () => running.close(),
    });
  }
  return simulators;
}
