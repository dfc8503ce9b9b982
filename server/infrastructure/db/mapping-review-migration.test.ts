import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { ensureDatabase } from './database.ts';
import { applyMigrations, createOrm } from './orm.ts';
import { registerProviders } from './provider-table.ts';

/**
 * Connections that exist when the mapping review starts gating write-back were already writing
 * back: the migration records them as confirmed, each with an audit row saying it did.
 */
describe('Migration20261204110000_mapping_review over connections that already exist', () => {
  it('confirms them, audited as by the migration, and leaves new connections unconfirmed', async () => {
    const adminUrl = inject('databaseAdminUrl');
    const name = `propsync_test_${randomBytes(6).toString('hex')}`;
    const orm = await createOrm(await ensureDatabase(adminUrl, name), { poolSize: 2 });
    try {
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
    } finally {
      await orm.close(true);
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    }
  });
});
