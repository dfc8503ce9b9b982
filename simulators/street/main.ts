/** Standalone Street simulator on PORT 4104 (WEBHOOK_RETRY_SCALE 1 = the real 5 s … 10 h schedule). */
import { runStandalone } from '../toolkit/simulator-main.ts';
import { STREET_DEMO_API_TOKEN } from './street-constants.ts';
import { createStreetSimulator } from './street-simulator.ts';

await runStandalone({
  name: 'Street simulator',
  defaultPort: 4104,
  create: createStreetSimulator,
  // The token's public id only: never the token itself.
  describe: (simulator, running) => ({
    baseUrl: `${running.url}${simulator.apiBasePath}`,
    tokenId: STREET_DEMO_API_TOKEN.tokenId,
    company: STREET_DEMO_API_TOKEN.companyName,
  }),
});
