import { describe, expect, it } from 'vitest';
import { withUnmigratedDatabase } from '../../test-support/test-database.ts';
import { applyMigrations } from './orm.ts';
import { registerProviders } from './provider-table.ts';

/**
 * Connections that exist when the mapping review starts gating write-back were already writing
 * back: the migration records them as confirmed, each with an audit row saying it did.
 */
describe('Migration20261204110000_mapping_review over connections that already exist', () => {
  it('confirms them, audited as by the migration, and leaves new connections unconfirmed', async () => {
    await withUnmigratedDatabase(async (orm) => {
      await orm.migrator.up({ to: 'Migration20261203130000_contact_feed' });
      await registerProviders(orm.em.fork(), [{ id: 'reapit', displayName: 'Reapit' }]);
      const connection = orm.em.getConnection();
      const [organisation] = await connection.execute<{ id: string }[]>(
        `insert into organisations (name) values ('Writing Back Already Lettings') returning id`,
      );
      const [existing] = await connection.execute<{ id: string }[]>(
        `insert into crm_connections (organisation_id, provider) values (?, 'reapit') returning id`,
        [organisation!.id],
      );

      expect(await applyMigrations(orm)).toContain('Migration20261204110000_mapping_review');

      const [confirmed] = await connection.execute<{ confirmed: boolean; overrides: unknown }[]>(
        `select field_mapping_confirmed_at is not null as confirmed, field_mapping_overrides as overrides
         from crm_connections where id = ?`,
        [existing!.id],
      );
      expect(confirmed).toEqual({ confirmed: true, overrides: { categories: {}, fields: {} } });
      const audit = await connection.execute(
        `select action, actor, changes from field_mapping_audit where connection_id = ?`,
        [existing!.id],
      );
      expect(audit).toEqual([{ action: 'confirmed', actor: 'migration', changes: [] }]);
      // A connection made from now on waits for its admin.
      await registerProviders(orm.em.fork(), [{ id: 'agentos', displayName: 'agentOS' }]);
      const [later] = await connection.execute<{ confirmed: boolean }[]>(
        `insert into crm_connections (organisation_id, provider) values (?, 'agentos')
         returning field_mapping_confirmed_at is not null as confirmed`,
        [organisation!.id],
      );
      expect(later).toEqual({ confirmed: false });
    });
  });
});
