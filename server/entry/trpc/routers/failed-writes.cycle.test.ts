import { describe, expect, it } from 'vitest';
import { reapitOperatorConfig } from '../../../../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator } from '../../../../simulators/reapit/reapit-simulator.ts';
import { reapitDemoConnection } from '../../../test-support/demo-connections.ts';
import { useConnectedAgency } from '../../../test-support/connected-agency.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';

/**
 * The whole path of a write Reapit refuses for good (a 422 on the contact's PATCH): the sync
 * cycle stops retrying it at once, an alert says so, and the read API lists it.
 */

const reapit = createReapitSimulator({ seed: 43, contactCount: 10, rateLimits: false });
const agency = useConnectedAgency(async () => ({
  name: 'Refused Writes Estates',
  provider: 'reapit',
  connection: reapitDemoConnection(),
  env: reapitOperatorConfig(await reapit.listen(0)),
  closeAfter: [reapit],
}));

const query = <T>(sql: string, params: unknown[] = []) =>
  agency.services.orm.em.fork().execute<T[]>(sql, params);

describe('a write Reapit refuses for good, through the sync cycle', () => {
  it('is not retried by later cycles, raises an alert, and is listed by failedWrites.list', async () => {
    const [target] = await query<{ contact_id: string; external_id: string }>(
      `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id limit 1`,
      [agency.connectionId],
    );
    const key = `engagement-score:${target!.contact_id}:64`;
    await query(
      `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
       values (?, ?, ?, 'metadata', ?, ?::jsonb)`,
      [
        agency.organisationId,
        agency.connectionId,
        target!.contact_id,
        key,
        JSON.stringify({
          kind: 'engagement_score',
          idempotencyKey: key,
          contactExternalId: target!.external_id,
          occurredAt: new Date().toISOString(),
          summary: 'Propsync engagement score 64',
          details: { score: 64 },
        }),
      ],
    );
    // The host has a webhook (its address is never called here): it hears of the refusal once.
    await query(`update organisations set host_webhook_url = 'https://host.example/hooks' where id = ?`, [
      agency.organisationId,
    ]);
    // Reapit refuses the PATCH as invalid, once: a retry would succeed, so any retry would show.
    reapit.faults.failNext(1, 422, { method: 'PATCH', pathPrefix: `/contacts/${target!.external_id}` });
    await agency.services.runSyncCycle(agency.connectionId, 'manual');
    const status = async () =>
      (
        await query<{ status: string }>(`select status from outbound_writes where idempotency_key = ?`, [key])
      )[0]!.status;
    expect(await status()).toBe('refused');
    const told = await query<{ payload: Record<string, unknown> }>(
      `select payload from host_events where organisation_id = ? and type = 'writeback.failed'`,
      [agency.organisationId],
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.payload).toMatchObject({
      connectionId: agency.connectionId,
      contactId: target!.contact_id,
      provider: 'reapit',
    });

    // Later cycles, however late, leave it alone.
    await query(
      `update outbound_writes set next_attempt_at = now() - interval '1 day' where idempotency_key = ?`,
      [key],
    );
    await agency.services.runSyncCycle(agency.connectionId, 'manual');
    await agency.services.runSyncCycle(agency.connectionId, 'manual');
    expect(await status()).toBe('refused');
    expect(reapit.getContact(target!.external_id)!.metadata ?? {}).not.toHaveProperty(
      'propsyncEngagementScore',
    );

    const alerts = await query<{ message: string; contact_id: string }>(
      `select message, contact_id from alerts where organisation_id = ? and kind = 'write_refused' and resolved_at is null`,
      [agency.organisationId],
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.contact_id).toBe(target!.contact_id);
    expect(alerts[0]!.message).toContain('engagement score "Propsync engagement score 64"');
    expect(alerts[0]!.message).toContain(target!.external_id);

    const api = appRouter.createCaller(
      createContextInner(agency.services, { organisationId: agency.organisationId, role: 'admin' }),
    );
    const listed = await api.failedWrites.list({});
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      connectionId: agency.connectionId,
      contactId: target!.contact_id,
      contactExternalId: target!.external_id,
      kind: 'metadata',
      statusCode: 422,
    });
  });
});
