import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_POLICY, intentScore, type Signal } from '../../core/domain/intent-scoring.ts';
import type { CrmAdapter } from '../../core/ports/crm-adapter.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY } from '../../../simulators/agentos/agentos-constants.ts';
import {
  createAgentosSimulator,
  type AgentosSimulator,
} from '../../../simulators/agentos/agentos-simulator.ts';
import { adapterConnector, type ConnectAdapter } from '../../test-support/adapter-connections.ts';
import { receiveWebhooks } from '../../test-support/webhook-receiver.ts';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';

/** What the contract suite does not cover: write-back (docs/crms/agentos.md) and a real signed delivery. */
describe('agentOS adapter against its simulator', () => {
  let simulator: AgentosSimulator;
  let url: string;
  let connectTo: ConnectAdapter;

  beforeAll(async () => {
    simulator = createAgentosSimulator({ contactCount: 80, rateLimits: false, webhookRetryScale: 0.0001 });
    url = (await simulator.listen(0)).url;
    connectTo = adapterConnector({ hostConfig: agentosOperatorConfig(url) });
  });
  afterAll(async () => simulator.close());

  const adapter = (webhookSecret: string | null = null): CrmAdapter =>
    connectTo({
      provider: 'agentos',
      credentials: { apiKey: AGENTOS_DEMO_KEY.apiKey },
      settings: { shortName: AGENTOS_DEMO_KEY.shortName, tier: AGENTOS_DEFAULT_TIER },
      webhookSecret,
    });

  it('writes the engagement score and the hot-lead flag with its timestamp onto the contact record', async () => {
    const id = simulator.contactIds()[0]!;
    const client = adapter();
    const base = { contactExternalId: id, summary: 'Nurture outcome', details: {} };
    await client.pushActivity({
      ...base,
      kind: 'engagement_score',
      idempotencyKey: 'score-1',
      occurredAt: '2026-03-21T09:00:00.000Z',
      details: { score: 73.46 },
    });
    await client.pushActivity({
      ...base,
      kind: 'hot_lead',
      idempotencyKey: 'hot-1',
      occurredAt: '2026-03-21T09:05:00.000Z',
    });
    expect(simulator.getContact(id)).toMatchObject({
      EngagementScore: 73.5,
      EngagementScoreDate: '2026-03-21T09:00:00.000Z',
      HotLead: true,
      HotLeadDate: '2026-03-21T09:05:00.000Z',
    });
    await expect(
      client.pushActivity({
        ...base,
        kind: 'engagement_score',
        idempotencyKey: 'score-2',
        occurredAt: '2026-03-21T09:00:00.000Z',
      }),
    ).rejects.toMatchObject({
      code: 'ADAPTER.VALIDATION',
    });
  });

  it('logs each sent email once as an Email log entry carrying its reference', async () => {
    const id = simulator.contactIds()[1]!;
    const email = {
      kind: 'email_sent' as const,
      idempotencyKey: `nurture-${'x'.repeat(120)}`,
      contactExternalId: id,
      occurredAt: '2026-03-21T10:00:00.000Z',
      summary: 'Nurture email sent: "Your home in spring"',
      details: { campaign: 'spring-sellers' },
    };
    const first = await adapter().pushActivity(email);
    const again = await adapter().pushActivity(email);
    expect(again.externalRef).toBe(first.externalRef);
    const entries = simulator.logEntries(id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ Type: 'Email', Subject: email.summary, DateTime: email.occurredAt });
    // A key too long for ExternalReference (100 characters) is hashed, not cut.
    expect(String(entries[0]!.ExternalReference)).toMatch(/^propsync:sha256:/);
    expect(String(entries[0]!.Notes)).toContain('campaign: spring-sellers');
  });

  it('ingests a contact.updated delivery agentOS itself sent to the registered receiver', async () => {
    const receiver = await receiveWebhooks('/hooks');
    const { received } = receiver;
    try {
      const registration = await adapter().registerWebhooks({ url: receiver.url });
      expect(registration.secret).toMatch(/^aosws_/);
      // Registering again replaces the subscription instead of doubling deliveries.
      const replaced = await adapter().registerWebhooks({ url: receiver.url });
      expect(simulator.webhookSubscriptions()).toHaveLength(1);

      const [id] = simulator.controls.modifyContacts({ count: 1, fields: { Forename: 'Imogen' } });
      await simulator.webhooksIdle();
      expect(received).toHaveLength(1);
      const ingested = await adapter(replaced.secret).ingestWebhook(received[0]!);
      expect(ingested).toMatchObject({
        eventType: 'contact.updated',
        // agentOS announces contacts only: appointments and offers arrive by polling.
        activities: [],
        contactIdsToFetch: [],
        removedContactIds: [],
      });
      expect(ingested.contacts).toEqual([
        expect.objectContaining({
          firstName: 'Imogen',
          provenance: expect.objectContaining({ externalId: id }),
        }),
      ]);
      await expect(adapter(registration.secret).ingestWebhook(received[0]!)).rejects.toMatchObject({
        code: 'WEBHOOK.BAD_SIGNATURE',
      });

      await adapter().unregisterWebhooks(replaced);
      expect(simulator.webhookSubscriptions()).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('reports withdrawn consent in a webhook as a removal', async () => {
    const registration = await adapter().registerWebhooks({ url: 'http://127.0.0.1:9/unused' });
    const id = simulator.contactIds()[2]!;
    simulator.controls.modifyContacts({ ids: [id], fields: { ThirdPartyMarketingConsent: false } });
    const delivery = simulator.signedDelivery({ id, secret: registration.secret! });
    const ingested = await adapter(registration.secret).ingestWebhook({
      ...delivery,
      receivedAt: new Date(),
    });
    expect(ingested).toMatchObject({ contacts: [], removedContactIds: [id] });
    await adapter().unregisterWebhooks(registration);
  });
});

describe('agentOS adapter: activities by polling, against a simulator whose clock stands still', () => {
  let simulator: AgentosSimulator;
  let connectTo: ConnectAdapter;
  let now = Date.parse('2026-12-01T12:00:00.000Z');
  /** A window of the hour from a minute after the last one began: each test reads only its own edits. */
  const nextWindow = () => {
    now += 60_000;
    return {
      modifiedFrom: new Date(now).toISOString(),
      modifiedTo: new Date(now + 3_600_000).toISOString(),
      resumeAfter: null,
    };
  };

  beforeAll(async () => {
    simulator = createAgentosSimulator({ contactCount: 80, rateLimits: false, now: () => now });
    connectTo = adapterConnector({ hostConfig: agentosOperatorConfig((await simulator.listen(0)).url) });
  });
  afterAll(async () => simulator.close());

  const adapter = (pageSize: string): CrmAdapter =>
    connectTo({
      provider: 'agentos',
      credentials: { apiKey: AGENTOS_DEMO_KEY.apiKey },
      settings: { shortName: AGENTOS_DEMO_KEY.shortName, tier: AGENTOS_DEFAULT_TIER, pageSize },
      webhookSecret: null,
    });

  it('brings the seeded activities, with at least one contact over the hot-lead threshold', async () => {
    const window = { modifiedFrom: null, modifiedTo: new Date(now).toISOString(), resumeAfter: null };
    const signals = new Map<string, Signal[]>();
    for await (const page of adapter('1000').syncActivities(window)) {
      expect(page.rejected).toEqual([]);
      for (const { contactExternalId, type, occurredAt } of page.activities)
        signals.set(contactExternalId, [...(signals.get(contactExternalId) ?? []), { type, occurredAt }]);
    }
    const scores = [...signals.values()].map((contactSignals) => intentScore(contactSignals, new Date(now)));
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(DEFAULT_SCORING_POLICY.hotLeadThreshold);
  });

  it('misses nothing when more than a page share one instant and one of them is edited mid-read', async () => {
    const window = nextWindow();
    const contactId = simulator.contactIds()[0]!;
    const crowd = Array.from({ length: 12 }, () =>
      simulator.controls.createAppointment({ contactId, systemType: 'Viewing' }),
    );
    const seen = new Set<string>();
    let pages = 0;
    for await (const page of adapter('5').syncActivities(window)) {
      for (const activity of page.activities) seen.add(activity.externalId);
      if (++pages === 1) {
        // An agent completes the second viewing: it leaves the crowded instant, and everything
        // after it in the listing moves up one place.
        now += 1_000;
        simulator.controls.setAppointmentStatus(crowd[1]!, 'Completed');
      }
    }
    expect(pages).toBeGreaterThan(2);
    expect([...seen].sort()).toEqual(crowd.map((oid) => `appointment:${oid}`).sort());
  });

  it('brings an offer the agent rejected, and a cancelled viewing, as withdrawals and no error', async () => {
    const window = nextWindow();
    const contactId = simulator.contactIds()[1]!;
    const offer = simulator.controls.createOffer({ contactId });
    const viewing = simulator.controls.createAppointment({ contactId, systemType: 'Viewing' });
    const kept = simulator.controls.createAppointment({ contactId, systemType: 'SalesAppraisal' });
    simulator.controls.setOfferStatus(offer, 'Rejected');
    simulator.controls.setAppointmentStatus(viewing, 'Cancelled');
    const pages = [];
    for await (const page of adapter('25').syncActivities(window)) pages.push(page);
    expect(pages.flatMap((page) => page.rejected)).toEqual([]);
    const activities = pages.flatMap((page) => page.activities);
    expect(activities).toHaveLength(3);
    expect(activities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          externalId: `offer:${offer}`,
          contactExternalId: contactId,
          withdrawn: true,
        }),
        expect.objectContaining({
          externalId: `appointment:${viewing}`,
          type: 'viewing_booked',
          contactExternalId: contactId,
          withdrawn: true,
        }),
        expect.objectContaining({
          externalId: `appointment:${kept}`,
          type: 'valuation_booked',
          contactExternalId: contactId,
        }),
      ]),
    );
    expect(activities.find((activity) => activity.externalId === `appointment:${kept}`)).not.toHaveProperty(
      'withdrawn',
    );
  });
});
