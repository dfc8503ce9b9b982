import { defineHarness, type HarnessActivityType } from '../toolkit/contract-harness.ts';
import { allowListeners } from '../toolkit/operator-config.ts';
import { CUSTOM_API_BASE_PATH, CUSTOM_DEMO_API_KEY } from './custom-constants.ts';
import { createCustomSimulator, type CreateActivityOptions } from './custom-simulator.ts';

/** A completed viewing the harness enters took place an hour before now. */
const COMPLETED_VIEWING_AGO_MS = 3_600_000;

/** What each harness activity is in the open API. */
function activityOptions(
  type: HarnessActivityType,
  now: number,
): Pick<CreateActivityOptions, 'type' | 'status' | 'startsAt'> {
  switch (type) {
    case 'viewing_booked':
      return { type: 'viewing' };
    case 'viewing_completed':
      return { type: 'viewing', status: 'completed', startsAt: now - COMPLETED_VIEWING_AGO_MS };
    case 'valuation_booked':
      return { type: 'valuation' };
    case 'offer_submitted':
      return { type: 'offer' };
  }
}

/** Drives the custom (Propsync open API) simulator for the adapter contract suite. */
export const customHarness = defineHarness({
  provider: 'custom',
  create: createCustomSimulator,
  connect: (simulator, url) => ({
    // A custom CRM's address is the admin's to type: the operator only allows it (it is on loopback).
    operatorConfig: allowListeners(url),
    connection: {
      credentials: { apiKey: CUSTOM_DEMO_API_KEY },
      settings: { baseUrl: `${url}${CUSTOM_API_BASE_PATH}` },
    },
    invalidCredentials: { apiKey: `${CUSTOM_DEMO_API_KEY}-wrong` },
    contactListPath: new RegExp(`^${CUSTOM_API_BASE_PATH}/contacts/?$`),
    isDelta: (request) => typeof request.query.updated_since === 'string',
    revokeCredentials: () => simulator.controls.revokeApiKey(),
    restoreCredentials: () => simulator.controls.restoreApiKey(),
    writeBackRecords: (contactExternalId) => simulator.writeBackRecords(contactExternalId),
    // The adapter's id for an activity: the open API has one activity list, so one kind (docs/crms/custom.md).
    createActivity: ({ contactExternalId, type }) =>
      `activity:${simulator.controls.createActivity({
        contactId: contactExternalId,
        ...activityOptions(type, simulator.clock.now()),
      })}`,
    progress: {
      // The next stage of a booked appointment (completed) or a submitted offer (accepted).
      activity(id) {
        const activity = simulator.activities().find((candidate) => candidate.id === id);
        if (activity === undefined) return false;
        simulator.controls.setActivityStatus(id, activity.type === 'offer' ? 'accepted' : 'completed');
      },
    },
    signedWebhook({ contactExternalId, secret, timestampOffsetSeconds }) {
      if (secret === null)
        throw new Error('the custom CRM signs with the per-subscription secret: register webhooks first');
      return simulator.signedContactWebhook({ contactId: contactExternalId, secret, timestampOffsetSeconds });
    },
  }),
});
