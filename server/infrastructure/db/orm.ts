import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { z } from 'zod';
import { entities } from './entities/index.ts';
import { migrations } from './migrations/index.ts';
import type { Logger } from '../logger.ts';
import { PostgresNamingStrategy } from './naming-strategy.ts';
import { Sql } from './sql.ts';

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

/** Advisory-lock key that lets one process at a time migrate a database. */
const MIGRATION_LOCK = 424242;

/** Applies every committed migration that has not run yet. Safe to call from several processes. */
export async function applyMigrations(orm: Orm): Promise<string[]> {
  // Lock, migrations and their log share one transaction, hence one connection: a session lock
  // taken on a pooled connection could be released on another one and never let go. The
  // transaction-level lock ends with the commit, after which a waiting process finds nothing to do.
  return orm.em.fork().transactional(async (em) => {
    await new Sql(em, true).rows(z.unknown(), `select pg_advisory_xact_lock(?)`, [MIGRATION_LOCK]);
    const applied = await orm.migrator.up({ transaction: em.getTransactionContext() });
    return applied.map((migration) => migration.name);
  });
}
