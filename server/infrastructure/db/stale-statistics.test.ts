import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { upsertSignals } from './activity-writes.ts';
import { Sql, sqlNumber } from './sql.ts';

/**
 * During an agency's first import the planner's statistics say the agency has almost no contacts
 * (they were taken before its contacts arrived). A statement that finds a page's contacts by id
 * must still read only those, not every contact of the agency through an agency index.
 */
const database = useTestDatabase();
const AGENCY_CONTACTS = 3_000;
let sql: Sql;
let organisationId: string;
let page: string[];

beforeAll(async () => {
  sql = new Sql(database().orm.em);
  const Id = z.object({ id: z.string() });
  // Eight agencies onboarded at once. Statistics taken while each had one contact, and kept: no
  // autovacuum analyses what their imports bring after.
  const agencies = (
    await sql.rows(
      Id,
      `insert into organisations (name) select 'Onboarded Lettings ' || n from generate_series(1, 8) n returning id`,
    )
  ).map((row) => row.id);
  organisationId = agencies[0]!;
  await sql.run(`alter table contacts set (autovacuum_enabled = false)`);
  for (const agency of agencies) {
    await sql.run(`insert into contacts (organisation_id, first_name) values (?, 'First')`, [agency]);
  }
  await sql.run(`analyze contacts`);
  for (const agency of agencies) {
    await sql.run(
      `insert into contacts (organisation_id, first_name) select ?, 'Person ' || n from generate_series(1, ?::int) n`,
      [agency, AGENCY_CONTACTS],
    );
  }
  page = (
    await sql.rows(Id, `select id from contacts where organisation_id = ? limit 500`, [organisationId])
  ).map((row) => row.id);
});

/** Rows of `contacts` this transaction has read (by index or by scan) so far. */
const contactsRead = async (tx: Sql) =>
  (await tx.first(
    z.object({ read: sqlNumber }),
    `select coalesce(idx_tup_fetch, 0) + seq_tup_read as read from pg_stat_xact_user_tables where relname = 'contacts'`,
  ))!.read;

describe('statements over a page of contacts while the statistics are stale', () => {
  it('storing a page of signals reads the page’s contacts, not the agency’s', async () => {
    const read = await sql.transaction(async (tx) => {
      const before = await contactsRead(tx);
      const changed = await upsertSignals(
        tx,
        organisationId,
        page.map((contactId, index) => ({
          contactId,
          connectionId: null,
          type: 'viewing_booked' as const,
          source: 'propsync',
          externalId: `viewing:${index}`,
          occurredAt: '2026-11-20T10:00:00.000Z',
          details: {},
        })),
      );
      expect(changed).toHaveLength(page.length);
      return (await contactsRead(tx)) - before;
    });
    // Each contact for the agency check and the foreign keys of its signal and mark; never the 3,000.
    expect(read).toBeLessThanOrEqual(page.length * 3);
  });
});
