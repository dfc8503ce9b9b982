import { defineCrm } from '../crm-module.ts';
import { streetAdapter } from './street.adapter.ts';
import { streetHarness } from './simulator/street.harness.ts';

/** Street: the adapter, and the simulator it is proven against (contract suite, demo, sandbox). */
export const streetCrm = defineCrm({
  adapter: streetAdapter,
  simulator: streetHarness,
  demo: { contactCount: 250 },
});
