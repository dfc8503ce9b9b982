import type { CrmProvider } from '../../shared/providers.ts';
import { agentosHarness } from './agentos/agentos.harness.ts';
import { altoHarness } from './alto/alto.harness.ts';
import { customHarness } from './custom/custom.harness.ts';
import { loopHarness } from './loop/loop.harness.ts';
import { reapitHarness } from './reapit/reapit.harness.ts';
import { streetHarness } from './street/street.harness.ts';
import type { SimulatorHarness } from './shared/contract-harness.ts';

/**
 * Every simulator the adapter contract suite runs against: one line per CRM, typed over
 * CrmProvider so a provider without a simulator fails to compile.
 */
export const HARNESSES_BY_PROVIDER = {
  agentos: agentosHarness,
  reapit: reapitHarness,
  alto: altoHarness,
  street: streetHarness,
  loop: loopHarness,
  custom: customHarness,
} satisfies Record<CrmProvider, SimulatorHarness>;

export const CONTRACT_HARNESSES: readonly SimulatorHarness[] = Object.values(HARNESSES_BY_PROVIDER);
