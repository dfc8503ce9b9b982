import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY } from '../../simulators/agentos/agentos-constants.ts';
import { ALTO_DEMO_AGENCY_REF, ALTO_DEMO_CLIENT } from '../../simulators/alto/alto-constants.ts';
import { REAPIT_DEMO_CLIENT } from '../../simulators/reapit/reapit-constants.ts';

/** What an agency enters to connect a simulator's demo account: `connections.connect` input. */
export type DemoConnection = { credentials: Record<string, string>; settings: Record<string, string> };

/** The Reapit simulator's demo customer; `settings` adds to (or overrides) its own, e.g. a page size. */
export function reapitDemoConnection(settings: Record<string, string> = {}): DemoConnection {
  const { clientId, clientSecret, customerId } = REAPIT_DEMO_CLIENT;
  return { credentials: { clientId, clientSecret }, settings: { customerId, ...settings } };
}

/** The agentOS simulator's demo key on its default tier. */
export function agentosDemoConnection(): DemoConnection {
  return {
    credentials: { apiKey: AGENTOS_DEMO_KEY.apiKey },
    settings: { shortName: AGENTOS_DEMO_KEY.shortName, tier: AGENTOS_DEFAULT_TIER },
  };
}

/** The Alto simulator's demo integration and agency. */
export function altoDemoConnection(): DemoConnection {
  const { clientId, clientSecret } = ALTO_DEMO_CLIENT;
  return { credentials: { clientId, clientSecret }, settings: { agencyRef: ALTO_DEMO_AGENCY_REF } };
}
