import { afterAll, beforeAll } from 'vitest';
import type { CrmProvider } from '../../shared/providers.ts';
import type { ServiceOptions } from '../entry/services.ts';
import { Sql } from '../infrastructure/db/sql.ts';
import { createOrganisation, createTestServices, type TestServices } from './test-services.ts';

/** What a test file's agency is connected to, and how. */
export type AgencySetup = {
  name: string;
  provider: CrmProvider;
  /** What the admin enters to connect (`connections.connect` input). */
  connection: { credentials: Record<string, string>; settings: Record<string, string> };
  /** Points Propsync at the simulator: its `operatorConfig`, and more configuration. */
  env: Record<string, string>;
  services?: ServiceOptions;
  /** The host's webhook endpoint, configured before connecting, so it hears the first import too. */
  hostWebhook?: { url: string; secret: string };
  /** The simulators and receivers the test started for it, closed after the services. */
  closeAfter?: { close(): Promise<void> }[];
};

/** An agency connected to a CRM, its first import done: what most integration tests start from. */
export type ConnectedAgency = {
  services: TestServices;
  organisationId: string;
  connectionId: string;
  /** Row reads for what a test inspects. */
  sql: Sql;
};

/**
 * For the tests of the calling file: before them, the test services, a new agency and its
 * connection, as `setup` says (it may start a simulator first); after them, all of it closed.
 * Answers the agency, whose fields are there once the tests run.
 */
export function useConnectedAgency(setup: () => Promise<AgencySetup>): ConnectedAgency {
  const agency = {} as ConnectedAgency;
  let closeAfter: AgencySetup['closeAfter'] = [];
  beforeAll(async () => {
    const { name, provider, connection, env, hostWebhook, ...rest } = await setup();
    closeAfter = rest.closeAfter;
    const services = await createTestServices({ ...rest.services, env });
    const organisationId = await createOrganisation(services, name);
    if (hostWebhook) await services.hostWebhooks.configure(organisationId, hostWebhook);
    const { id: connectionId } = await services.connections.connect(organisationId, provider, connection);
    await services.whenIdle();
    Object.assign(agency, { services, organisationId, connectionId, sql: new Sql(services.orm.em) });
  }, 60_000);
  afterAll(async () => {
    await agency.services?.destroy();
    for (const resource of closeAfter ?? []) await resource.close();
  });
  return agency;
}

/**
 * An agency on fresh test services for a file's tests: set up before them, destroyed after. Read
 * its fields inside the tests (they are filled in by then).
 */
export function useTestOrganisation(name: string): { services: TestServices; organisationId: string } {
  const agency = {} as { services: TestServices; organisationId: string };
  beforeAll(async () => {
    const services = await createTestServices();
    Object.assign(agency, { services, organisationId: await createOrganisation(services, name) });
  }, 60_000);
  afterAll(async () => agency.services?.destroy());
  return agency;
}
