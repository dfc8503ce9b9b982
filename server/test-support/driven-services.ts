import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createServices, type ServiceOptions, type Services } from '../entry/services.ts';
import { loadConfig } from '../infrastructure/config.ts';
import { createLogger } from '../infrastructure/logger.ts';

/** Services with a data directory of their own, which `dispose` removes after closing them. */
export type DrivenServices = Services & { dataDirectory: string; dispose: () => Promise<void> };

/**
 * The real composition root over `databaseUrl` for the tests, the bench and chaos, which drive
 * cycles themselves: a fresh data directory (`propsync-<label>-…`), no cron scheduler, and webhook
 * deliveries to an address where nothing listens unless `env` routes them. `env` adds configuration,
 * above all the simulators' `operatorConfig` (their hosts and the egress allowance for their listeners).
 * Nothing imports vitest here: the bench and chaos run outside it.
 */
export async function createDrivenServices(
  databaseUrl: string,
  setup: { label: string; env?: Record<string, string>; logLevel?: string; options?: ServiceOptions },
): Promise<DrivenServices> {
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), `propsync-${setup.label}-`));
  const config = loadConfig({
    NODE_ENV: 'test',
    PROPSYNC_DATA_DIR: dataDirectory,
    PROPSYNC_TOKEN_SECRET: 'test-token-secret-that-is-long-enough-0123456789',
    PROPSYNC_SCHEDULER: 'off',
    PROPSYNC_PUBLIC_URL: 'http://127.0.0.1:9',
    ...setup.env,
  } as NodeJS.ProcessEnv);
  const logger = createLogger({ level: setup.logLevel ?? 'silent' });
  const services = await createServices(config, logger, databaseUrl, setup.options);
  return Object.assign(services, {
    dataDirectory,
    dispose: async () => {
      await services.close();
      fs.rmSync(dataDirectory, { recursive: true, force: true });
    },
  });
}

/** Drops a scratch database, whoever is still connected to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}
