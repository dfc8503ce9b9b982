import { defineCrm } from '../crm-module.ts';
import { agentosAdapter } from './agentos.adapter.ts';
import { agentosHarness } from './simulator/agentos.harness.ts';

/** agentOS: the adapter, and the simulator it is proven against (contract suite, demo, sandbox). */
export const agentosCrm = defineCrm({
  adapter: agentosAdapter,
  simulator: agentosHarness,
  demo: { contactCount: 250 },
});
