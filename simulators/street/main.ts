/**
 * Standalone Street simulator: `node simulators/street/main.ts`.
 * Environment: PORT (4104), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = the real 5 s … 10 h schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { runStandalone } from '../toolkit/simulator-main.ts';
import { STREET_DEMO_API_TOKEN } from './street-constants.ts';
import { createStreetSimulator } from './street-simulator.ts';

await runStandalone({
  name: 'Street simulator',
  defaultPort: 4104,
  create: createStreetSimulator,
  listen: (simulator, port, host) => simulator.listen(port, host),
  // The URL and the token's public id only: never the token itself.
  describe: (simulator, running) => ({
    url: running.url,
    baseUrl: `${running.url}${simulator.apiBasePath}`,
    tokenId: STREET_DEMO_API_TOKEN.tokenId,
    company: STREET_DEMO_API_TOKEN.companyName,
    contacts: simulator.contactCount(),
  }),
});
