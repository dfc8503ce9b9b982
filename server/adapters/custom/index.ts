import { defineCrm } from '../crm-module.ts';
import { customAdapter } from './custom.adapter.ts';
import { customHarness } from './simulator/custom.harness.ts';

/** The custom (open API) CRM: the adapter, and the simulator it is proven against (contract suite, demo, sandbox). */
export const customCrm = defineCrm({
  adapter: customAdapter,
  simulator: customHarness,
  demo: { contactCount: 250 },
});
