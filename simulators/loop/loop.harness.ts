import { defineHarness, type HarnessActivityType, type HarnessRequest } from '../toolkit/contract-harness.ts';
import { allowListeners, type OperatorConfig } from '../toolkit/operator-config.ts';
import { LOOP_DEMO_API_KEY } from './loop-constants.ts';
import { createLoopSimulator, type LoopSimulator } from './loop-simulator.ts';

/** Points Propsync's Loop host at a simulator listening at `url`. */
export function loopOperatorConfig(url: string): OperatorConfig {
  return { PROPSYNC_LOOP_API_URL: url, ...allowListeners(url) };
}

// A well-formed GUID that no simulated team was issued.
const UNKNOWN_API_KEY = '00000000-0000-4000-8000-000000000000';

function isContactList(request: HarnessRequest): boolean {
  return request.method === 'GET' && /^\/v1\/contacts\/?$/.test(request.path);
}

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

/** A booked viewing or valuation is completed; a submitted offer is accepted. */
function progressActivity(simulator: LoopSimulator, externalId: string): void {
  const [kind, id = ''] = externalId.split(':');
  const found =
    kind === 'offer'
      ? simulator.controls.updateOffer(id, { status: 'accepted' })
      : kind === 'appointment' && simulator.controls.updateAppointment(id, 'completed');
  if (!found) throw new RangeError(`no Loop activity ${externalId}`);
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
    modifyContacts: (count) => simulator.controls.modifyContacts({ count, randomChange: true }),
    isContactListRequest: isContactList,
    isDeltaListRequest: (request) => isContactList(request) && request.query.updatedSince !== undefined,
    revokeCredentials: () => simulator.controls.revokeApiKey(LOOP_DEMO_API_KEY),
    restoreCredentials: () => simulator.controls.restoreApiKey(LOOP_DEMO_API_KEY),
    createActivity: ({ contactExternalId, type }) => createActivity(simulator, contactExternalId, type),
    progressActivity: (externalId) => progressActivity(simulator, externalId),
    writeBackRecords: (contactExternalId) => simulator.notes({ contactId: contactExternalId }),
    signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
      const signed = simulator.signedContactWebhook({
        contactId: contactExternalId,
        secret,
        timestampOffsetSeconds,
      });
      return { headers: signed.headers, rawBody: Buffer.from(signed.rawBody) };
    },
  }),
});
