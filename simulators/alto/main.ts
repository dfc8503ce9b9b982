/**
 * Standalone Alto simulator: `node simulators/alto/main.ts`.
 * Environment: PORT (4103), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000), TOKEN_LIFETIME_SECONDS
 * (3600), WEBHOOK_RETRY_SCALE (1 = the 30 s … 2 h schedule, ten retries within 6 h), RATE_LIMITS=off,
 * LOG_LEVEL.
 */
import { numberFromEnv, runStandalone } from '../toolkit/simulator-main.ts';
import { ALTO_DEMO_CLIENT } from './alto-constants.ts';
import { createAltoSimulator } from './alto-simulator.ts';

await runStandalone({
  name: 'Alto simulator',
  defaultPort: 4103,
  create: (options) =>
    createAltoSimulator({ ...options, tokenLifetimeSeconds: numberFromEnv('TOKEN_LIFETIME_SECONDS', 3600) }),
  listen: (simulator, port, host) => simulator.listen(port, host),
  // The URL and the demo integration's public identifiers only: never the client secret.
  describe: (simulator, running) => ({
    url: running.url,
    clientId: ALTO_DEMO_CLIENT.clientId,
    agencyRef: simulator.defaultAgencyRef,
    contacts: simulator.contactCount(),
  }),
});
