/** Standalone Loop simulator on PORT 4105 (WEBHOOK_RETRY_SCALE 1 = the real 5 s … 10 h schedule). */
import { runStandalone } from '../toolkit/simulator-main.ts';
import { createLoopSimulator } from './loop-simulator.ts';

await runStandalone({
  name: 'Loop simulator',
  defaultPort: 4105,
  create: createLoopSimulator,
  // The team only: never an API key (the demo key is LOOP_DEMO_API_KEY in loop-constants.ts).
  describe: (simulator) => ({ teamId: simulator.defaultTeamId }),
});
