import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdapterResolver } from '../../adapters/adapter-resolver.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import {
  createReapitSimulator,
  type RunningReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';
import { createLogger } from '../../infrastructure/logger.ts';
import type { OutboundActivity } from '../ports/crm-adapter.ts';
import { reapitDemoConnection } from '../../test-support/demo-connections.ts';
import { useConnectedAgency } from '../../test-support/connected-agency.ts';

const reapit = createReapitSimulator({ seed: 41, contactCount: 30, rateLimits: false });
let reapitServer: RunningReapitSimulator;
const agency = useConnectedAgency(async () => ({
  name: 'Write-back Estates',
  provider: 'reapit',
  connection: reapitDemoConnection(),
  env: reapitOperatorConfig((reapitServer = await reapit.listen(0))),
  closeAfter: [reapit],
}));

const query = <T>(sql: string, params: unknown[] = []) =>
  agency.services.orm.em.fork().execute<T[]>(sql, params);

async function linkedContact(offset: number) {
  const [row] = await query<{ contact_id: string; external_id: string }>(
    `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id limit 1 offset ?`,
    [agency.connectionId, offset],
  );
  return row!;
}

async function queueWrite(
  contactId: string,
  kind: 'journal_entry' | 'metadata',
  activity: OutboundActivity,
): Promise<void> {
  await query(
    `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
     values (?, ?, ?, ?, ?, ?::jsonb) on conflict (connection_id, idempotency_key) do nothing`,
    [
      agency.organisationId,
      agency.connectionId,
      contactId,
      kind,
      activity.idempotencyKey,
      JSON.stringify(activity),
    ],
  );
}

async function writeStatus(idempotencyKey: string): Promise<string> {
  const [row] = await query<{ status: string }>(
    `select status from outbound_writes where connection_id = ? and idempotency_key = ?`,
    [agency.connectionId, idempotencyKey],
  );
  return row!.status;
}

describe('Reapit contact metadata', () => {
  it('keeps the score and the hot-lead flag together, and keys other apps own, after both are written', async () => {
    const target = await linkedContact(0);
    // Another app's key, and Reapit replacing the whole metadata object on PATCH (the simulator's reading).
    reapit.controls.modifyContacts({
      ids: [target.external_id],
      fields: { metadata: { otherApp: { segment: 'landlords' } } },
    });
    const at = new Date().toISOString();
    await queueWrite(target.contact_id, 'metadata', {
      kind: 'engagement_score',
      idempotencyKey: `engagement-score:${target.contact_id}:72`,
      contactExternalId: target.external_id,
      occurredAt: at,
      summary: 'Propsync engagement score 72',
      details: { score: 72 },
    });
    await queueWrite(target.contact_id, 'metadata', {
      kind: 'hot_lead',
      idempotencyKey: `hot-lead:${target.contact_id}`,
      contactExternalId: target.external_id,
      occurredAt: at,
      summary: 'A hot lead',
      details: { score: 72, hotLeadAt: at },
    });
    // Someone else writes between one of our reads and its PATCH: Reapit answers 412.
    reapit.faults.failNext(1, 412, { method: 'PATCH', pathPrefix: `/contacts/${target.external_id}` });
    await agency.services.runSyncCycle(agency.connectionId, 'manual');
    expect(await writeStatus(`engagement-score:${target.contact_id}:72`)).toBe('done');
    expect(await writeStatus(`hot-lead:${target.contact_id}`)).toBe('done');
    expect(reapit.getContact(target.external_id)!.metadata).toEqual({
      otherApp: { segment: 'landlords' },
      propsyncEngagementScore: 72,
      propsyncScoredAt: at,
      propsyncHotLead: true,
      propsyncHotLeadAt: at,
    });
  });

  it('a contact change carrying metadata keeps the stored keys, and honours the etag it was read with', async () => {
    const target = await linkedContact(2);
    reapit.controls.modifyContacts({ ids: [target.external_id], fields: { metadata: { otherApp: 1 } } });
    const adapter = new AdapterResolver(createLogger({ level: 'silent' }), {
      hostConfig: reapitOperatorConfig(reapitServer),
    }).forConnection({
      id: randomUUID(),
      provider: 'reapit',
      ...reapitDemoConnection(),
    });
    const etag = reapit.getContact(target.external_id)!._eTag as string;
    await adapter.pushContact({
      externalId: target.external_id,
      etag,
      fields: { title: 'Dr' },
      metadata: { propsyncSegment: 'spring' },
    });
    expect(reapit.getContact(target.external_id)).toMatchObject({
      title: 'Dr',
      metadata: { otherApp: 1, propsyncSegment: 'spring' },
    });
    // The same (now stale) etag again: a 412 for the caller to re-read, nothing written.
    const stale = await adapter
      .pushContact({ externalId: target.external_id, etag, fields: { title: 'Prof' }, metadata: { x: 1 } })
      .catch((error: unknown) => error);
    expect(stale).toMatchObject({ code: 'ADAPTER.PRECONDITION_FAILED' });
    expect(reapit.getContact(target.external_id)).toMatchObject({ title: 'Dr' });
  });
});

describe('Reapit journal entries', () => {
  it('a retry after a lost answer writes exactly one entry on a contact with 150 older ones', async () => {
    const target = await linkedContact(1);
    reapit.controls.addJournalEntries({ contactId: target.external_id, count: 150 });
    const journal = () =>
      reapit.journalEntries().filter((entry) => entry.associatedId === target.external_id);
    const before = journal().length;
    expect(before).toBeGreaterThanOrEqual(150);
    const email: OutboundActivity = {
      kind: 'email_sent',
      idempotencyKey: `email-sent:${target.contact_id}:autumn-1`,
      contactExternalId: target.external_id,
      occurredAt: new Date().toISOString(),
      summary: 'Nurture email sent: "Autumn lettings"',
      details: {},
    };
    await queueWrite(target.contact_id, 'journal_entry', email);
    await agency.services.runSyncCycle(agency.connectionId, 'manual');
    expect(journal()).toHaveLength(before + 1);
    // The POST landed but its answer was lost: Propsync still holds the write as not done.
    await query(
      `update outbound_writes set status = 'pending' where connection_id = ? and idempotency_key = ?`,
      [agency.connectionId, email.idempotencyKey],
    );
    await agency.services.runSyncCycle(agency.connectionId, 'manual');
    await agency.services.runSyncCycle(agency.connectionId, 'manual');
    expect(await writeStatus(email.idempotencyKey)).toBe('done');
    expect(journal()).toHaveLength(before + 1);
    expect(
      journal().filter((entry) => String(entry.description).includes(email.idempotencyKey)),
    ).toHaveLength(1);
  });
});
