import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActivityType } from '../../../shared/activity.ts';
import type { EngagementStore } from '../../core/ports/engagement-store.ts';
import { PostgresEngagementStore } from '../../infrastructure/db/engagement-store.ts';
import { Sql, sqlNumber } from '../../infrastructure/db/sql.ts';
import { createLogger } from '../../infrastructure/logger.ts';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { EngagementService } from './engagement-service.ts';

/**
 * Rescoring a batch of contacts in one transaction: the same outcome as one contact at a time,
 * a mark set during the pass survives it, and a page writer holding some of the contacts neither
 * deadlocks with it nor makes it skip them.
 */
const database = useTestDatabase();
const sql = () => new Sql(database().orm.em);
const logger = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const now = new Date('2026-11-20T12:00:00.000Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY).toISOString();

/**
 * Each contact's signals by its position (half-life 14 days): none; weak (≈ 3); a hot lead whose
 * old signals fell to ≈ 14 (cleared); new and strong (≈ 70, set); warm (≈ 29); a hot lead whose old
 * signals fell to ≈ 49, between the clearing point and the threshold (kept: hysteresis).
 */
const SIGNALS: ActivityType[][] = [
  [],
  ['email_opened'],
  ['viewing_booked', 'email_clicked'],
  ['offer_submitted', 'viewing_completed'],
  ['viewing_completed'],
  ['offer_progressed', 'valuation_booked', 'email_clicked'],
];
/** Contacts that were hot before this rescoring (positions), with the score they had. */
const WAS_HOT = new Map([
  [2, 65],
  [5, 90],
]);

const Id = z.object({ id: z.string() });

type Agency = { organisationId: string; connectionId: string; contactIds: string[] };

/** An agency with `count` contacts linked to one CRM, each given its position's signals (and marked). */
async function seedAgency(name: string, count: number): Promise<Agency> {
  const db = sql();
  const organisationId = (await db.first(
    Id,
    `insert into organisations (name, host_webhook_url) values (?, 'https://host.example/hooks') returning id`,
    [name],
  ))!.id;
  const connectionId = (await db.first(
    Id,
    `insert into crm_connections (organisation_id, provider) values (?, 'reapit') returning id`,
    [organisationId],
  ))!.id;
  const contactIds: string[] = [];
  for (let index = 0; index < count; index++) {
    const previous = WAS_HOT.get(index % SIGNALS.length);
    const contactId = (await db.first(
      Id,
      `insert into contacts (organisation_id, first_name, last_name, intent_score, hot_lead_at)
       values (?, 'Person', ?, ?, ?) returning id`,
      [organisationId, String(index), previous ?? 0, previous ? daysAgo(20) : null],
    ))!.id;
    await db.run(
      `insert into contact_external_ids (contact_id, organisation_id, connection_id, provider, external_id)
       values (?, ?, ?, 'reapit', ?)`,
      [contactId, organisationId, connectionId, `RPT-${index}`],
    );
    contactIds.push(contactId);
  }
  await new PostgresEngagementStore(database().orm.em).recordActivities(
    organisationId,
    contactIds.flatMap((contactId, index) =>
      SIGNALS[index % SIGNALS.length]!.map((type, nth) => ({
        contactId,
        connectionId,
        type,
        source: 'reapit',
        externalId: `${type}:${index}`,
        // The already-hot ones' signals are older, so some stay hot (hysteresis) and some clear.
        occurredAt: daysAgo(WAS_HOT.has(index % SIGNALS.length) ? 10 + nth : 1 + nth),
        details: {},
      })),
    ),
  );
  return { organisationId, connectionId, contactIds };
}

function service(store: EngagementStore, pushed: string[] = []): EngagementService {
  return new EngagementService({
    store,
    logger,
    now: () => now,
    requestPush: async (connectionIds) => {
      pushed.push(...connectionIds);
    },
  });
}

const Outcome = z.object({
  position: sqlNumber,
  intent_score: sqlNumber,
  hot_lead_at: z.string().nullable(),
  engagement: z.record(z.string(), z.unknown()),
  marked: z.boolean(),
  writes: z.array(z.object({ kind: z.string(), key: z.string(), payload: z.unknown() })).nullable(),
  alerts: z.array(z.string()).nullable(),
  events: z.array(z.object({ type: z.string(), payload: z.record(z.string(), z.unknown()) })).nullable(),
});

/** Everything a rescoring leaves per contact, by position, with the contact's own id taken out. */
async function outcomeOf(agency: Agency) {
  const rows = await sql().rows(
    Outcome,
    `select p.position - 1 as position, c.intent_score, c.hot_lead_at::text, c.engagement,
       exists (select 1 from rescore_marks m where m.contact_id = c.id) as marked,
       (select jsonb_agg(jsonb_build_object('kind', w.kind, 'key', w.idempotency_key, 'payload', w.payload)
          order by w.idempotency_key) from outbound_writes w where w.contact_id = c.id) as writes,
       (select jsonb_agg(a.message order by a.message) from alerts a where a.contact_id = c.id and a.resolved_at is null) as alerts,
       (select jsonb_agg(jsonb_build_object('type', e.type, 'payload', e.payload) order by e.type) from host_events e
          where e.organisation_id = c.organisation_id and e.payload ->> 'contactId' = c.id::text) as events
     from unnest(array[?]::uuid[]) with ordinality as p(id, position) join contacts c on c.id = p.id
     order by p.position`,
    [agency.contactIds],
  );
  const names = new Map(agency.contactIds.map((id, index) => [id, `contact-${index}`]));
  const anonymous = (value: unknown) =>
    JSON.parse(
      JSON.stringify(value).replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
        (id) => names.get(id) ?? (id === agency.connectionId ? 'connection' : id),
      ),
    ) as unknown;
  return rows.map((row) => anonymous(row));
}

