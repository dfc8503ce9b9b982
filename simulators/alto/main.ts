/**
 * Standalone Alto simulator on PORT 4103; TOKEN_LIFETIME_SECONDS (3600); WEBHOOK_RETRY_SCALE 1 =
 * the 30 s … 2 h schedule, ten retries within 6 h.
 */
import { numberFromEnv, runStandalone } from '../toolkit/simulator-main.ts';
import { ALTO_DEMO_CLIENT } from './alto-constants.ts';
import { createAltoSimulator } from './alto-simulator.ts';

await runStandalone({
  name: 'Alto simulator',
  defaultPort: 4103,
  create: (options) =>
    createAltoSimulator({ ...options, tokenLifetimeSeconds: numberFromEnv('TOKEN_LIFETIME_SECONDS', 3600) }),
  // The demo integration's public identifiers only: never the client secret.
  describe: (simulator) => ({ clientId: ALTO_DEMO_CLIENT.clientId, agencyRef: simulator.defaultAgencyRef }),
});
