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
  const [row] = await services.orm.em
    .fork()
    .execute<{ id: string }[]>(
      `insert into crm_connections (organisation_id, provider, status) values (?, 'reapit', 'active') returning id`,
      [organisationId],
    );
  connectionId = row!.id;
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
