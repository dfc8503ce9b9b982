/**
 * Standalone Loop simulator: `node simulators/loop/main.ts`.
 * Environment: PORT (4105), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = the real 5 s … 10 h schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { runStandalone } from '../toolkit/simulator-main.ts';
import { createLoopSimulator } from './loop-simulator.ts';

await runStandalone({
  name: 'Loop simulator',
  defaultPort: 4105,
  create: createLoopSimulator,
  listen: (simulator, port, host) => simulator.listen(port, host),
  // The URL and the team only: never an API key (the demo key is LOOP_DEMO_API_KEY in loop-constants.ts).
  describe: (simulator, running) => ({
    url: running.url,
    teamId: simulator.defaultTeamId,
    contacts: simulator.contactCount(),
  }),
});
