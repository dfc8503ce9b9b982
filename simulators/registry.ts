import type { CrmProvider } from '../shared/providers.ts';
import { agentosHarness } from './agentos/agentos.harness.ts';
import { altoHarness } from './alto/alto.harness.ts';
import { customHarness } from './custom/custom.harness.ts';
import { loopHarness } from './loop/loop.harness.ts';
import { reapitHarness } from './reapit/reapit.harness.ts';
import { streetHarness } from './street/street.harness.ts';
import type { SimulatorHarness } from './toolkit/contract-harness.ts';

/** One CRM's simulator, and how `npm start` runs it for the demo agency. */
export type SimulatedCrm = {
  harness: SimulatorHarness;
  demo: {
    contactCount: number;
    /** A fixed port on 127.0.0.1 (documented addresses); default a free one. */
    port?: number;
  };
};

/**
 * Every CRM simulator, one line each. The demo, the tests, the bench and chaos read this map;
 * the production server never does (`server/adapters/registry.ts` lists adapters only).
 */
export const SIMULATORS: readonly SimulatedCrm[] = [
  { harness: agentosHarness, demo: { contactCount: 250 } },
  { harness: reapitHarness, demo: { contactCount: 1200, port: 4101 } },
  { harness: altoHarness, demo: { contactCount: 250 } },
  { harness: streetHarness, demo: { contactCount: 250 } },
  { harness: loopHarness, demo: { contactCount: 250 } },
  { harness: customHarness, demo: { contactCount: 250 } },
];

export function findSimulator(provider: CrmProvider): SimulatedCrm | undefined {
  return SIMULATORS.find((simulator) => simulator.harness.provider === provider);
}
