import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EngagementSignal } from '../../core/ports/engagement-store.ts';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { upsertSignals, withdrawStoredSignals } from './activity-writes.ts';
import { Sql } from './sql.ts';

const database = useTestDatabase();
let sql: Sql;
let organisationId: string;
let otherOrganisationId: string;
let contactId: string;

beforeAll(async () => {
  sql = new Sql(database().orm.em);
  const organisation = z.object({ id: z.string() });
  organisationId = (await sql.first(
    organisation,
    `insert into organisations (name) values ('Stages Lettings') returning id`,
  ))!.id;
  otherOrganisationId = (await sql.first(
    organisation,
    `insert into organisations (name) values ('Other Lettings') returning id`,
  ))!.id;
  contactId = (await sql.first(
    organisation,
    `insert into contacts (organisation_id, first_name) values (?, 'Ada') returning id`,
    [organisationId],
  ))!.id;
});

const signal = (type: EngagementSignal['type'], externalId: string, day: number): EngagementSignal => ({
  contactId,
  connectionId: null,
  type,
  source: 'reapit',
  externalId,
  occurredAt: `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z`,
  details: {},
});

const rowsOf = (externalId: string) =>
  sql.rows(
    z.object({ type: z.string(), occurred_at: z.string() }),
    `select type, occurred_at::text from activities where external_id = ? order by type`,
    [externalId],
  );

const withdrawnRowsOf = (externalId: string) =>
  sql.rows(
    z.object({ type: z.string(), withdrawn: z.boolean(), details: z.record(z.string(), z.unknown()) }),
    `select type, withdrawn, details from activities where external_id = ?`,
    [externalId],
  );

describe('storing signals', () => {
  it('keeps one row per CRM record: a later stage replaces an earlier one, never the reverse', async () => {
    expect(await upsertSignals(sql, organisationId, [signal('offer_submitted', 'offer:1', 1)])).toEqual([
      contactId,
    ]);
    // The same stage again (a webhook and a poll both bring it): nothing changes, nothing to rescore.
    expect(await upsertSignals(sql, organisationId, [signal('offer_submitted', 'offer:1', 1)])).toEqual([]);
    expect(await upsertSignals(sql, organisationId, [signal('offer_progressed', 'offer:1', 3)])).toEqual([
      contactId,
    ]);
    // A late, stale delivery of the first stage does not undo the progress.
    expect(await upsertSignals(sql, organisationId, [signal('offer_submitted', 'offer:1', 1)])).toEqual([]);
    expect(await rowsOf('offer:1')).toEqual([
      { type: 'offer_progressed', occurred_at: expect.stringContaining('2026-11-03') },
    ]);
  });

  it("takes a record's later stage when one page brings both", async () => {
    const changed = await upsertSignals(sql, organisationId, [
      signal('viewing_completed', 'appointment:9', 5),
      signal('viewing_booked', 'appointment:9', 2),
    ]);
    expect(changed).toEqual([contactId]);
    expect(await rowsOf('appointment:9')).toEqual([
      { type: 'viewing_completed', occurred_at: expect.stringContaining('2026-11-05') },
    ]);
  });

  it('keeps email events of one message apart (sent, opened, clicked are three signals)', async () => {
    const email = (type: EngagementSignal['type']) => ({
      ...signal(type, 'message-7', 6),
      source: 'propsync',
    });
    await upsertSignals(sql, organisationId, [
      email('email_sent'),
      email('email_opened'),
      email('email_clicked'),
    ]);
    expect((await rowsOf('message-7')).map((row) => row.type)).toEqual([
      'email_clicked',
      'email_opened',
      'email_sent',
    ]);
  });

  it('withdraws a cancelled record for good, keeping the stage it reached for the audit', async () => {
    await upsertSignals(sql, organisationId, [signal('viewing_completed', 'appointment:11', 4)]);
    const cancelled = { ...signal('viewing_booked', 'appointment:11', 8), details: { cancelled: true } };
    expect(await upsertSignals(sql, organisationId, [{ ...cancelled, withdrawn: true }])).toEqual([
      contactId,
    ]);
    // Withdrawn once is withdrawn: the same withdrawal again, or a late replay of any stage, changes nothing.
    expect(await upsertSignals(sql, organisationId, [{ ...cancelled, withdrawn: true }])).toEqual([]);
    expect(
      await upsertSignals(sql, organisationId, [signal('viewing_completed', 'appointment:11', 9)]),
    ).toEqual([]);
    expect(await withdrawnRowsOf('appointment:11')).toEqual([
      { type: 'viewing_completed', withdrawn: true, details: { cancelled: true } },
    ]);
  });

  it('stores a withdrawal of a record never seen as withdrawn, and one page bringing both as withdrawn', async () => {
    await upsertSignals(sql, organisationId, [
      { ...signal('valuation_booked', 'appointment:12', 3), withdrawn: true },
    ]);
    await upsertSignals(sql, organisationId, [signal('valuation_booked', 'appointment:12', 3)]);
    await upsertSignals(sql, organisationId, [
      signal('offer_progressed', 'offer:13', 5),
      { ...signal('offer_submitted', 'offer:13', 6), withdrawn: true },
    ]);
    expect(await withdrawnRowsOf('appointment:12')).toEqual([
      { type: 'valuation_booked', withdrawn: true, details: {} },
    ]);
    expect(await withdrawnRowsOf('offer:13')).toEqual([
      { type: 'offer_submitted', withdrawn: true, details: {} },
    ]);
  });

  it("ignores signals naming another agency's contact", async () => {
    expect(
      await upsertSignals(sql, otherOrganisationId, [signal('valuation_booked', 'appointment:10', 7)]),
    ).toEqual([]);
    expect(await rowsOf('appointment:10')).toEqual([]);
  });
});

