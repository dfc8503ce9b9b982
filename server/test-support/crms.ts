import type { CrmProvider } from '../../shared/providers.ts';
import { findSimulator, type SimulatedCrm } from '../../simulators/registry.ts';
import type { AdapterDefinition } from '../adapters/adapter-definition.ts';
import { ADAPTERS } from '../adapters/registry.ts';
import type { SimulatorHarness } from '../../simulators/toolkit/contract-harness.ts';

/** A registered adapter with the simulator it is proven against. */
export type CrmUnderTest = {
  adapter: AdapterDefinition<any, any, any>;
  simulator: SimulatorHarness;
  demo: SimulatedCrm['demo'];
};

/** Every registered adapter paired with its simulator: a CRM without one fails here, loudly. */
export const CRMS: readonly CrmUnderTest[] = ADAPTERS.map((adapter) => {
  const simulated = findSimulator(adapter.info.id);
  if (!simulated) {
    throw new Error(`${adapter.info.id} has no simulator in simulators/registry.ts`);
  }
  return { adapter, simulator: simulated.harness, demo: simulated.demo };
});

export function findCrm(provider: CrmProvider): CrmUnderTest | undefined {
  return CRMS.find((crm) => crm.adapter.info.id === provider);
}
