import path from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

export type DatabaseServer = { url: string; stop: () => Promise<void> };

const APPLICATION_DATABASE = 'propsync';

/**
 * Resolves the database Propsync uses: DATABASE_URL when set, otherwise an embedded PostgreSQL
 * whose data lives under the data directory and is kept between runs.
 */
export async function provideDatabase(config: AppConfig, logger: Logger): Promise<DatabaseServer> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres({
    directory: path.join(config.dataDirectory, 'postgres'),
    port: config.embeddedPostgresPort,
    logger,
  });
  const url = await ensureDatabase(embedded.adminUrl, APPLICATION_DATABASE);
  return { url, stop: embedded.stop };
}

/** Creates `name` on the server behind `adminUrl` if it is missing; returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const existing = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (existing.rowCount === 0) {
      await client.query(`create database "${name.replaceAll('"', '""')}"`);
    }
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
