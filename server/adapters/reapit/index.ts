import { defineCrm } from '../crm-module.ts';
import { reapitAdapter } from './reapit.adapter.ts';
import { reapitHarness } from './simulator/reapit.harness.ts';

/** Reapit: the adapter, and the simulator it is proven against (contract suite, demo, sandbox). */
export const reapitCrm = defineCrm({
  adapter: reapitAdapter,
  simulator: reapitHarness,
  demo: { contactCount: 1200, port: 4101 },
});
