import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import {
  createAgentosSimulator,
  type AgentosSimulator,
} from '../../../simulators/agentos/agentos-simulator.ts';
import type { RunningServer } from '../../../simulators/toolkit/app-listener.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { PostgresEngagementStore } from '../../infrastructure/db/engagement-store.ts';
import { Sql, sqlTimestamp } from '../../infrastructure/db/sql.ts';
import { agentosDemoConnection } from '../../test-support/demo-connections.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';
import { receiveWebhooks, type WebhookReceiver } from '../../test-support/webhook-receiver.ts';
import { waitFor } from '../../test-support/worker-process.ts';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const SECRET = 'whsec_' + Buffer.from('score-decay-host-secret-0123456789').toString('base64');

let simulator: AgentosSimulator;
let simulatorServer: RunningServer;
let host: WebhookReceiver;
let services: TestServices;
let organisationId: string;
let sql: Sql;
/** The engagement clock: the test moves it on to let signals age. */
let now = new Date();

const ContactRow = z.object({
  intent_score: z.union([z.string(), z.number()]).transform(Number),
  hot_lead_at: sqlTimestamp.nullable(),
  reasons: z.array(z.object({ type: z.string(), contribution: z.number() })).nullable(),
});
const contactState = async (contactId: string) =>
  (await sql.first(
    ContactRow,
    `select intent_score, hot_lead_at, engagement -> 'reasons' as reasons from contacts where id = ?`,
    [contactId],
  ))!;

const hostEventsOf = (type: string, contactId: string) =>
  host.received
    .map(
      (delivery) =>
        JSON.parse(delivery.rawBody.toString('utf8')) as { type: string; data: { contactId: string } },
    )
    .filter((event) => event.type === type && event.data.contactId === contactId);

/** A contact of the agentOS connection with no signals yet, and its agentOS id. */
async function unscoredContact(skip = 0): Promise<{ contactId: string; externalId: string }> {
  const row = await sql.first(
    z.object({ contact_id: z.string(), external_id: z.string() }),
    `select e.contact_id, e.external_id from contact_external_ids e join contacts c on c.id = e.contact_id
     where c.organisation_id = ? and c.intent_score = 0 and e.active
       and not exists (select 1 from activities a where a.contact_id = c.id)
     order by e.external_id offset ? limit 1`,
    [organisationId, skip],
  );
  return { contactId: row!.contact_id, externalId: row!.external_id };
}

/** An offer accepted and a viewing completed, both a day before the clock: 37.5 + 25 ≈ 65, a hot lead. */
async function hotSignals(contactId: string): Promise<void> {
  const occurredAt = new Date(now.getTime() - DAY).toISOString();
  const { hotLeads } = await services.engagement.recordSignals(organisationId, [
    {
      contactId,
      connectionId: null,
      type: 'offer_progressed',
      source: 'agentos',
      externalId: `offer:${contactId}`,
      occurredAt,
      details: {},
    },
    {
      contactId,
      connectionId: null,
      type: 'viewing_completed',
      source: 'agentos',
      externalId: `appointment:${contactId}`,
      occurredAt,
      details: {},
    },
  ]);
  expect(hotLeads).toEqual([contactId]);
}

beforeAll(async () => {
  host = await receiveWebhooks('/hooks');
  simulator = createAgentosSimulator({
    seed: 31,
    contactCount: 30,
    rateLimits: false,
    webhookRetryScale: 0.001,
  });
  simulatorServer = await simulator.listen(0);
  services = await createTestServices({
    env: mergeOperatorConfig(agentosOperatorConfig(simulatorServer.url), {
      PROPSYNC_EGRESS_ALLOW: 'localhost',
    }),
    clock: () => now,
  });
  organisationId = await createOrganisation(services, 'Decaying Scores Lettings');
  // The operator allows the host's receiver by name, as for any address of its own network.
  await services.hostWebhooks.configure(organisationId, {
    url: host.url.replace('127.0.0.1', 'localhost'),
    secret: SECRET,
  });
  await services.connections.connect(organisationId, 'agentos', agentosDemoConnection());
  await services.whenIdle();
  sql = new Sql(services.orm.em);
}, 60_000);

afterAll(async () => {
  await services?.destroy();
  await simulator?.close();
  await host?.close();
});

