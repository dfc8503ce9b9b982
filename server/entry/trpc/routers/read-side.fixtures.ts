import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import type { Role } from '../../../../shared/connection.ts';
import {
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../../test-support/test-services.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';

/**
 * The set-up the read-side.*.router.test.ts files share: a real PostgreSQL holding two agencies.
 * Each file starts its own (startReadSideServices in its beforeAll, stopReadSideServices in its
 * afterAll); the bindings below are live module exports, so a file's tests read what its own start
 * assigned (vitest loads this module afresh per test file).
 */

export type Agency = {
  organisationId: string;
  connectionId: string;
  contactId: string;
  runIds: string[];
  conflictId: string;
  alertId: string;
  email: string;
  externalId: string;
  lastName: string;
  clientSecret: string;
  ciphertext: string;
};

export let services: TestServices;
export let agencyA: Agency;
export let agencyB: Agency;

export const caller = (agency: Agency, role: Role = 'admin') =>
  appRouter.createCaller(createContextInner(services, { organisationId: agency.organisationId, role }));

export async function execute<T = unknown>(sql: string, params: unknown[] = []): Promise<T[]> {
  return services.orm.em.fork().execute<T[]>(sql, params);
}

/** One agency with a Reapit connection, a contact, cycles (with log rows), a conflict and an alert. */
async function seedAgency(name: string, marker: string): Promise<Agency> {
  const organisationId = await createOrganisation(services, name);
  const connectionId = randomUUID();
  const clientSecret = `client-secret-${marker}-${randomUUID()}`;
  const envelope = services.vault.encrypt(
    { clientId: `client-${marker}`, clientSecret },
    { organisationId, connectionId },
  );
  await execute(
    // A live agency's connection: its field mapping was confirmed, so its writes go out.
    `insert into crm_connections (id, organisation_id, provider, status, settings, credentials, field_mapping_confirmed_at)
     values (?, ?, 'reapit', 'active', ?::jsonb, ?::jsonb, now())`,
    [
      connectionId,
      organisationId,
      JSON.stringify({ customerId: `SBOX-${marker}` }),
      JSON.stringify(envelope),
    ],
  );
  const email = `jo.${marker.toLowerCase()}@example.co.uk`;
  const lastName = `Surname${marker}`;
  const [contact] = await execute<{ id: string }>(
    `insert into contacts (organisation_id, first_name, last_name, emails, phones, postcode)
     values (?, 'Jo', ?, array[?]::text[], array['+447700900123']::text[], 'BS1 4DJ') returning id`,
    [organisationId, lastName, email],
  );
  const contactId = contact!.id;
  const externalId = `RPT-${marker}-001`;
  await execute(
    `insert into contact_external_ids (contact_id, organisation_id, connection_id, provider, external_id, matched_on)
     values (?, ?, ?, 'reapit', ?, array['email']::text[])`,
    [contactId, organisationId, connectionId, externalId],
  );

  // Five cycles an hour apart on 2026-11-20: two with errors, one that pushed records out.
  const runIds: string[] = [];
  for (let index = 0; index < 5; index++) {
    const status = index === 1 ? 'failed' : index === 3 ? 'partial' : 'succeeded';
    const errors =
      status === 'succeeded'
        ? []
        : [
            {
              code: 'ADAPTER.RATE_LIMITED',
              message: 'Reapit asked us to slow down (429)',
              statusCode: 429,
              externalId: null,
              retryState: 'will_retry',
              at: '2026-11-20T10:00:00.000Z',
            },
          ];
    const [run] = await execute<{ id: string }>(
      `insert into sync_runs (connection_id, organisation_id, trigger, status, window_start, window_end, started_at,
         finished_at, records_fetched, records_written, records_pushed, errors_count, errors, conflicts_count)
       values (?, ?, 'schedule', ?, ?::timestamptz - interval '15 minutes', ?::timestamptz, ?::timestamptz,
         ?::timestamptz + interval '1 minute', ?, ?, ?, ?, ?::jsonb, ?) returning id`,
      [
        connectionId,
        organisationId,
        status,
        `2026-11-20T0${index}:00:00Z`,
        `2026-11-20T0${index}:00:00Z`,
        `2026-11-20T0${index}:00:00Z`,
        `2026-11-20T0${index}:00:00Z`,
        10 + index,
        10 + index,
        index === 4 ? 3 : 0,
        errors.length,
        JSON.stringify(errors),
        index === 0 ? 1 : 0,
      ],
    );
    runIds.push(run!.id);
  }
  // The first cycle logged three records.
  for (const status of ['created', 'updated', 'error']) {
    await execute(
      `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id,
         internal_id, status, error_code, status_code)
       values (?, ?, ?, 'contact', 'inbound', ?, ?, ?, ?, ?)`,
      [
        runIds[0],
        connectionId,
        organisationId,
        externalId,
        contactId,
        status,
        status === 'error' ? 'ADAPTER.VALIDATION' : null,
        status === 'error' ? 422 : null,
      ],
    );
  }
  const [conflict] = await execute<{ id: string }>(
    `insert into conflict_audit (organisation_id, connection_id, contact_id, sync_run_id, crm_version, platform_version,
       crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
     values (?, ?, ?, ?, ?::jsonb, ?::jsonb, '2026-11-20T00:00:30Z', '2026-11-19T23:59:00Z', array['lastName', 'marketingConsent'],
       ?::jsonb, 'mixed') returning id`,
    [
      organisationId,
      connectionId,
      contactId,
      runIds[0],
      JSON.stringify({ lastName: `${lastName}-crm`, marketingConsent: 'granted' }),
      JSON.stringify({ lastName, marketingConsent: 'denied' }),
      JSON.stringify([
        { field: 'lastName', winner: 'crm', rule: 'crm_wins' },
        { field: 'marketingConsent', winner: 'platform', rule: 'deny_wins' },
      ]),
    ],
  );
  const [alert] = await execute<{ id: string }>(
    `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
     values (?, ?, 'webhook_registration_failed', 'warning', ?, 'reconnect', ?) returning id`,
    [organisationId, connectionId, `Webhooks for ${name} are not registered`, `webhook:${connectionId}`],
  );
  return {
    organisationId,
    connectionId,
    contactId,
    runIds,
    conflictId: conflict!.id,
    alertId: alert!.id,
    email,
    externalId,
    lastName,
    clientSecret,
    ciphertext: envelope.ct,
  };
}

export async function startReadSideServices(): Promise<void> {
  services = await createTestServices();
  agencyA = await seedAgency('Harbour & Hale Estate Agents', 'A');
  agencyB = await seedAgency('Bramble Lettings', 'B');
}

export async function stopReadSideServices(): Promise<void> {
  await services?.destroy();
}

export async function expectTrpcCode(promise: Promise<unknown>, code: TRPCError['code']): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
}
