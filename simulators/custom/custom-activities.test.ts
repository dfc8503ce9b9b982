import { describe, expect, it } from 'vitest';
import { closeAfterEach, jsonClient, startWebhookReceiver } from '../toolkit/simulator-testing.ts';
import { CUSTOM_API_BASE_PATH, CUSTOM_DEMO_API_KEY } from './custom-constants.ts';
import { createCustomSimulator } from './custom-simulator.ts';
import { customHarness } from './custom.harness.ts';

type Json = Record<string, any>;

const DAY_MS = 86_400_000;
const ANCHOR = Date.parse('2026-12-03T00:00:00.000Z');

const closeLater = closeAfterEach();

async function start(contactCount = 300) {
  const simulator = createCustomSimulator({
    contactCount,
    dataAnchor: ANCHOR,
    webhookRetryScale: 0.00001,
    rateLimits: false,
  });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  const api = jsonClient<Json>(`${running.url}${CUSTOM_API_BASE_PATH}`, {
    authorization: `Bearer ${CUSTOM_DEMO_API_KEY}`,
  });
  return { simulator, api };
}

/** Every activity the query lists, following the cursor. */
async function listActivities(api: Awaited<ReturnType<typeof start>>['api'], query: string) {
  const listed: Json[] = [];
  let cursor: string | null = null;
  do {
    const page = await api(
      `/activities?${query}&limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    listed.push(...(page.body.data as Json[]));
    cursor = page.body.has_more ? page.body.next_cursor : null;
  } while (cursor !== null);
  return listed;
}

describe('custom simulator: activities', () => {
  it('lists activities changed since a time, oldest change first, a status change moving updated_at', async () => {
    const { simulator, api } = await start();
    const since = new Date(simulator.clock.now()).toISOString();
    const contactId = simulator.contactIds()[0]!;
    const viewing = simulator.controls.createActivity({ contactId, type: 'viewing' });
    simulator.controls.advanceClock(1_000);
    const offer = simulator.controls.createActivity({ contactId, type: 'offer' });
    simulator.controls.advanceClock(1_000);
    simulator.controls.setActivityStatus(viewing, 'completed');

    const changed = await listActivities(api, `updated_since=${encodeURIComponent(since)}`);
    expect(changed.map((activity) => [activity.id, activity.status])).toEqual([
      [offer, 'submitted'],
      [viewing, 'completed'],
    ]);
    expect(Date.parse(changed[1]!.updated_at)).toBeGreaterThan(Date.parse(changed[1]!.created_at));
    const all = await listActivities(api, 'type=viewing,offer');
    const times = all.map((activity) => Date.parse(activity.updated_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(all.map((activity) => activity.type))).toEqual(new Set(['viewing', 'offer']));
  });

  it('sends activity.created, then activity.updated when the activity moves on', async () => {
    const { simulator, api } = await start(50);
    const hook = await startWebhookReceiver();
    closeLater(() => hook.close());
    await api('/webhooks', {
      method: 'POST',
      json: { url: hook.url, events: ['activity.created', 'activity.updated'] },
    });
    const offer = simulator.controls.createActivity({ contactId: simulator.contactIds()[1]!, type: 'offer' });
    simulator.controls.setActivityStatus(offer, 'accepted');
    await simulator.webhooksIdle();
    expect(hook.deliveries.map((delivery) => [delivery.body.type, delivery.body.data.status])).toEqual([
      ['activity.created', 'submitted'],
      ['activity.updated', 'accepted'],
    ]);
  });

  it('seeds the same activities from the same seed, with a buyer who made an offer after a viewing this week', async () => {
    const { simulator } = await start();
    expect(createCustomSimulator({ contactCount: 300, dataAnchor: ANCHOR }).activities()).toEqual(
      simulator.activities(),
    );
    const recent = (activity: Json) => Date.parse(activity.occurred_at) > ANCHOR - 3 * DAY_MS;
    const hotLeads = simulator.contactIds().filter((contactId) => {
      const activities = simulator.activities({ contactId }).filter(recent);
      return (
        activities.some((activity) => activity.type === 'offer' && activity.status === 'submitted') &&
        activities.some((activity) => activity.type === 'viewing' && activity.status === 'completed')
      );
    });
    expect(hotLeads.length).toBeGreaterThanOrEqual(1);
    for (const activity of simulator.activities())
      expect(Date.parse(String(activity.updated_at))).toBeLessThanOrEqual(ANCHOR);
  });

  it('harness: enters activities and moves them on under the id the adapter reports', async () => {
    const running = await customHarness.start({ contactCount: 20, rateLimits: false });
    closeLater(() => running.close());
    const contactExternalId = running.listableContactIds()[0]!;
    const viewing = running.createActivity!({ contactExternalId, type: 'viewing_booked' });
    const completed = running.createActivity!({ contactExternalId, type: 'viewing_completed' });
    const offer = running.createActivity!({ contactExternalId, type: 'offer_submitted' });
    expect([viewing, completed, offer]).toEqual([
      expect.stringMatching(/^activity:act_\d+$/),
      expect.stringMatching(/^activity:act_\d+$/),
      expect.stringMatching(/^activity:act_\d+$/),
    ]);
    const api = jsonClient<Json>(`${running.url}${CUSTOM_API_BASE_PATH}`, {
      authorization: `Bearer ${CUSTOM_DEMO_API_KEY}`,
    });
    const statusOf = async (externalId: string) =>
      (await api(`/activities/${externalId.slice('activity:'.length)}`)).body.status as string;
    expect(await statusOf(completed)).toBe('completed');
    running.progressActivity!(viewing);
    running.progressActivity!(offer);
    expect([await statusOf(viewing), await statusOf(offer)]).toEqual(['completed', 'accepted']);
    expect(() => running.progressActivity!('activity:act_9999999')).toThrow(RangeError);
  });
});
