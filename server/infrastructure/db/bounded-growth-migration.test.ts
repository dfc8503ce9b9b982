import { describe, expect, it } from 'vitest';
import { withUnmigratedDatabase } from '../../test-support/test-database.ts';
import { applyMigrations } from './orm.ts';
import { registerProviders } from './provider-table.ts';
import { monthPartitionName } from './retention.ts';

const BEFORE = 'Migration20261204120000_platform_consent';
const DAY = 24 * 60 * 60_000;

/**
 * The sync log that exists when partitioning arrives keeps every row and id, each in its month's
 * partition; going down gives back the plain table with the same rows.
 */
describe('Migration20261205090000_bounded_growth over a sync log that already has rows', () => {
  it('moves the rows into month partitions and back, ids and all', async () => {
    await withUnmigratedDatabase(async (orm) => {
      await orm.migrator.up({ to: BEFORE });
      await registerProviders(orm.em.fork(), [{ id: 'reapit', displayName: 'Reapit' }]);
      const connection = orm.em.getConnection();
      const [organisation] = await connection.execute<{ id: string }[]>(
        `insert into organisations (name) values ('Old Ledger Lettings') returning id`,
      );
      const [crm] = await connection.execute<{ id: string }[]>(
        `insert into crm_connections (organisation_id, provider) values (?, 'reapit') returning id`,
        [organisation!.id],
      );
      const [run] = await connection.execute<{ id: string }[]>(
        `insert into sync_runs (connection_id, organisation_id, trigger) values (?, ?, 'initial') returning id`,
        [crm!.id, organisation!.id],
      );
      const fourteenMonthsAgo = new Date(Date.now() - 425 * DAY);
      const logRow = (at: Date) =>
        connection.execute(
          `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, status, created_at)
           values (?, ?, ?, 'contact', 'inbound', 'RPT-9', 'created', ?)`,
          [run!.id, crm!.id, organisation!.id, at],
        );
      await logRow(fourteenMonthsAgo);
      await logRow(new Date());
      const rowsOf = () =>
        connection.execute<{ id: string; created_at: Date; partition: string }[]>(
          `select id::text as id, created_at, tableoid::regclass::text as partition from crm_sync_log order by id`,
        );
      const before = await rowsOf();
      const kind = async () =>
        (
          await connection.execute<{ relkind: string }[]>(
            `select relkind from pg_class where oid = 'crm_sync_log'::regclass`,
          )
        )[0]!.relkind;
      const monthOf = (at: Date, ahead = 0) =>
        monthPartitionName(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + ahead, 1)));

      expect(await applyMigrations(orm)).toContain('Migration20261205090000_bounded_growth');

      expect(await kind()).toBe('p');
      const partitioned = await rowsOf();
      expect(partitioned.map(({ id, created_at }) => ({ id, created_at }))).toEqual(
        before.map(({ id, created_at }) => ({ id, created_at })),
      );
      expect(partitioned.map((row) => row.partition)).toEqual([
        monthOf(fourteenMonthsAgo),
        monthOf(new Date()),
      ]);
      const partitions = await connection.execute<{ name: string }[]>(
        `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent = 'crm_sync_log'::regclass order by c.relname`,
      );
      expect(partitions.map((row) => row.name).sort()).toEqual(
        [
          monthOf(fourteenMonthsAgo),
          monthOf(new Date()),
          monthOf(new Date(), 1),
          monthOf(new Date(), 2),
          'crm_sync_log_default',
        ].sort(),
      );
      // The identity carries on after the moved rows.
      await logRow(new Date());
      const afterInsert = await rowsOf();
      expect(Number(afterInsert.at(-1)!.id)).toBeGreaterThan(Number(before.at(-1)!.id));

      await orm.migrator.down({ to: BEFORE });

      expect(await kind()).toBe('r');
      expect((await rowsOf()).map(({ id, created_at }) => ({ id, created_at }))).toEqual(
        afterInsert.map(({ id, created_at }) => ({ id, created_at })),
      );
      await logRow(new Date());
      expect(Number((await rowsOf()).at(-1)!.id)).toBeGreaterThan(Number(afterInsert.at(-1)!.id));
    });
  });
});
