import type { SimulatorHarness } from '../simulators/shared/contract-harness.ts';
import type { AdapterDefinition } from './adapter-definition.ts';

/**
 * One CRM, as its folder under `server/adapters/<provider>/` exports it from `index.ts`: the
 * adapter, and the simulator that the contract suite, the demo and the sandbox run against.
 */
export type CrmModule = {
  adapter: AdapterDefinition<any, any, any>;
  simulator: SimulatorHarness;
  /** How `npm start` runs the simulator for the demo agency. */
  demo: {
    contactCount: number;
    /** A fixed port on 127.0.0.1 (documented addresses); default a free one. */
    port?: number;
  };
};

export function defineCrm(module: CrmModule): CrmModule {
  if (module.simulator.provider !== module.adapter.info.id) {
    throw new Error(
      `The ${module.adapter.info.id} folder registers the simulator of ${module.simulator.provider}`,
    );
  }
  return module;
}
