import { reapitHarness } from './reapit/reapit.harness.ts';
import type { SimulatorHarness } from './shared/contract-harness.ts';

/** Every simulator the adapter contract suite runs against: one line per CRM. */
export const CONTRACT_HARNESSES: readonly SimulatorHarness[] = [reapitHarness];
