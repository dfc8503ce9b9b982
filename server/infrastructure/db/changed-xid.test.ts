import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { Sql } from './sql.ts';

/**
 * The contacts feed's change marker after every kind of update: moved by a change the host can
 * see (with or without `updated_at`), kept by the rescoring's claim alone and by an update that
 * changes nothing (migration 20261205150000 decides the first case by `updated_at` alone).
 */
const database = useTestDatabase();
let sql: Sql;
let contactId: string;

beforeAll(async () => {
  sql = new Sql(database().orm.em);
  const Id = z.object({ id: z.string() });
  const organisationId = (await sql.first(
    Id,
    `insert into organisations (name) values ('Feed Lettings') returning id`,
  ))!.id;
  contactId = (await sql.first(
    Id,
    `insert into contacts (organisation_id, first_name, updated_at) values (?, 'Ada', now() - interval '1 day') returning id`,
    [organisationId],
  ))!.id;
});

const markerAfter = async (assignments: string): Promise<{ moved: boolean }> => {
  const Marker = z.object({ marker: z.string() });
  const marker = async () =>
    (await sql.first(Marker, `select changed_xid::text as marker from contacts where id = ?`, [contactId]))!
      .marker;
  const before = await marker();
  await sql.run(`update contacts set ${assignments} where id = ?`, [contactId]);
  return { moved: (await marker()) !== before };
};

describe('the contacts feed change marker', () => {
  it('moves when a field changes, whether or not the update moves updated_at', async () => {
    expect(await markerAfter(`first_name = 'Ada L', updated_at = now()`)).toEqual({ moved: true });
    expect(await markerAfter(`first_name = 'Ada Lovelace'`)).toEqual({ moved: true });
  });

  it('moves when only updated_at moves (a score saved with the same value)', async () => {
    expect(await markerAfter(`updated_at = updated_at + interval '1 second'`)).toEqual({ moved: true });
  });

  it('stays for the rescoring claim alone and for an update that changes nothing', async () => {
    expect(await markerAfter(`rescored_at = now()`)).toEqual({ moved: false });
    expect(await markerAfter(`first_name = first_name, updated_at = updated_at`)).toEqual({ moved: false });
  });
});
