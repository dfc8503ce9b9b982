import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { CRM_PROVIDERS } from '../../adapters/registry.ts';
import { useTestDatabase } from '../../test-support/test-database.ts';
import { ensureDatabase } from './database.ts';
import { migrations } from './migrations/index.ts';
import { applyMigrations, createOrm } from './orm.ts';
import { registerProviders } from './provider-table.ts';

const database = useTestDatabase();

describe('migrations from an empty database', () => {
  it('create every table of the schema', async () => {
    const rows = await database().orm.em
      .getConnection()
      .execute<{ table_name: string }[]>(
        `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
    expect(rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'activities',
        'alerts',
        'conflict_audit',
        'contact_external_ids',
        'contacts',
        'crm_connections',
        'crm_providers',
        'crm_sync_log',
        'field_policies',
        'host_events',
        'organisations',
        'outbound_writes',
        'sync_runs',
        'webhook_deliveries',
      ]),
    );
  });

  it('hold the providers of the registry, and refuse a connection to any other', async () => {
    const connection = database().orm.em.getConnection();
    const providers = await connection.execute<{ id: string }[]>('select id from crm_providers order by id');
    expect(providers.map((row) => row.id)).toEqual([...CRM_PROVIDERS].sort());
    const [organisation] = await connection.execute<{ id: string }[]>(
      `insert into organisations (name) values ('Provider Check Lettings') returning id`,
    );
    const insertConnection = (provider: string) =>
      connection.execute(`insert into crm_connections (organisation_id, provider) values (?, ?)`, [
        organisation!.id,
        provider,
      ]);
    await expect(insertConnection('hubspot')).rejects.toThrow(/foreign key/);
    await expect(
      connection.execute(`insert into crm_providers (id, display_name) values ('Not An Id', 'x')`),
    ).rejects.toThrow(/crm_providers_id_format/);
  });

  it('accept a newly registered provider without a migration', async () => {
    await registerProviders(database().orm.em.fork(), [{ id: 'hubspot', displayName: 'HubSpot' }]);
    const connection = database().orm.em.getConnection();
    const [organisation] = await connection.execute<{ id: string }[]>(
      `insert into organisations (name) values ('New CRM Lettings') returning id`,
    );
    const [row] = await connection.execute<{ provider: string }[]>(
      `insert into crm_connections (organisation_id, provider)
       values (?, 'hubspot') returning provider`,
      [organisation!.id],
    );
    expect(row!.provider).toBe('hubspot');
    // No constraint repeats the provider list (activities name their source CRM too).
    const constraints = await connection.execute<{ definition: string }[]>(
      `select pg_get_constraintdef(oid) as definition from pg_constraint
       where conrelid in ('activities'::regclass, 'crm_connections'::regclass, 'crm_providers'::regclass)`,
    );
    expect(constraints.filter(({ definition }) => definition.includes("'loop'"))).toEqual([]);
  });

  it('are recorded, so running them again applies nothing', async () => {
    expect(await applyMigrations(database().orm)).toEqual([]);
  });
});

describe('two processes migrating one empty database at once', () => {
  it('apply each migration once: the second waits, then finds nothing to do', async () => {
    const adminUrl = inject('databaseAdminUrl');
    const name = `propsync_test_${randomBytes(6).toString('hex')}`;
    const url = await ensureDatabase(adminUrl, name);
    const first = await createOrm(url, { poolSize: 2 });
    const second = await createOrm(url, { poolSize: 2 });
    try {
      const applied = await Promise.all([applyMigrations(first), applyMigrations(second)]);
      const everyMigration = migrations.map((migration) => migration.name);
      expect(applied.map((names) => names.length).sort((a, b) => a - b)).toEqual([0, everyMigration.length]);
      expect(applied.flat()).toEqual(everyMigration);
      // The lock ended with its transaction: no pooled connection still holds it.
      const held = await first.em
        .getConnection()
        .execute<{ count: number }[]>(
          `select count(*)::int as count from pg_locks where locktype = 'advisory' and objid = 424242
             and database = (select oid from pg_database where datname = current_database())`,
        );
      expect(held[0]!.count).toBe(0);
    } finally {
      await first.close(true);
      await second.close(true);
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    }
  });
});

describe('conflict audit', () => {
  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    const connection = database().orm.em.getConnection();
    const [organisation] = await connection.execute<{ id: string }[]>(
      `insert into organisations (name) values ('Audit Test Lettings') returning id`,
    );
    const [contact] = await connection.execute<{ id: string }[]>(
      `insert into contacts (organisation_id, first_name) values (?, 'Ada') returning id`,
      [organisation!.id],
    );
    await connection.execute(
      `insert into conflict_audit (organisation_id, contact_id, crm_version, platform_version, crm_modified_at,
         platform_modified_at, differing_fields, resolutions, winner)
       values (?, ?, '{"email":"a@crm.test"}', '{"email":"a@app.test"}', now(), now(), '{emails}', '[]', 'crm')`,
      [organisation!.id, contact!.id],
    );
    await expect(connection.execute(`update conflict_audit set winner = 'platform'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(connection.execute(`delete from conflict_audit`)).rejects.toThrow(/append-only/);
    await expect(connection.execute(`truncate conflict_audit`)).rejects.toThrow(/append-only/);
    const [{ count }] = (await connection.execute(`select count(*)::int as count from conflict_audit`)) as [
      { count: number },
    ];
    expect(count).toBe(1);
  });
});