describe('scores that live in time', () => {
  it('decays and persists the score on schedule, clears the flag once, and tells the CRM and the host', async () => {
    const { contactId, externalId } = await unscoredContact();
    await hotSignals(contactId);
    await services.whenIdle();
    expect(simulator.engagement(externalId)).toMatchObject({ HotLead: true });
    const hot = await contactState(contactId);
    expect(hot.hot_lead_at).not.toBeNull();
    expect(hot.reasons?.map((reason) => reason.type)).toEqual(['offer_progressed', 'viewing_completed']);
    // The host and the admin read the same reasons.
    expect((await services.engagement.contact(organisationId, contactId)).scoreReasons).toEqual([
      expect.objectContaining({ type: 'offer_progressed', weight: 45 }),
      expect.objectContaining({ type: 'viewing_completed', weight: 30 }),
    ]);

    // Three weeks on, the scheduled rescoring brings the decayed score into storage, below the clearing point.
    now = new Date(now.getTime() + 21 * DAY);
    await services.engagement.rescoreDue(HOUR);
    const cold = await contactState(contactId);
    expect(cold.intent_score).toBeLessThan(45);
    expect(cold.intent_score).toBeCloseTo(hot.intent_score * 0.5 ** 1.5, 0);
    expect(cold.hot_lead_at).toBeNull();
    await services.whenIdle();
    expect(simulator.engagement(externalId)).toMatchObject({ HotLead: false });
    await services.hostEvents.deliverDue();
    await waitFor(async () => (hostEventsOf('contact.hot_lead_cleared', contactId).length > 0 ? true : null));

    // Once per period: an immediate second pass claims nothing; the next period rescores but clears nothing again.
    expect(await services.engagement.rescoreDue(HOUR)).toEqual({ rescored: 0 });
    now = new Date(now.getTime() + 2 * HOUR);
    expect((await services.engagement.rescoreDue(HOUR)).rescored).toBeGreaterThan(0);
    await services.hostEvents.deliverDue();
    expect(hostEventsOf('contact.hot_lead_cleared', contactId)).toHaveLength(1);
  }, 60_000);

  it('keeps the flag while the score hovers between the clearing point and the threshold', async () => {
    const { contactId } = await unscoredContact(1);
    await hotSignals(contactId);
    // Four days on the score is below 60 but above 45: still a hot lead.
    now = new Date(now.getTime() + 4 * DAY);
    await services.engagement.rescoreDue(HOUR);
    const hovering = await contactState(contactId);
    expect(hovering.intent_score).toBeLessThan(60);
    expect(hovering.intent_score).toBeGreaterThan(45);
    expect(hovering.hot_lead_at).not.toBeNull();
    await services.hostEvents.deliverDue();
    expect(hostEventsOf('contact.hot_lead_cleared', contactId)).toEqual([]);
  }, 60_000);
});

describe('a process stopped between storing signals and rescoring', () => {
  const storeWithoutRescoring = (contactId: string, key: string) =>
    new PostgresEngagementStore(services.orm.em).recordActivities(organisationId, [
      {
        contactId,
        connectionId: null,
        type: 'offer_progressed',
        source: 'agentos',
        externalId: `offer:${key}:${contactId}`,
        occurredAt: new Date(now.getTime() - DAY).toISOString(),
        details: {},
      },
    ]);
  const Marks = z.object({ pending: z.boolean(), changed_xid: z.string() });
  const marksOf = async (contactId: string) =>
    (await sql.first(
      Marks,
      `select exists (select 1 from rescore_marks m where m.contact_id = contacts.id) as pending, changed_xid::text from contacts where id = ?`,
      [contactId],
    ))!;
  it('is claimed by the scheduled rescoring even at score 0, and a claim alone does not move the host feed', async () => {
    const { contactId } = await unscoredContact(4);
    await storeWithoutRescoring(contactId, 'schedule');
    await services.engagement.rescoreDue(HOUR);
    expect((await contactState(contactId)).intent_score).toBeGreaterThan(0);
    expect((await marksOf(contactId)).pending).toBe(false);

    // The claim itself is bookkeeping: the feed's change marker stays where it was.
    const before = await marksOf(contactId);
    const later = new Date(now.getTime() + 2 * HOUR);
    const claimed = await new PostgresEngagementStore(services.orm.em).claimDueForRescoring(
      later,
      new Date(later.getTime() - HOUR),
      10_000,
    );
    expect(claimed).toContainEqual({ organisationId, contactId });
    expect(await marksOf(contactId)).toEqual(before);
  });
});
