import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import type { CanonicalContact } from '../../../shared/contact.ts';
import { connectionStatusRows, formatStatusTable } from '../../entry/cli/cli-queries.ts';
import { issueCountsByConnection } from '../../infrastructure/db/outbound-write-store.ts';
import { Sql } from '../../infrastructure/db/sql.ts';
import { PostgresWebhookDeliveryStore } from '../../infrastructure/db/webhook-delivery-store.ts';
import type { SyncJobQueue } from '../../infrastructure/scheduling/sync-job-queue.ts';
import { canonicalPerson } from '../../test-support/contacts.ts';
import {
  createBareConnection,
  createOrganisation,
  createTestServices,
  type TestServices,
} from '../../test-support/test-services.ts';
import { WebhookInbox } from './webhook-inbox.ts';
import type { ParkingPolicy } from './parking-policy.ts';

let services: TestServices;
let organisationId: string;
let connectionId: string;
let inbox: WebhookInbox;
let clock = new Date('2026-12-03T09:00:00.000Z');
const syncsRequested: string[] = [];
const webhookWorkRequested: string[] = [];

const HOUR = 60 * 60_000;
// Retries a minute apart at most, dead-lettered after 24 h parked (or 50 attempts).
const policy: ParkingPolicy = {
  retry: { attempts: 50, baseDelayMs: 1_000, maxDelayMs: 60_000 },
  maxParkedMs: 24 * HOUR,
};

beforeAll(async () => {
  services = await createTestServices();
  organisationId = await createOrganisation(services, 'Parked Deliveries Lettings');
  connectionId = await createBareConnection(services, organisationId);
  // The job queue is not under test: the inbox is driven directly, and sync requests are noted.
  const jobs = {
    enqueue: async (job: { connectionId: string }) => {
      syncsRequested.push(job.connectionId);
      return true;
    },
    enqueueWebhookWork: async (id: string) => {
      webhookWorkRequested.push(id);
    },
  } as unknown as SyncJobQueue;
  inbox = new WebhookInbox({
    deliveries: new PostgresWebhookDeliveryStore(services.orm.em),
    connections: services.connections,
    store: services.syncStore,
    engagement: services.engagement,
    jobs,
    metrics: services.metrics,
    logger: services.logger,
    parking: policy,
    now: () => clock,
  });
});
afterAll(async () => services?.destroy());

const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);

const viewing = (externalId: string, contactExternalId: string): CanonicalActivity => ({
  type: 'viewing_booked',
  occurredAt: '2026-12-03T08:00:00.000Z',
  source: 'reapit',
  externalId,
  contactExternalId,
  details: {},
});

async function deliver(
  deliveryKey: string,
  content: { contacts?: CanonicalContact[]; activities?: CanonicalActivity[] },
): Promise<void> {
  const store = new PostgresWebhookDeliveryStore(services.orm.em);
  await store.accept({
    connectionId,
    organisationId,
    deliveryKey,
    eventType: content.activities ? 'appointments.created' : 'contacts.modified',
    payload: {
      eventType: content.activities ? 'appointments.created' : 'contacts.modified',
      occurredAt: clock.toISOString(),
      contacts: content.contacts ?? [],
      activities: content.activities ?? [],
      contactIdsToFetch: [],
      removedContactIds: [],
      rejected: [],
    },
  });
}

const statusRow = async () =>
  (await connectionStatusRows(services.orm.em)).find((row) => row.connectionId === connectionId);

const deliveryState = async (deliveryKey: string) =>
  (
    await query<{ status: string; attempts: number; error: string | null }>(
      `select status, attempts, error from webhook_deliveries where delivery_key = ?`,
      [deliveryKey],
    )
  )[0]!;

