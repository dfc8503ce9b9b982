import { reapitOperatorConfig } from '../../simulators/reapit/reapit.harness.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type ReapitSimulatorOptions,
} from '../../simulators/reapit/reapit-simulator.ts';
import { createTestServices, type TestServices } from './test-services.ts';

/** A Reapit simulator (without rate limits unless asked), and test services pointed at it. */
export type ReapitWorld = { reapit: ReapitSimulator; services: TestServices; close: () => Promise<void> };

export async function startReapitWorld(
  simulator: ReapitSimulatorOptions,
  services: Parameters<typeof createTestServices>[0] = {},
): Promise<ReapitWorld> {
  const reapit = createReapitSimulator({ rateLimits: false, ...simulator });
  const listening = await reapit.listen(0);
  const testServices = await createTestServices({
    ...services,
    env: { ...reapitOperatorConfig(listening), ...services.env },
  });
  return {
    reapit,
    services: testServices,
    close: async () => {
      await testServices.destroy();
      await reapit.close();
    },
  };
}
