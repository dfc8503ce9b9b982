import type { DemoSimulator } from '../demo/demo-connections.ts';
import type { Logger } from '../logger.ts';
import { REAPIT_DEMO_CLIENT } from './reapit/reapit-constants.ts';
import { createReapitSimulator } from './reapit/reapit-simulator.ts';

/** Starts the simulators the demo agency connects to, on fixed ports so connections survive restarts. */
export async function startDemoSimulators(logger: Logger): Promise<DemoSimulator[]> {
  const reapit = createReapitSimulator({
    seed: 1,
    contactCount: Number(process.env.DEMO_REAPIT_CONTACTS ?? 1200),
    logger,
  });
  const server = await reapit.listen(Number(process.env.REAPIT_SIMULATOR_PORT ?? 4101), '127.0.0.1');
  return [
    {
      provider: 'reapit',
      displayName: 'Reapit',
      url: server.url,
      credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
      settings: { baseUrl: server.url, customerId: REAPIT_DEMO_CLIENT.customerId },
      close: () => reapit.close(),
    },
  ];
}
