import { defineCrm } from '../crm-module.ts';
import { loopAdapter } from './loop.adapter.ts';
import { loopHarness } from './simulator/loop.harness.ts';

/** Loop: the adapter, and the simulator it is proven against (contract suite, demo, sandbox). */
export const loopCrm = defineCrm({
  adapter: loopAdapter,
  simulator: loopHarness,
  demo: { contactCount: 250 },
});
