/**
 * Standalone agentOS simulator: `node simulators/agentos/main.ts`.
 * Environment: PORT (4100), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = the 1 minute … 6 hour retry schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { runStandalone } from '../toolkit/simulator-main.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY } from './agentos-constants.ts';
import { createAgentosSimulator } from './agentos-simulator.ts';

await runStandalone({
  name: 'agentOS simulator',
  defaultPort: 4100,
  create: createAgentosSimulator,
  listen: (simulator, port, host) => simulator.listen(port, host),
  // The URL and the agency's public identifiers only: never the API key.
  describe: (simulator, running) => ({
    url: running.url,
    apiBase: `${running.url}/v4/${AGENTOS_DEFAULT_TIER}/${AGENTOS_DEMO_KEY.shortName}`,
    shortName: simulator.defaultShortName,
    contacts: simulator.contactCount(),
  }),
});
