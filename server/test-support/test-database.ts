import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { ensureDatabase } from '../infrastructure/db/database.ts';
import { applyMigrations, createOrm, type Orm } from '../infrastructure/db/orm.ts';
import { registerProviders } from '../infrastructure/db/provider-table.ts';
import { PROVIDER_INFOS } from '../adapters/registry.ts';

export type TestDatabase = { url: string; orm: Orm; destroy: () => Promise<void> };

/** A fresh, migrated database of its own for one test file, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { url, orm, destroy } = await createEmptyDatabase(5);
  await applyMigrations(orm);
  await registerProviders(orm.em.fork(), PROVIDER_INFOS);
  return { url, orm, destroy };
}

/**
 * A database of its own with no migration applied, for a test that migrates it step by step (a
 * migration over rows that already exist); dropped after `work`.
 */
export async function withUnmigratedDatabase(work: (orm: Orm) => Promise<void>): Promise<void> {
  const { orm, destroy } = await createEmptyDatabase(2);
  try {
    await work(orm);
  } finally {
    await destroy();
  }
}

async function createEmptyDatabase(poolSize: number): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const name = `propsync_test_${randomBytes(6).toString('hex')}`;
  const url = await ensureDatabase(adminUrl, name);
  const orm = await createOrm(url, { poolSize });
  return {
    url,
    orm,
    destroy: async () => {
      await orm.close(true);
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}

/**
 * A fresh, migrated database for the calling test file: created before its tests, dropped after
 * them. Answers a getter, to be called inside the tests (the database does not exist before).
 */
export function useTestDatabase(): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.destroy());
  return () => {
    if (!database) throw new Error('The test database exists only while the tests run.');
    return database;
  };
}
