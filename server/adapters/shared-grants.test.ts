import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresGrantStores } from '../infrastructure/db/grant-store.ts';
import { createLogger } from '../infrastructure/logger.ts';
import { REAPIT_DEMO_CLIENT } from '../../simulators/reapit/reapit-constants.ts';
import { reapitOperatorConfig } from '../../simulators/reapit/reapit.harness.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type RunningReapitSimulator,
} from '../../simulators/reapit/reapit-simulator.ts';
import { createOrganisation, createTestServices, type TestServices } from '../test-support/test-services.ts';
import { AdapterResolver } from './adapter-resolver.ts';

let simulator: ReapitSimulator;
let simulatorServer: RunningReapitSimulator;
let services: TestServices;
let connectionId: string;
let organisationId: string;

beforeAll(async () => {
  simulator = createReapitSimulator({
    seed: 4,
    contactCount: 20,
    rateLimits: false,
    tokenLifetimeSeconds: 3600,
  });
  simulatorServer = await simulator.listen(0);
  services = await createTestServices({ env: reapitOperatorConfig(simulatorServer) });
  organisationId = await createOrganisation(services, 'Shared Tokens Ltd');
  connectionId = (
    await services.connections.connect(organisationId, 'reapit', {
      credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
      settings: { customerId: REAPIT_DEMO_CLIENT.customerId },
    })
  ).id;
  await services.whenIdle();
});
afterAll(async () => {
  await services?.destroy();
  await simulator?.close();
});

/** A resolver as a separate process would have: its own memory, the same database. */
function otherProcess(): AdapterResolver {
  const stores = new PostgresGrantStores(services.orm.em, services.vault);
  return new AdapterResolver(createLogger({ level: 'silent' }), {
    grantStoreFor: (id, fingerprint) => stores.for(id, fingerprint),
    hostConfig: reapitOperatorConfig(simulatorServer),
  });
}

const tokenRequests = () =>
  simulator.requestLog.entries().filter((entry) => entry.method === 'POST' && entry.path === '/token').length;
const connection = (
  credentials = { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
) => ({
  id: connectionId,
  provider: 'reapit' as const,
  credentials,
  settings: { customerId: REAPIT_DEMO_CLIENT.customerId },
});

describe('access grants shared between processes', () => {
  it('stores the grant encrypted, and another process reuses it instead of authenticating again', async () => {
    const [row] = await services.orm.em
      .fork()
      .execute<{ access_grant: { kid: string } | null }[]>(
        `select access_grant from crm_connections where id = ?`,
        [connectionId],
      );
    expect(row!.access_grant).toMatchObject({ kid: expect.any(String) });
    const before = tokenRequests();
    await otherProcess().forConnection(connection()).verifyConnection();
    expect(tokenRequests()).toBe(before);
  });

  it('after expiry, five processes refreshing at once make one token request between them', async () => {
    simulator.controls.expireTokens();
    const processes = Array.from({ length: 5 }, () => otherProcess());
    const before = tokenRequests();
    await Promise.all(processes.map((resolver) => resolver.forConnection(connection()).verifyConnection()));
    // One 401 per process is fine; only one of them may exchange credentials for a new token.
    expect(tokenRequests()).toBe(before + 1);
  });

  it('never reuses a grant obtained with other credentials', async () => {
    const before = tokenRequests();
    const refused = await otherProcess()
      .forConnection(connection({ clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: 'not-the-secret' }))
      .verifyConnection()
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ADAPTER.AUTH_INVALID' });
    expect(tokenRequests()).toBe(before + 1);
  });
});
