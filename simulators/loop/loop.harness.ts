import { defineHarness, type HarnessActivityType } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { LOOP_DEMO_API_KEY } from './loop-constants.ts';
import { createLoopSimulator, type LoopSimulator } from './loop-simulator.ts';

/** Points Propsync's Loop host at a simulator listening at `url`. */
export function loopOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_LOOP_API_URL: url, ...allowListeners(url) };
}

// A well-formed GUID that no simulated team was issued.
const UNKNOWN_API_KEY = '00000000-0000-4000-8000-000000000000';

const HOUR_MS = 3_600_000;

/**
 * Enters the activity in the simulated Loop diary or offer book; answers the id the adapter
 * reports for it (`appointment:<id>`, `offer:<id>`). A completed viewing took place an hour ago.
 */
function createActivity(simulator: LoopSimulator, contactId: string, type: HarnessActivityType): string {
  const { controls } = simulator;
  if (type === 'offer_submitted') return `offer:${controls.createOffer({ contactId, type: 'sale' })}`;
  const appointment =
    type === 'valuation_booked'
      ? { type: 'valuation' as const, status: 'booked' as const }
      : type === 'viewing_booked'
        ? { type: 'viewing' as const, status: 'booked' as const }
        : { type: 'viewing' as const, status: 'completed' as const, start: simulator.clock.now() - HOUR_MS };
  return `appointment:${controls.createAppointment({ contactId, ...appointment })}`;
}

/**
 * Drives the Loop simulator for the adapter contract suite (server/adapters/contract.test.ts).
 * The adapter lists with includeArchived=true, so archived contacts count (as inactive).
 */
export const loopHarness = defineHarness({
  provider: 'loop',
  create: createLoopSimulator,
  connect: (simulator, url) => ({
    operatorConfig: loopOperatorConfig(url),
    connection: { credentials: { apiKey: LOOP_DEMO_API_KEY }, settings: {} },
    invalidCredentials: { apiKey: UNKNOWN_API_KEY },
    contactListPath: /^\/v1\/contacts\/?$/,
    isDelta: (request) => request.query.updatedSince !== undefined,
    revokeCredentials: () => simulator.controls.revokeApiKey(LOOP_DEMO_API_KEY),
    restoreCredentials: () => simulator.controls.restoreApiKey(LOOP_DEMO_API_KEY),
    createActivity: ({ contactExternalId, type }) => createActivity(simulator, contactExternalId, type),
    // A booked viewing or valuation is completed; a submitted offer is accepted.
    progress: {
      offer: (id) => simulator.controls.updateOffer(id, { status: 'accepted' }),
      appointment: (id) => simulator.controls.updateAppointment(id, 'completed'),
    },
    writeBackRecords: (contactExternalId) => simulator.notes({ contactId: contactExternalId }),
    signedWebhook: ({ contactExternalId, secret, timestampOffsetSeconds }) =>
      simulator.signedContactWebhook({ contactId: contactExternalId, secret, timestampOffsetSeconds }),
  }),
});
