/**
 * Standalone Reapit simulator: `node simulators/reapit/main.ts`.
 * Environment: PORT (4101), CONNECT_PORT (4102), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = Reapit's real 1–15 minute schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { numberFromEnv, runStandalone } from '../toolkit/simulator-main.ts';
import { REAPIT_DEMO_CLIENT } from './reapit-constants.ts';
import { createReapitSimulator } from './reapit-simulator.ts';

await runStandalone({
  name: 'Reapit simulator',
  defaultPort: 4101,
  create: createReapitSimulator,
  // The API and Reapit Connect listen apart, as Reapit's two hosts do.
  listen: (simulator, port, host) => simulator.listen(port, host, numberFromEnv('CONNECT_PORT', 4102)),
  // The URL and the demo app's public identifiers only: never the client secret.
  describe: (simulator, running) => ({
    url: running.url,
    connectUrl: running.connectUrl,
    clientId: REAPIT_DEMO_CLIENT.clientId,
    customerId: simulator.defaultCustomerId,
    contacts: simulator.contactCount(),
  }),
});
