import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { Sql, sqlJson, SqlRowShapeError } from './sql.ts';

const database = useTestDatabase();
let sql: Sql;
beforeAll(() => {
  sql = new Sql(database().orm.em);
});

const OrganisationRow = z.object({
  id: z.uuid(),
  name: z.string(),
  scoring_policy: z.unknown(),
  created_at: z.string(),
});

describe('Sql', () => {
  it('answers rows parsed with their schema, and binds jsonb and arrays', async () => {
    const inserted = await sql.first(
      OrganisationRow,
      `insert into organisations (name, scoring_policy) values (?, ?) returning id, name, scoring_policy, created_at`,
      ['Typed Rows Lettings', sqlJson({ hotLeadThreshold: 70 })],
    );
    expect(inserted).toMatchObject({ name: 'Typed Rows Lettings', scoring_policy: { hotLeadThreshold: 70 } });
    const found = await sql.rows(
      z.object({ id: z.uuid() }),
      `select id from organisations where id = any(array[?]::uuid[])`,
      [[inserted!.id]],
    );
    expect(found).toEqual([{ id: inserted!.id }]);
  });

  it('refuses a row that does not have the declared shape, naming the field but not its value', async () => {
    const attempt = sql.rows(z.object({ name: z.number() }), `select ?::text as name`, [
      'Secret Name Lettings',
    ]);
    await expect(attempt).rejects.toBeInstanceOf(SqlRowShapeError);
    await expect(attempt).rejects.toThrow(/name: /);
    await expect(attempt).rejects.not.toThrow(/Secret Name/);
  });

  it('counts the rows a statement changed', async () => {
    await sql.run(`insert into organisations (name) values (?), (?)`, ['Count One', 'Count Two']);
    const changed = await sql.run(`update organisations set name = name || ' Ltd' where name like 'Count %'`);
    expect(changed).toBe(2);
  });

  it('rolls a transaction back as one', async () => {
    const attempt = sql.transaction(async (tx) => {
      await tx.run(`insert into organisations (name) values (?)`, ['Rolled Back Lettings']);
      throw new Error('abandon');
    });
    await expect(attempt).rejects.toThrow('abandon');
    const left = await sql.rows(z.object({ id: z.uuid() }), `select id from organisations where name = ?`, [
      'Rolled Back Lettings',
    ]);
    expect(left).toEqual([]);
  });
});
