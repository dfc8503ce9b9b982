import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../infrastructure/config.ts';
import { createLogger } from '../infrastructure/logger.ts';
import { createServices, type ServiceOptions, type Services } from '../entry/services.ts';
import { createTestDatabase } from './test-database.ts';

export type TestServices = Services & { url: string; destroy: () => Promise<void> };

/**
 * The real composition root over a fresh database, with fast retries and no log noise. `env` adds
 * configuration, above all the simulators' `operatorConfig` (their hosts, and the egress
 * allowance for exactly their listeners: every other internal address is refused, as in production).
 */
export async function createTestServices(
  options: ServiceOptions & {
    env?: Record<string, string>;
    /**
     * Whether each connection made (`connections.connect`, an OAuth sign-in) has its field mapping
     * confirmed at once, audited as `test-support`: most tests exercise write-back, which waits for
     * the confirmation. Tests of the mapping review itself pass false.
     */
    confirmMappings?: boolean;
  } = {},
): Promise<TestServices> {
  const { env, confirmMappings = true, ...serviceOptions } = options;
  const database = await createTestDatabase();
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'propsync-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PROPSYNC_DATA_DIR: dataDirectory,
    PROPSYNC_TOKEN_SECRET: 'test-token-secret-that-is-long-enough-0123456789',
    // Tests drive cycles themselves or through the queue; the cron tick is tested on its own.
    PROPSYNC_SCHEDULER: 'off',
    // Nothing listens here: simulators' webhook deliveries fail quietly unless a test routes them.
    PROPSYNC_PUBLIC_URL: 'http://127.0.0.1:9',
    ...env,
  } as NodeJS.ProcessEnv);
  const services = await createServices(
    config,
    createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    database.url,
    {
      sync: { retryPolicy: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 }, ...serviceOptions.sync },
      httpTimeoutMs: 5_000,
      ...serviceOptions,
    },
  );
  if (confirmMappings) confirmMappingsOnConnect(services);
  await services.startBackgroundWork();
  return Object.assign(services, {
    url: database.url,
    destroy: async () => {
      await services.close();
      await database.destroy();
      fs.rmSync(dataDirectory, { recursive: true, force: true });
    },
  });
}

/** Every connection the services make from now on gets its mapping confirmed as it is made. */
function confirmMappingsOnConnect(services: Services): void {
  const connections = services.connections;
  const connect = connections.connect.bind(connections);
  connections.connect = async (organisationId, provider, input) => {
    const connection = await connect(organisationId, provider, input);
    await services.fieldMapping.confirm(organisationId, connection.id, 'test-support');
    return { ...connection, writeBackPaused: false };
  };
}

/** An agency provisioned the way a host provisions one (`agencies.create`). */
export async function createOrganisation(services: Services, name: string): Promise<string> {
  return (await services.agencies.create({ name })).id;
}
