import type { CrmProvider } from '../../shared/providers.ts';
import { agentosHarness } from './agentos/agentos.harness.ts';
import { customHarness } from './custom/custom.harness.ts';
import { loopHarness } from './loop/loop.harness.ts';
import { reapitHarness } from './reapit/reapit.harness.ts';
import type { SimulatorHarness } from './shared/contract-harness.ts';

/**
 * Every simulator the adapter contract suite runs against: one line per CRM. Keyed by provider so
 * a provider without a harness is visible here.
 */
export const HARNESSES_BY_PROVIDER = {
  agentos: agentosHarness,
  reapit: reapitHarness,
  alto: null,
  street: null,
  loop: loopHarness,
  custom: customHarness,
} satisfies Record<CrmProvider, SimulatorHarness | null>;

export const CONTRACT_HARNESSES: readonly SimulatorHarness[] = Object.values(HARNESSES_BY_PROVIDER).filter(
  (harness): harness is SimulatorHarness => harness !== null,
);
