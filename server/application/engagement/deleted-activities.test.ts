import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAltoSimulator, type AltoSimulator } from '../../../simulators/alto/alto-simulator.ts';
import { altoOperatorConfig } from '../../../simulators/alto/alto.harness.ts';
import { createApp, type AppState } from '../../entry/http/app.ts';
import { Sql, sqlNumber, sqlTimestamp } from '../../infrastructure/db/sql.ts';
import { altoDemoConnection } from '../../test-support/demo-connections.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';

/**
 * An appointment or offer Alto deleted: its webhook names it, reading it answers 404, and the
 * signal Propsync stored for it stops counting, through the inbox, the store and the rescoring.
 * Alto's simulator delivers its webhooks to Propsync over HTTP, as in production.
 */
const state: AppState = { services: null };
let server: Server;
let simulator: AltoSimulator;
let services: TestServices;
let organisationId: string;
let sql: Sql;

beforeAll(async () => {
  let baseUrl: string;
  ({ server, baseUrl } = await listenOnFreePort(createApp(state)));
  simulator = createAltoSimulator({
    seed: 29,
    contactCount: 20,
    rateLimits: false,
    webhookRetryScale: 0.001,
  });
  const running = await simulator.listen(0);
  services = await createTestServices({
    env: { ...altoOperatorConfig(running.url), PROPSYNC_PUBLIC_URL: baseUrl },
  });
  state.services = services;
  organisationId = await createOrganisation(services, 'Deleted Diary Lettings');
  await services.connections.connect(organisationId, 'alto', altoDemoConnection());
  await services.whenIdle();
  sql = new Sql(services.orm.em);
}, 60_000);
afterAll(async () => {
  server?.close();
  await services?.destroy();
  await simulator?.close();
});

const ContactState = z.object({
  intent_score: sqlNumber,
  hot_lead_at: sqlTimestamp.nullable(),
  counted: z.array(z.string()).nullable(),
  withdrawn: z.array(z.string()).nullable(),
});
const contactState = async (contactId: string) =>
  (await sql.first(
    ContactState,
    `select intent_score, hot_lead_at,
       (select array_agg(a.external_id order by a.external_id) from activities a where a.contact_id = c.id and not a.withdrawn) as counted,
       (select array_agg(a.external_id order by a.external_id) from activities a where a.contact_id = c.id and a.withdrawn) as withdrawn
     from contacts c where id = ?`,
    [contactId],
  ))!;

/** Waits for Alto's deliveries to be answered, then for Propsync to apply them and rescore. */
async function settle(): Promise<void> {
  await simulator.webhooksIdle();
  await services.whenIdle();
}

describe('an appointment or offer deleted in Alto', () => {
  it('withdraws only its own stored signal, and a deleted record never stored changes nothing', async () => {
    const row = (await sql.first(
      z.object({ contact_id: z.string(), external_id: z.string() }),
      `select e.contact_id, e.external_id from contact_external_ids e join contacts c on c.id = e.contact_id
       where c.organisation_id = ? and e.active
         and not exists (select 1 from activities a where a.contact_id = c.id)
       order by e.external_id limit 1`,
      [organisationId],
    ))!;
    const contactId = row.contact_id;
    // A viewing booked (15) and an offer made (45): 60, a hot lead.
    const viewing = simulator.controls.createAppointment({ contactId: row.external_id, type: 'Viewing' });
    const offer = simulator.controls.createOffer({ contactId: row.external_id });
    await settle();
    const hot = await contactState(contactId);
    expect(hot.counted).toEqual([`appointment:${viewing}`, `offer:${offer}`].sort());
    expect(hot.intent_score).toBeCloseTo(60, 0);
    expect(hot.hot_lead_at).not.toBeNull();

    // Booked and deleted at once: both of its notifications read a 404. Nothing is stored for it.
    const gone = simulator.controls.createAppointment({ contactId: row.external_id, type: 'Viewing' });
    simulator.controls.deleteAppointment(gone);
    await settle();
    expect(await contactState(contactId)).toEqual(hot);
    const stored = await sql.first(
      z.object({ n: z.number() }),
      `select count(*)::int as n from activities where organisation_id = ? and external_id = ?`,
      [organisationId, `appointment:${gone}`],
    );
    expect(stored!.n).toBe(0);

    // The viewing is deleted: its 15 no longer count; 45 is not below the clearing point, so the flag stays.
    simulator.controls.deleteAppointment(viewing);
    await settle();
    const withoutViewing = await contactState(contactId);
    expect(withoutViewing.counted).toEqual([`offer:${offer}`]);
    expect(withoutViewing.withdrawn).toEqual([`appointment:${viewing}`]);
    expect(withoutViewing.intent_score).toBeCloseTo(45, 0);
    expect(withoutViewing.hot_lead_at).toEqual(hot.hot_lead_at);

    // The offer is deleted too: nothing counts, the hot lead clears.
    simulator.controls.deleteOffer(offer);
    await settle();
    const cold = await contactState(contactId);
    expect(cold).toMatchObject({ counted: null, intent_score: 0, hot_lead_at: null });
    expect(cold.withdrawn).toEqual([`appointment:${viewing}`, `offer:${offer}`].sort());

    // Every delivery was applied: none parked or dead-lettered on the way.
    const deliveries = await sql.rows(
      z.object({ status: z.string() }),
      `select distinct status from webhook_deliveries where organisation_id = ?`,
      [organisationId],
    );
    expect(deliveries).toEqual([{ status: 'processed' }]);
  }, 60_000);
});
