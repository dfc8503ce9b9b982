import type { ServiceOptions, Services } from '../entry/services.ts';
import { createDrivenServices } from './driven-services.ts';
import { createTestDatabase } from './test-database.ts';

export type TestServices = Services & { url: string; destroy: () => Promise<void> };

/**
 * The real composition root over a fresh database, with fast retries and no log noise. `env` adds
 * configuration, above all the simulators' `operatorConfig` (their hosts, and the egress
 * allowance for exactly their listeners: every other internal address is refused, as in production).
 * Tests drive cycles themselves or through the queue; the cron tick is tested on its own.
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
  const services = await createDrivenServices(database.url, {
    label: 'test',
    env,
    logLevel: process.env.TEST_LOG_LEVEL,
    options: {
      sync: { retryPolicy: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 }, ...serviceOptions.sync },
      httpTimeoutMs: 5_000,
      ...serviceOptions,
    },
  });
  if (confirmMappings) confirmMappingsOnConnect(services);
  await services.startBackgroundWork();
  return Object.assign(services, {
    url: database.url,
    destroy: async () => {
      await services.dispose();
      await database.destroy();
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

/**
 * A connection row with no credentials and no CRM behind it: for tests that drive a store or the
 * webhook inbox directly. Answers its id.
 */
export async function createBareConnection(
  services: Services,
  organisationId: string,
  provider = 'reapit',
): Promise<string> {
  const [row] = await services.orm.em
    .fork()
    .execute<{ id: string }[]>(
      `insert into crm_connections (organisation_id, provider, status) values (?, ?, 'active') returning id`,
      [organisationId, provider],
    );
  return row!.id;
}
