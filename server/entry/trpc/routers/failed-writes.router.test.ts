import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundWork } from '../../../core/ports/sync-store.ts';
import {
  agencyA,
  agencyB,
  caller,
  execute,
  expectTrpcCode,
  services,
  startReadSideServices,
  stopReadSideServices,
} from './read-side.fixtures.ts';

/**
 * A write-back the CRM refuses for good: it stops retrying at once, raises an alert naming the
 * contact, the write and the CRM's reason, and is listed (agency-scoped) for an admin to retry or dismiss.
 */

beforeAll(startReadSideServices);
afterAll(stopReadSideServices);

async function queueContactWrite(key: string): Promise<void> {
  await execute(
    `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
     values (?, ?, ?, 'contact_update', ?, ?::jsonb)`,
    [
      agencyA.organisationId,
      agencyA.connectionId,
      agencyA.contactId,
      key,
      JSON.stringify({ externalId: agencyA.externalId, etag: null, fields: { emails: ['jo@@example'] } }),
    ],
  );
}

/** One cycle's push as the sync cycle records it, with the CRM refusing every write for good. */
async function pushRefused(): Promise<{ claimedAgain: OutboundWork[] }> {
  const started = await services.syncStore.startRun(agencyA.connectionId, 'manual', new Date(), 0);
  if (started.outcome !== 'started') throw new Error(`cycle not started: ${started.outcome}`);
  const run = started.run;
  for (const work of await services.syncStore.claimOutboundWrites(run, 10)) {
    await services.syncStore.recordOutboundWrite(run, work, {
      ok: false,
      error: {
        code: 'ADAPTER.VALIDATION',
        message: 'Reapit refused the change: email is not a valid address',
        statusCode: 422,
        externalId: null,
        retryState: 'gave_up',
      },
      permanent: true,
    });
  }
  // Whatever time has passed, a refused write is not due again.
  await execute(
    `update outbound_writes set next_attempt_at = now() - interval '1 day' where connection_id = ?`,
    [agencyA.connectionId],
  );
  const claimedAgain = await services.syncStore.claimOutboundWrites(run, 10);
  await services.syncStore.finishRun(run, { succeeded: true });
  return { claimedAgain };
}

const writeStatus = async (key: string) =>
  (
    await execute<{ id: string; status: string }>(
      `select id, status from outbound_writes where idempotency_key = ?`,
      [key],
    )
  )[0]!;

const openWriteAlerts = () =>
  execute<{ message: string; contact_id: string | null; action: string | null }>(
    `select message, contact_id, action from alerts where organisation_id = ? and kind = 'write_refused' and resolved_at is null`,
    [agencyA.organisationId],
  );

describe('a write-back the CRM refuses for good', () => {
  it('is not retried, raises an alert with the contact, the write and the reason, and is listed', async () => {
    await queueContactWrite('refused-1');
    const { claimedAgain } = await pushRefused();
    expect(claimedAgain).toEqual([]);
    expect(await writeStatus('refused-1')).toMatchObject({ status: 'refused' });

    const alerts = await openWriteAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ contact_id: agencyA.contactId, action: 'view_contact' });
    expect(alerts[0]!.message).toContain(`Jo ${agencyA.lastName}`);
    expect(alerts[0]!.message).toContain(agencyA.externalId);
    expect(alerts[0]!.message).toContain('update of emails');
    expect(alerts[0]!.message).toContain('email is not a valid address');

    const listed = await caller(agencyA, 'viewer').failedWrites.list({});
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      connectionId: agencyA.connectionId,
      provider: 'reapit',
      contactId: agencyA.contactId,
      contactName: `Jo ${agencyA.lastName}`,
      contactExternalId: agencyA.externalId,
      kind: 'contact_update',
      description: 'the update of emails',
      reason: 'Reapit refused the change: email is not a valid address',
      statusCode: 422,
    });
    expect(await services.metrics.registry.metrics()).toContain(
      'propsync_outbound_writes_refused{provider="reapit"} 1',
    );
    expect(await caller(agencyA).failedWrites.counts()).toEqual([
      { connectionId: agencyA.connectionId, parked: 0, deadLettered: 0, failedWrites: 1 },
    ]);
    // Another agency sees none of it, and cannot act on it.
    expect(await caller(agencyB).failedWrites.list({})).toEqual([]);
    expect(await caller(agencyB).failedWrites.counts()).toEqual([]);
    await expectTrpcCode(caller(agencyB).failedWrites.dismiss({ writeId: listed[0]!.id }), 'NOT_FOUND');
    await expectTrpcCode(
      caller(agencyA, 'viewer').failedWrites.retry({ writeId: listed[0]!.id }),
      'FORBIDDEN',
    );
  });

  it('dismiss sets it aside for good and resolves its alert', async () => {
    const { id } = await writeStatus('refused-1');
    expect(await caller(agencyA).failedWrites.dismiss({ writeId: id })).toEqual({
      writeId: id,
      status: 'dismissed',
    });
    expect(await writeStatus('refused-1')).toMatchObject({ status: 'dismissed' });
    expect(await caller(agencyA).failedWrites.list({})).toEqual([]);
    expect(await openWriteAlerts()).toEqual([]);
    await expectTrpcCode(caller(agencyA).failedWrites.dismiss({ writeId: id }), 'NOT_FOUND');
  });

  it('retry queues it again now and resolves its alert', async () => {
    await queueContactWrite('refused-2');
    await pushRefused();
    const [listed] = await caller(agencyA).failedWrites.list({ connectionId: agencyA.connectionId });
    expect(listed).toBeDefined();
    expect(await caller(agencyA).failedWrites.retry({ writeId: listed!.id })).toEqual({
      writeId: listed!.id,
      status: 'pending',
    });
    // Queued again (a cycle was requested and may already be sending it): no longer refused.
    expect((await writeStatus('refused-2')).status).not.toBe('refused');
    expect(await caller(agencyA).failedWrites.list({})).toEqual([]);
    expect(await openWriteAlerts()).toEqual([]);
  });
});
