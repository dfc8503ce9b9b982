import path from 'node:path';
import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../infrastructure/db/embedded-postgres.ts';
import { createLogger } from '../infrastructure/logger.ts';
import { freePort } from './local-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseAdminUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole test run: DATABASE_URL when set, otherwise an embedded one
 * with a throw-away data directory. Each test file then makes its own database on it.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('databaseAdminUrl', process.env.DATABASE_URL);
    return;
  }
  // A directory and port of this run's own: two runs on one checkout must not share a cluster.
  const directory = path.resolve(`.data/test-postgres-${process.pid}`);
  fs.rmSync(directory, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({
    directory,
    port: process.env.TEST_POSTGRES_PORT ? Number(process.env.TEST_POSTGRES_PORT) : await freePort(),
    logger: createLogger({ level: 'warn' }),
  });
  project.provide('databaseAdminUrl', postgres.adminUrl);
  return async () => {
    await postgres.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  };
}