describe('withdrawing the signals of records the CRM deleted', () => {
  /** A connection of `organisation` to `provider`. */
  const connectionOf = async (organisation: string, provider: string) =>
    (await sql.first(
      z.object({ id: z.string() }),
      `insert into crm_connections (organisation_id, provider) values (?, ?) returning id`,
      [organisation, provider],
    ))!.id;
  const marks = async () =>
    (await sql.first(
      z.object({ n: z.number() }),
      `select count(*)::int as n from rescore_marks where contact_id = ?`,
      [contactId],
    ))!.n;

  it("withdraws only what the agency stored for that id from the connection's CRM, and stores nothing for an id never seen", async () => {
    const alto = await connectionOf(organisationId, 'alto');
    const otherAgencyAlto = await connectionOf(otherOrganisationId, 'alto');
    const altoSignal = (type: EngagementSignal['type'], externalId: string, day: number) => ({
      ...signal(type, externalId, day),
      source: 'alto',
    });
    await upsertSignals(sql, organisationId, [
      altoSignal('viewing_completed', 'appointment:21', 4),
      altoSignal('offer_submitted', 'offer:22', 4),
      // The same id from another CRM is another record.
      signal('viewing_booked', 'appointment:21', 4),
    ]);
    await sql.run(`delete from rescore_marks where contact_id = ?`, [contactId]);

    // Another agency's connection names the same id: not this agency's record.
    expect(await withdrawStoredSignals(sql, organisationId, otherAgencyAlto, ['appointment:21'])).toEqual([]);
    expect(
      await withdrawStoredSignals(sql, otherOrganisationId, otherAgencyAlto, ['appointment:21']),
    ).toEqual([]);
    // Never stored: nothing is written, no one is marked for rescoring.
    expect(await withdrawStoredSignals(sql, organisationId, alto, ['appointment:99'])).toEqual([]);
    expect(await rowsOf('appointment:99')).toEqual([]);
    expect(await marks()).toBe(0);

    expect(await withdrawStoredSignals(sql, organisationId, alto, ['appointment:21'])).toEqual([contactId]);
    expect(await marks()).toBe(1);
    const stored = await sql.rows(
      z.object({ source: z.string(), external_id: z.string(), type: z.string(), withdrawn: z.boolean() }),
      `select source, external_id, type, withdrawn from activities
       where external_id in ('appointment:21', 'offer:22') order by source, external_id`,
    );
    expect(stored).toEqual([
      { source: 'alto', external_id: 'appointment:21', type: 'viewing_completed', withdrawn: true },
      { source: 'alto', external_id: 'offer:22', type: 'offer_submitted', withdrawn: false },
      { source: 'reapit', external_id: 'appointment:21', type: 'viewing_booked', withdrawn: false },
    ]);
    // Withdrawn is final: again, nothing changes; a replay of the booking does not revive it.
    expect(await withdrawStoredSignals(sql, organisationId, alto, ['appointment:21'])).toEqual([]);
    expect(
      await upsertSignals(sql, organisationId, [altoSignal('viewing_booked', 'appointment:21', 9)]),
    ).toEqual([]);
  });
});
