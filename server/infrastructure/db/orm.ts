import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities/index.ts';
import { migrations } from './migrations/index.ts';
import type { Logger } from '../logger.ts';
import { PostgresNamingStrategy } from './naming-strategy.ts';

export async function createOrm(databaseUrl: string, options: { poolSize?: number; logger?: Logger } = {}) {
  return MikroORM.init({
    clientUrl: databaseUrl,
    entities,
    namingStrategy: PostgresNamingStrategy,
    extensions: [Migrator],
    migrations: { migrationsList: migrations, snapshot: false, silent: true, transactional: true },
    pool: { min: 0, max: options.poolSize ?? 10 },
    debug: false,
    // Entities are defined with defineEntity, so there is nothing to discover on disk.
    discovery: { warnWhenNoEntities: true },
    allowGlobalContext: false,
  });
}

export type Orm = Awaited<ReturnType<typeof createOrm>>;
export type EntityManager = Orm['em'];

/** Applies every committed migration that has not run yet. Safe to call from several processes. */
export async function applyMigrations(orm: Orm): Promise<string[]> {
  const connection = orm.em.getConnection();
  // Two processes starting together must not both run the same migration.
  await connection.execute('select pg_advisory_lock(424242)');
  try {
    const applied = await orm.migrator.up();
    return applied.map((migration) => migration.name);
  } finally {
    await connection.execute('select pg_advisory_unlock(424242)');
  }
}