describe('a delivery that cannot be applied yet', () => {
  it('is parked without blocking the later deliveries of its connection, then dead-lettered with an alert naming the record', async () => {
    // Poisoned: an activity of a contact this connection never imports.
    await deliver('poisoned', { activities: [viewing('APT-POISON', 'RPT-NEVER-IMPORTED')] });
    await deliver('contact', { contacts: [canonicalPerson('reapit', 'RPT-KNOWN')] });
    await deliver('later-activity', { activities: [viewing('APT-LATER', 'RPT-KNOWN')] });

    // Something is still parked, so the job is handed back to pg-boss to retry with backoff.
    await expect(inbox.processPending(connectionId)).rejects.toThrow(/parked/);

    expect(await deliveryState('poisoned')).toMatchObject({ status: 'parked', attempts: 1 });
    expect((await deliveryState('poisoned')).error).toContain('RPT-NEVER-IMPORTED');
    expect(await deliveryState('contact')).toMatchObject({ status: 'processed', attempts: 0 });
    expect(await deliveryState('later-activity')).toMatchObject({ status: 'processed', attempts: 0 });
    const applied = await query<{ external_id: string }>(
      `select external_id from activities where organisation_id = ?`,
      [organisationId],
    );
    expect(applied.map((row) => row.external_id)).toEqual(['APT-LATER']);
    expect(syncsRequested).toContain(connectionId);
    // Counted for operators (/metrics, `propsync status --json`).
    expect(await services.metrics.registry.metrics()).toContain(
      'propsync_webhook_deliveries{provider="reapit",state="parked"} 1',
    );
    expect(await statusRow()).toMatchObject({
      parked: 1,
      deadLettered: 0,
      failedWrites: 0,
      activityCount: 1,
      lastActivityAt: '2026-12-03T08:00:00.000Z',
    });

    // Before its retry time nothing is attempted; once due it is tried again and parked again.
    await expect(inbox.processPending(connectionId)).rejects.toThrow(/parked/);
    expect(await deliveryState('poisoned')).toMatchObject({ status: 'parked', attempts: 1 });
    clock = new Date(clock.getTime() + 2 * 60_000);
    await expect(inbox.processPending(connectionId)).rejects.toThrow(/parked/);
    expect(await deliveryState('poisoned')).toMatchObject({ status: 'parked', attempts: 2 });

    // Past the bound it is dead-lettered: no longer parked, and an alert names the record and the reason.
    clock = new Date(clock.getTime() + 24 * HOUR);
    await expect(inbox.processPending(connectionId)).resolves.toBeUndefined();
    expect(await deliveryState('poisoned')).toMatchObject({ status: 'dead_lettered', attempts: 3 });
    const alerts = await query<{ kind: string; message: string; connection_id: string }>(
      `select kind, message, connection_id from alerts where organisation_id = ? and kind = 'delivery_dead_lettered'`,
      [organisationId],
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.connection_id).toBe(connectionId);
    expect(alerts[0]!.message).toContain('APT-POISON');
    expect(alerts[0]!.message).toContain('RPT-NEVER-IMPORTED');
    expect(alerts[0]!.message).toMatch(/arrived before the contact/);
    expect(alerts[0]!.message).toContain('3 attempts');
    expect(await statusRow()).toMatchObject({ parked: 0, deadLettered: 1 });
    // The card counts it until its alert is acknowledged.
    const issueCounts = () => issueCountsByConnection(new Sql(services.orm.em), organisationId);
    expect(await issueCounts()).toEqual([{ connectionId, parked: 0, deadLettered: 1, failedWrites: 0 }]);
    await query(`update alerts set acknowledged_at = now() where kind = 'delivery_dead_lettered'`);
    expect(await issueCounts()).toEqual([]);
    expect(formatStatusTable(await connectionStatusRows(services.orm.em))).toContain('1 dead-lettered');
    const metrics = await services.metrics.registry.metrics();
    expect(metrics).toContain('propsync_webhook_deliveries{provider="reapit",state="parked"} 0');
    expect(metrics).toContain('propsync_webhook_deliveries{provider="reapit",state="dead_lettered"} 1');

    // Dead-lettered deliveries are not tried again.
    clock = new Date(clock.getTime() + 24 * HOUR);
    await inbox.processPending(connectionId);
    expect(await deliveryState('poisoned')).toMatchObject({ status: 'dead_lettered', attempts: 3 });
  });

  it('applies once its contact has been imported, at its next retry', async () => {
    await deliver('early-activity', { activities: [viewing('APT-EARLY', 'RPT-LATE')] });
    await expect(inbox.processPending(connectionId)).rejects.toThrow(/parked/);
    expect(await deliveryState('early-activity')).toMatchObject({ status: 'parked', attempts: 1 });
    // The periodic sweep queues the connection's job only once the parked delivery is due.
    expect(await inbox.retryDueParked()).toBe(0);

    // The delta sync brings the contact (here: a later delivery); the parked activity then applies.
    await deliver('late-contact', { contacts: [canonicalPerson('reapit', 'RPT-LATE')] });
    clock = new Date(clock.getTime() + 2 * 60_000);
    expect(await inbox.retryDueParked()).toBe(1);
    expect(webhookWorkRequested).toEqual([connectionId]);
    await inbox.processPending(connectionId);
    expect(await deliveryState('early-activity')).toMatchObject({ status: 'processed' });
    const applied = await query<{ external_id: string }>(
      `select external_id from activities where organisation_id = ? and external_id = 'APT-EARLY'`,
      [organisationId],
    );
    expect(applied).toHaveLength(1);
  });
});

