import type { CrmProvider } from '../shared/providers.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY } from '../simulators/agentos/agentos-constants.ts';
import { agentosOperatorConfig } from '../simulators/agentos/agentos.harness.ts';
import { createAgentosSimulator } from '../simulators/agentos/agentos-simulator.ts';
import { ALTO_DEMO_CLIENT } from '../simulators/alto/alto-constants.ts';
import { altoOperatorConfig } from '../simulators/alto/alto.harness.ts';
import { createAltoSimulator } from '../simulators/alto/alto-simulator.ts';
import { CUSTOM_API_BASE_PATH, CUSTOM_DEMO_API_KEY } from '../simulators/custom/custom-constants.ts';
import { createCustomSimulator } from '../simulators/custom/custom-simulator.ts';
import { LOOP_DEMO_API_KEY } from '../simulators/loop/loop-constants.ts';
import { loopOperatorConfig } from '../simulators/loop/loop.harness.ts';
import { createLoopSimulator } from '../simulators/loop/loop-simulator.ts';
import { REAPIT_DEMO_CLIENT } from '../simulators/reapit/reapit-constants.ts';
import { reapitOperatorConfig } from '../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator } from '../simulators/reapit/reapit-simulator.ts';
import { allowListeners } from '../simulators/toolkit/operator-config.ts';
import type { FaultControls } from '../simulators/toolkit/fault-controls.ts';
import { STREET_DEMO_API_TOKEN } from '../simulators/street/street-constants.ts';
import { streetOperatorConfig } from '../simulators/street/street.harness.ts';
import { createStreetSimulator } from '../simulators/street/street-simulator.ts';

/**
 * One simulated CRM as the chaos run needs it: the fault controls (which the contract harness
 * does not expose), what an admin enters to connect, the listable ids, and the write-back records
 * (journal entries, log entries, notes, activities, file notes) it holds per contact.
 */
export type ChaosSimulator = {
  provider: CrmProvider;
  url: string;
  faults: FaultControls;
  connection: { credentials: Record<string, string>; settings: Record<string, string> };
  /** The CRM hosts and egress allowance that point Propsync at this simulator. */
  operatorConfig: Record<string, string>;
  contactIds(): string[];
  writeBackRecords(contactExternalId: string): unknown[];
  /** Requests answered with a given status since start (for the report). */
  statusCounts(): Record<string, number>;
  close(): Promise<void>;
};

export type ChaosSimulatorOptions = { seed: number; contactCount: number; pageSize: number };

type Factory = (options: ChaosSimulatorOptions) => Promise<ChaosSimulator>;

