import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import { createAgentosSimulator } from '../../../simulators/agentos/agentos-simulator.ts';
import { sqlNumber, sqlTimestamp } from '../../infrastructure/db/sql.ts';
import { agentosDemoConnection } from '../../test-support/demo-connections.ts';
import { useConnectedAgency } from '../../test-support/connected-agency.ts';

/**
 * A CRM record that will not happen (a viewing cancelled, an offer rejected) withdraws the signal
 * stored for it: through the sync, the store and the rescoring, to the score written back to the CRM.
 */
const DAY = 24 * 60 * 60_000;

const simulator = createAgentosSimulator({ seed: 47, contactCount: 20, rateLimits: false });
const agency = useConnectedAgency(async () => ({
  name: 'Cancelled Viewings Lettings',
  provider: 'agentos',
  connection: agentosDemoConnection(),
  env: agentosOperatorConfig((await simulator.listen(0)).url),
  closeAfter: [simulator],
}));

const ContactRow = z.object({
  intent_score: sqlNumber,
  hot_lead_at: sqlTimestamp.nullable(),
  reasons: z.array(z.object({ type: z.string(), contribution: z.number() })).nullable(),
  withdrawn: z.array(z.string()).nullable(),
});
const contactState = async (contactId: string) =>
  (await agency.sql.first(
    ContactRow,
    `select intent_score, hot_lead_at, engagement -> 'reasons' as reasons,
       (select array_agg(a.external_id order by a.external_id) from activities a where a.contact_id = c.id and a.withdrawn) as withdrawn
     from contacts c where id = ?`,
    [contactId],
  ))!;

/** Syncs the agentOS connection, then waits for the rescoring and its write-backs. */
async function sync(): Promise<void> {
  expect((await agency.services.runSyncCycle(agency.connectionId, 'manual')).status).toBe('succeeded');
  await agency.services.whenIdle();
}

describe('a booked viewing later cancelled', () => {
  it('stops counting: the score drops, the reasons forget it, the flag clears per hysteresis, a replay does not revive it', async () => {
    const row = (await agency.sql.first(
      z.object({ contact_id: z.string(), external_id: z.string() }),
      `select e.contact_id, e.external_id from contact_external_ids e join contacts c on c.id = e.contact_id
       where c.organisation_id = ? and e.active and e.external_id like '%Applicant:%'
         and not exists (select 1 from activities a where a.contact_id = c.id)
       order by e.external_id limit 1`,
      [agency.organisationId],
    ))!;
    const contactId = row.contact_id;
    const externalId = row.external_id;
    // An accepted offer (45), a viewing tomorrow (15) and one booked a fortnight ago (15, halved): 67.5.
    const offer = simulator.controls.createOffer({ contactId: externalId });
    simulator.controls.setOfferStatus(offer, 'Accepted');
    const tomorrow = simulator.controls.createAppointment({ contactId: externalId, systemType: 'Viewing' });
    simulator.controls.createAppointment({
      contactId: externalId,
      systemType: 'Viewing',
      start: Date.now() - 14 * DAY,
    });
    await sync();
    const hot = await contactState(contactId);
    expect(hot.intent_score).toBeGreaterThan(60);
    expect(hot.hot_lead_at).not.toBeNull();
    expect(hot.reasons?.map((reason) => reason.type)).toEqual([
      'offer_progressed',
      'viewing_booked',
      'viewing_booked',
    ]);
    expect(simulator.engagement(externalId)).toMatchObject({ HotLead: true });

    // The viewing of tomorrow is cancelled: 15 less, below the threshold but not below the
    // clearing point (45), so the contact stays a hot lead; the new score reaches the CRM.
    simulator.controls.setAppointmentStatus(tomorrow, 'Cancelled');
    await sync();
    const cancelled = await contactState(contactId);
    expect(cancelled.intent_score).toBeCloseTo(hot.intent_score - 15, 1);
    expect(cancelled.hot_lead_at).toEqual(hot.hot_lead_at);
    expect(cancelled.reasons?.map((reason) => reason.type)).toEqual(['offer_progressed', 'viewing_booked']);
    expect(cancelled.withdrawn).toEqual([`appointment:${tomorrow}`]);
    expect(simulator.engagement(externalId)).toMatchObject({
      EngagementScore: expect.closeTo(cancelled.intent_score, 0),
      HotLead: true,
    });

    // The offer is rejected: below the clearing point, the flag clears, in the CRM too.
    simulator.controls.setOfferStatus(offer, 'Rejected');
    await sync();
    const cold = await contactState(contactId);
    expect(cold.intent_score).toBeLessThan(10);
    expect(cold.hot_lead_at).toBeNull();
    expect(cold.reasons?.map((reason) => reason.type)).toEqual(['viewing_booked']);
    expect(simulator.engagement(externalId)).toMatchObject({ HotLead: false });

    // A late delivery of the viewing's booking (a stale webhook, a retried page): withdrawn stays withdrawn.
    const replay = await agency.services.engagement.recordSignals(agency.organisationId, [
      {
        contactId,
        connectionId: agency.connectionId,
        type: 'viewing_booked',
        source: 'agentos',
        externalId: `appointment:${tomorrow}`,
        occurredAt: new Date().toISOString(),
        details: {},
      },
    ]);
    expect(replay.recorded).toBe(0);
    const replayed = await contactState(contactId);
    expect(replayed.intent_score).toBe(cold.intent_score);
    expect(replayed.reasons?.map((reason) => reason.type)).toEqual(['viewing_booked']);
    expect(replayed.withdrawn).toEqual([`appointment:${tomorrow}`, `offer:${offer}`].sort());
  }, 60_000);
});
