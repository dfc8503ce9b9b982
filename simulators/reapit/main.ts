/**
 * Standalone Reapit simulator on PORT 4101 and CONNECT_PORT 4102 (WEBHOOK_RETRY_SCALE 1 = Reapit's
 * real 1–15 minute schedule).
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
  // The demo app's public identifiers only: never the client secret.
  describe: (simulator, running) => ({
    connectUrl: running.connectUrl,
    clientId: REAPIT_DEMO_CLIENT.clientId,
    customerId: simulator.defaultCustomerId,
  }),
});
