import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ensureDatabase } from '../server/infrastructure/db/database.ts';
import { startEmbeddedPostgres } from '../server/infrastructure/db/embedded-postgres.ts';
import { createLogger } from '../server/infrastructure/logger.ts';
import { dropDatabase } from '../server/test-support/driven-services.ts';

export type BenchPostgres = { adminUrl: string; embedded: boolean; stop: () => Promise<void> };
export type BenchDatabase = { name: string; url: string; drop: () => Promise<void> };

/** DATABASE_URL when set, otherwise an embedded PostgreSQL of the bench's own (data in .data/bench-postgres). */
export async function provideBenchPostgres(): Promise<BenchPostgres> {
  if (process.env.DATABASE_URL) {
    return { adminUrl: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const postgres = await startEmbeddedPostgres({
    directory: path.resolve('.data/bench-postgres'),
    port: Number(process.env.BENCH_POSTGRES_PORT ?? 54359),
    logger: createLogger({ level: 'warn' }),
  });
  return { adminUrl: postgres.adminUrl, embedded: true, stop: postgres.stop };
}

/** A fresh database for one bench, dropped afterwards (migrations run when services are created). */
export async function createBenchDatabase(adminUrl: string, label: string): Promise<BenchDatabase> {
  const name = `propsync_bench_${label}_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(adminUrl, name);
  return {
    name,
    url,
    drop: () => dropDatabase(adminUrl, name),
  };
}
