import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningHarness } from '../../../simulators/toolkit/contract-harness.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { PostgresEngagementStore } from '../../infrastructure/db/engagement-store.ts';
import { Sql, sqlNumber } from '../../infrastructure/db/sql.ts';
import { CRMS } from '../../test-support/crms.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';

/**
 * The delta sync is the safety net for lost webhooks: here no CRM can deliver one (Propsync's
 * public address is unreachable), so whatever reaches the score came by polling.
 */
const running = new Map<string, RunningHarness>();
let services: TestServices;
let organisationId: string;
let sql: Sql;

beforeAll(async () => {
  for (const crm of CRMS) {
    running.set(
      crm.adapter.info.id,
      await crm.simulator.start({ contactCount: 30, rateLimits: false, seed: 13 }),
    );
  }
  services = await createTestServices({
    env: mergeOperatorConfig(...[...running.values()].map((harness) => harness.operatorConfig)),
  });
  organisationId = await createOrganisation(services, 'Polling Signals Lettings');
  sql = new Sql(services.orm.em);
}, 120_000);

afterAll(async () => {
  await services?.destroy();
  for (const harness of running.values()) await harness.close();
});

const ContactSignals = z.object({
  contact_id: z.string(),
  intent_score: sqlNumber,
  activities: z.array(z.string()).nullable(),
});

const signalsOf = (connectionId: string, externalId: string) =>
  sql.first(
    ContactSignals,
    `select c.id as contact_id, c.intent_score,
       (select array_agg(a.type order by a.type) from activities a where a.contact_id = c.id and a.connection_id = e.connection_id) as activities
     from contact_external_ids e join contacts c on c.id = e.contact_id
     where e.connection_id = ? and e.external_id = ?`,
    [connectionId, externalId],
  );

describe.each(
  CRMS.map((crm) => [crm.adapter.info.id, crm.adapter.info.capabilities.activities.polledTypes] as const),
)('%s activities while webhooks are lost', (provider, polledTypes) => {
  // The strongest signals its API lists by change (docs/crms/<crm>.md says which).
  const created = (['offer_submitted', 'viewing_completed', 'valuation_booked'] as const).filter((type) =>
    polledTypes.includes(type),
  );

  it('reach the contact and its score within one cycle', async () => {
    const harness = running.get(provider)!;
    const { id: connectionId } = await services.connections.connect(
      organisationId,
      provider,
      harness.connection,
    );
    await services.whenIdle();
    // A contact with no signal yet, so the score below comes from this test's activities alone.
    let contactExternalId: string | undefined;
    for (const candidate of harness.listableContactIds()) {
      const stored = await signalsOf(connectionId, candidate);
      if (stored && stored.activities === null) {
        contactExternalId = candidate;
        break;
      }
    }
    expect(contactExternalId).toBeDefined();
    expect(created.length).toBeGreaterThan(0);
    const ids = created.map((type) =>
      harness.createActivity!({ contactExternalId: contactExternalId!, type }),
    );

    const cycle = await services.runSyncCycle(connectionId, 'manual');
    expect(cycle).toMatchObject({ status: 'succeeded', activities: created.length });
    const after = await signalsOf(connectionId, contactExternalId!);
    expect(after?.activities).toEqual([...created].sort());
    expect(after?.intent_score).toBeGreaterThan(25);

    if (!polledTypes.includes('offer_progressed')) return;
    // The offer progresses: the next cycle moves the same signal on, it does not add a second one.
    harness.progressActivity!(ids[0]!);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await services.runSyncCycle(connectionId, 'manual')).toMatchObject({
      status: 'succeeded',
      activities: 1,
    });
    expect((await signalsOf(connectionId, contactExternalId!))?.activities).toEqual(
      [...created.filter((type) => type !== 'offer_submitted'), 'offer_progressed'].sort(),
    );
  }, 60_000);
});

describe('a process stopped between storing activities and rescoring', () => {
  it('leaves the contact marked, and the next cycle scores it though it brings no new activity', async () => {
    const connection = (await sql.first(
      z.object({ id: z.string() }),
      `select id from crm_connections where organisation_id = ? and provider = 'custom'`,
      [organisationId],
    ))!;
    const unscored = (await sql.first(
      z.object({ contact_id: z.string() }),
      `select e.contact_id from contact_external_ids e join contacts c on c.id = e.contact_id
       where e.connection_id = ? and c.intent_score = 0 order by e.external_id limit 1`,
      [connection.id],
    ))!;
    const pending = () =>
      sql.first(
        z.object({ pending: z.boolean(), intent_score: sqlNumber }),
        `select exists (select 1 from rescore_marks m where m.contact_id = contacts.id) as pending, intent_score from contacts where id = ?`,
        [unscored.contact_id],
      );
    // The activity is stored, and the process stops before it rescores.
    await new PostgresEngagementStore(services.orm.em).recordActivities(organisationId, [
      {
        contactId: unscored.contact_id,
        connectionId: connection.id,
        type: 'offer_progressed',
        source: 'custom',
        externalId: `stopped-before-rescoring:${unscored.contact_id}`,
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
        details: {},
      },
    ]);
    expect(await pending()).toEqual({ pending: true, intent_score: 0 });

    expect(await services.runSyncCycle(connection.id, 'manual')).toMatchObject({
      status: 'succeeded',
      activities: 0,
    });
    const after = await pending();
    expect(after?.pending).toBe(false);
    expect(after?.intent_score).toBeGreaterThan(25);
  }, 60_000);
});