describe('a delivery whose job was never queued', () => {
  it('is queued by the periodic sweep once it has been pending for a minute', async () => {
    // Stored and answered, but its job send failed (or the process stopped right after the 200).
    const quietAgency = await createOrganisation(services, 'Quiet Connection Lettings');
    const quietConnection = await createBareConnection(services, quietAgency);
    const stored = await new PostgresWebhookDeliveryStore(services.orm.em).accept({
      connectionId: quietConnection,
      organisationId: quietAgency,
      deliveryKey: 'job-never-queued',
      eventType: 'contacts.modified',
      payload: { eventType: 'contacts.modified', contacts: [], activities: [] },
    });
    expect(stored).toBe(true);

    const requestedBefore = webhookWorkRequested.length;
    clock = new Date(Date.now() + 30_000);
    await inbox.retryDueParked();
    expect(webhookWorkRequested.slice(requestedBefore)).not.toContain(quietConnection);

    clock = new Date(Date.now() + 2 * 60_000);
    await inbox.retryDueParked();
    expect(webhookWorkRequested.slice(requestedBefore)).toContain(quietConnection);
  });
});

const acceptedDelivery = (deliveryKey: string) => ({
  connectionId,
  organisationId,
  deliveryKey,
  eventType: 'contacts.modified',
  payload: { eventType: 'contacts.modified', note: deliveryKey },
});

describe('accepting webhook deliveries', () => {
  it('stores deliveries received at once, each exactly once, in the order they arrived', async () => {
    const store = new PostgresWebhookDeliveryStore(services.orm.em);
    const keys = Array.from({ length: 40 }, (_, index) => `burst-${String(index).padStart(2, '0')}`);
    // The same notification twice in the burst: one is stored, the other is its redelivery.
    const sent = [...keys.slice(0, 20), 'burst-05', ...keys.slice(20)];
    const answers = await Promise.all(sent.map((key) => store.accept(acceptedDelivery(key))));

    expect(answers.filter((stored) => !stored)).toHaveLength(1);
    expect(answers[20]).toBe(false);
    const rows = await services.orm.em.fork().execute<{ delivery_key: string }[]>(
      `select delivery_key from webhook_deliveries where connection_id = ? and delivery_key like 'burst-%'
         order by received_at, id`,
      [connectionId],
    );
    expect(rows.map((row) => row.delivery_key)).toEqual(keys);
  });

  it('answers a redelivery of a stored notification as such, and stores the new one beside it', async () => {
    const store = new PostgresWebhookDeliveryStore(services.orm.em);
    expect(await store.accept(acceptedDelivery('again-1'))).toBe(true);
    const answers = await Promise.all([
      store.accept(acceptedDelivery('again-1')),
      store.accept(acceptedDelivery('again-2')),
    ]);
    expect(answers).toEqual([false, true]);
  });

  it('refuses only the delivery the database refuses, not the others received with it', async () => {
    const store = new PostgresWebhookDeliveryStore(services.orm.em);
    const unknownConnection = {
      ...acceptedDelivery('orphan'),
      connectionId: '00000000-0000-4000-8000-000000000000',
    };
    const answers = await Promise.allSettled([
      store.accept(acceptedDelivery('neighbour-1')),
      store.accept(unknownConnection),
      store.accept(acceptedDelivery('neighbour-2')),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