function countStatuses(entries: ReadonlyArray<{ status: number | null }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries) {
    const key = entry.status === null ? 'none' : String(entry.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// Rate limits stay off: the 429s come from the fault mix, at the rate the run asks for.
const COMMON = { webhookRetryScale: 0.0001, rateLimits: false as const };

/** A simulator the chaos run can start: its fault controls and request log come from the toolkit. */
type ToolkitSimulator<Running extends { url: string }> = {
  faults: FaultControls;
  requestLog: { entries(): ReadonlyArray<{ status: number | null }> };
  listen(port: number): Promise<Running>;
  close(): Promise<void>;
};

/** What differs from CRM to CRM: how to connect to it, and where it keeps what Propsync writes back. */
type CrmSpecifics = Pick<ChaosSimulator, 'connection' | 'operatorConfig' | 'contactIds' | 'writeBackRecords'>;

/** Starts `simulator` on a free port; the rest of a ChaosSimulator is the same for every CRM. */
async function startChaosSimulator<Running extends { url: string }>(
  provider: CrmProvider,
  simulator: ToolkitSimulator<Running>,
  specifics: (running: Running) => CrmSpecifics,
): Promise<ChaosSimulator> {
  const running = await simulator.listen(0);
  return {
    provider,
    url: running.url,
    faults: simulator.faults,
    ...specifics(running),
    statusCounts: () => countStatuses(simulator.requestLog.entries()),
    close: () => simulator.close(),
  };
}

export const CHAOS_SIMULATORS = {
  reapit({ seed, contactCount, pageSize }) {
    const simulator = createReapitSimulator({ seed, contactCount, ...COMMON });
    const { clientId, clientSecret, customerId } = REAPIT_DEMO_CLIENT;
    return startChaosSimulator('reapit', simulator, (running) => ({
      connection: {
        credentials: { clientId, clientSecret },
        settings: { customerId, pageSize: String(pageSize) },
      },
      operatorConfig: reapitOperatorConfig(running),
      contactIds: () => simulator.contactIds(),
      writeBackRecords: (id) =>
        simulator
          .journalEntries()
          .filter((entry) => entry.associatedType === 'contact' && entry.associatedId === id),
    }));
  },
  agentos({ seed, contactCount, pageSize }) {
    const simulator = createAgentosSimulator({ seed, contactCount, ...COMMON });
    const { apiKey, shortName } = AGENTOS_DEMO_KEY;
    return startChaosSimulator('agentos', simulator, ({ url }) => ({
      connection: {
        credentials: { apiKey },
        settings: { shortName, tier: AGENTOS_DEFAULT_TIER, pageSize: String(pageSize) },
      },
      operatorConfig: agentosOperatorConfig(url),
      contactIds: () => simulator.listableContactIds(),
      writeBackRecords: (id) => simulator.logEntries(id),
    }));
  },
  loop({ seed, contactCount, pageSize }) {
    const simulator = createLoopSimulator({ seed, contactCount, ...COMMON });
    return startChaosSimulator('loop', simulator, ({ url }) => ({
      connection: { credentials: { apiKey: LOOP_DEMO_API_KEY }, settings: { pageSize: String(pageSize) } },
      operatorConfig: loopOperatorConfig(url),
      contactIds: () => simulator.contactIds(),
      writeBackRecords: (id) => simulator.notes({ contactId: id }),
    }));
  },
  custom({ seed, contactCount, pageSize }) {
    const simulator = createCustomSimulator({ seed, contactCount, ...COMMON });
    return startChaosSimulator('custom', simulator, ({ url }) => ({
      connection: {
        credentials: { apiKey: CUSTOM_DEMO_API_KEY },
        settings: { baseUrl: `${url}${CUSTOM_API_BASE_PATH}`, pageSize: String(pageSize) },
      },
      operatorConfig: allowListeners(url),
      contactIds: () => simulator.contactIds(),
      writeBackRecords: (id) => simulator.writeBackRecords(id),
    }));
  },
  alto({ seed, contactCount, pageSize }) {
    const simulator = createAltoSimulator({ seed, contactCount, tokenLifetimeSeconds: 3600, ...COMMON });
    const { clientId, clientSecret } = ALTO_DEMO_CLIENT;
    return startChaosSimulator('alto', simulator, ({ url }) => ({
      connection: {
        credentials: { clientId, clientSecret },
        settings: { agencyRef: simulator.defaultAgencyRef, pageSize: String(pageSize) },
      },
      operatorConfig: altoOperatorConfig(url),
      contactIds: () => simulator.contactIds(),
      writeBackRecords: (id) => simulator.fileNotes({ contactId: id }),
    }));
  },
  street({ seed, contactCount }) {
    const simulator = createStreetSimulator({ seed, contactCount, ...COMMON });
    return startChaosSimulator('street', simulator, ({ url }) => ({
      connection: { credentials: { apiToken: STREET_DEMO_API_TOKEN.apiToken }, settings: {} },
      operatorConfig: streetOperatorConfig(url),
      contactIds: () => simulator.contactIds(),
      writeBackRecords: (id) => simulator.notes(id),
    }));
  },
} satisfies Record<CrmProvider, Factory>;
