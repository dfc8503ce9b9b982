import { defineCrm } from '../crm-module.ts';
import { altoAdapter } from './alto.adapter.ts';
import { altoHarness } from './simulator/alto.harness.ts';

/** Alto: the adapter, and the simulator it is proven against (contract suite, demo, sandbox). */
export const altoCrm = defineCrm({
  adapter: altoAdapter,
  simulator: altoHarness,
  demo: { contactCount: 250 },
});
