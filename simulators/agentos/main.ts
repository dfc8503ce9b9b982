/** Standalone agentOS simulator on PORT 4100 (WEBHOOK_RETRY_SCALE 1 = the 1 minute … 6 hour retry schedule). */
import { runStandalone } from '../toolkit/simulator-main.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY } from './agentos-constants.ts';
import { createAgentosSimulator } from './agentos-simulator.ts';

await runStandalone({
  name: 'agentOS simulator',
  defaultPort: 4100,
  create: createAgentosSimulator,
  // The agency's public identifiers only: never the API key.
  describe: (simulator, running) => ({
    apiBase: `${running.url}/v4/${AGENTOS_DEFAULT_TIER}/${AGENTOS_DEMO_KEY.shortName}`,
    shortName: simulator.defaultShortName,
  }),
});
