import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test-support/test-database.ts';

// A fresh database with every committed migration applied, as production has.
const database = useTestDatabase();

/**
 * The migrations are the history of the schema; the entities must describe where it ended up:
 * columns, types, nullability, defaults, keys, foreign keys with their delete rules, unique and
 * partial indexes, check constraints and the conflict-audit trigger. A failure prints the SQL
 * MikroORM would run to make the database match the entities: fix the entity when the database is
 * right, or add a migration when the entity is.
 */
describe('the entities against the migrated schema', () => {
  it('describe it exactly: MikroORM finds nothing to change', async () => {
    const difference = await database().orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(difference.trim()).toBe('');
  });
});