describe('batched rescoring', () => {
  it('rescores many marked contacts in one transaction, with the outcome of one contact at a time', async () => {
    const contacts = 60;
    const oneByOne = await seedAgency('One By One Lettings', contacts);
    const batched = await seedAgency('Batched Lettings', contacts);
    const pushedOne: string[] = [];
    const pushedBatched: string[] = [];

    await service(
      new PostgresEngagementStore(database().orm.em, { batchSize: 1 }),
      pushedOne,
    ).rescoreAfterActivities(oneByOne.organisationId, []);
    const result = await service(
      new PostgresEngagementStore(database().orm.em),
      pushedBatched,
    ).rescoreAfterActivities(batched.organisationId, []);

    const expected = await outcomeOf(oneByOne);
    expect(await outcomeOf(batched)).toEqual(expected);
    // The cases the comparison stands on: hot leads set, kept by hysteresis and cleared; writes queued.
    const rows = expected as Array<z.output<typeof Outcome>>;
    expect(rows.filter((row) => row.events?.some((event) => event.type === 'contact.hot_lead')).length).toBe(
      10,
    );
    expect(
      rows.filter((row) => row.events?.some((event) => event.type === 'contact.hot_lead_cleared')).length,
    ).toBe(10);
    expect(rows.filter((row) => row.hot_lead_at !== null && row.events === null).length).toBe(10);
    expect(rows.filter((row) => row.writes !== null).length).toBe(50);
    expect(rows.every((row) => !row.marked)).toBe(true);
    expect(result.hotLeads).toHaveLength(10);
    expect(result.cleared).toHaveLength(10);
    expect(pushedOne).toEqual([oneByOne.connectionId]);
    expect(pushedBatched).toEqual([batched.connectionId]);

    // One pass: every rescored contact was written by one transaction, against one per contact.
    const transactionsOf = async (agency: Agency) =>
      (await sql().first(
        z.object({ transactions: sqlNumber }),
        `select count(distinct xmin::text) as transactions from contacts
         where organisation_id = ? and engagement ->> 'scoredAt' is not null`,
        [agency.organisationId],
      ))!.transactions;
    expect(await transactionsOf(batched)).toBe(1);
    expect(await transactionsOf(oneByOne)).toBeGreaterThan(40);
  }, 60_000);

  it('keeps the mark of a contact that got a new signal during the pass, and scores it next time', async () => {
    const agency = await seedAgency('Marked Meanwhile Lettings', 12);
    const base = new PostgresEngagementStore(database().orm.em);
    const late = agency.contactIds[1]!;
    const lateSignal = {
      contactId: late,
      connectionId: agency.connectionId,
      type: 'offer_submitted' as const,
      source: 'reapit',
      externalId: 'offer-during-the-pass',
      occurredAt: daysAgo(0.5),
      details: {},
    };
    // The batch has read its inputs when another process stores a signal for one of its contacts.
    const store = new Proxy(base, {
      get(target, property, receiver) {
        if (property === 'forEachBatchLocked') {
          const wrapped: EngagementStore['forEachBatchLocked'] = (organisationId, ids, window, work) =>
            target.forEachBatchLocked(organisationId, ids, window, async (inputs, tx) => {
              await new PostgresEngagementStore(database().orm.em).recordActivities(organisationId, [
                lateSignal,
              ]);
              await work(inputs, tx);
            });
          return wrapped;
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    await service(store).rescoreAfterActivities(agency.organisationId, []);

    const stateOf = async () =>
      (await sql().first(
        z.object({ intent_score: sqlNumber, marked: z.boolean(), others_marked: sqlNumber }),
        `select c.intent_score, exists (select 1 from rescore_marks m where m.contact_id = c.id) as marked,
           (select count(*) from rescore_marks m where m.organisation_id = c.organisation_id and m.contact_id <> c.id) as others_marked
         from contacts c where c.id = ?`,
        [late],
      ))!;
    const afterPass = await stateOf();
    // Scored from what it had when the pass read it (one email opened), the mark left for the new signal.
    expect(afterPass.marked).toBe(true);
    expect(afterPass.others_marked).toBe(0);
    expect(afterPass.intent_score).toBeLessThan(5);

    await service(base).rescoreAfterActivities(agency.organisationId, []);
    const next = await stateOf();
    expect(next.marked).toBe(false);
    expect(next.intent_score).toBeGreaterThan(30);
  }, 60_000);

  it('neither deadlocks with a page writer holding some of its contacts nor leaves them unscored', async () => {
    const agency = await seedAgency('Page Meanwhile Lettings', 24);
    // Among the contacts marked for rescoring (the first position has no signal).
    const sorted = agency.contactIds.filter((_, index) => index % SIGNALS.length !== 0).sort();
    const [lowest, highest] = [sorted[0]!, sorted.at(-1)!];
    // A page of contacts being written in another transaction, in its own order: the highest first.
    const page = new pg.Client({ connectionString: database().url });
    await page.connect();
    try {
      await page.query('begin');
      await page.query(`update contacts set title = 'Dr' where id = $1`, [highest]);
      let failure: unknown = null;
      const rescoring = service(new PostgresEngagementStore(database().orm.em))
        .rescoreAfterActivities(agency.organisationId, [])
        .catch((error: unknown) => {
          failure = error;
        });
      // The batch goes on without the contact the page holds (a batch that waited for it would
      // still hold the lowest one when the page asks for it below: a deadlock).
      const scored = () =>
        sql().first(
          z.object({ scored: sqlNumber }),
          `select count(*) as scored from contacts where organisation_id = ? and engagement ->> 'scoredAt' is not null`,
          [agency.organisationId],
        );
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && ((await scored())?.scored ?? 0) === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await page.query(`update contacts set title = 'Dr' where id = $1`, [lowest]);
      await page.query('commit');
      await rescoring;
      expect(failure).toBeNull();
    } finally {
      await page.end();
    }
    // Every contact with signals scored, the one the page held too, and no mark left.
    const left = await sql().first(
      z.object({ marked: sqlNumber, unscored: sqlNumber, highest_scored: z.boolean() }),
      `select (select count(*) from rescore_marks where organisation_id = ?) as marked,
         (select count(*) from contacts c where c.organisation_id = ? and c.engagement ->> 'scoredAt' is null
            and exists (select 1 from activities a where a.contact_id = c.id)) as unscored,
         (select engagement ->> 'scoredAt' is not null from contacts where id = ?) as highest_scored`,
      [agency.organisationId, agency.organisationId, highest],
    );
    expect(left).toEqual({ marked: 0, unscored: 0, highest_scored: true });
  }, 60_000);
});
