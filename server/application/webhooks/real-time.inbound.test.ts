import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/worker-process.ts';
import { agentos, agentosConnection, baseUrl, linkedContact } from './real-time.fixtures.ts';
import { organisationId, query, reapit, reapitConnection } from './real-time.fixtures.ts';
import { services, startRealTimeServer, stopRealTimeServer } from './real-time.fixtures.ts';

/**
 * Webhooks in real time, inbound: Propsync registers itself with each CRM, applies the changes the
 * simulators deliver, and refuses deliveries that must not count (see real-time.fixtures.ts).
 */

const deliveries = async () =>
  (await query<{ count: number }>(`select count(*)::int as count from webhook_deliveries`))[0]!.count;
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${baseUrl}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
const reapitPath = () => `/webhooks/reapit/${reapitConnection}`;
const agentosPath = () => `/webhooks/agentos/${agentosConnection}`;

async function agentosSecret(): Promise<string> {
  const [row] = await query<{ webhook_secret: unknown }>(
    `select webhook_secret from crm_connections where id = ?`,
    [agentosConnection],
  );
  return services.vault.decrypt<string>(row!.webhook_secret, {
    organisationId,
    connectionId: agentosConnection,
  });
}

function signAgentos(secret: string, body: string, offsetSeconds = 0): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000) + offsetSeconds);
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return { 'x-agentos-timestamp': timestamp, 'x-agentos-signature': `sha256=${signature}` };
}

beforeAll(startRealTimeServer);
afterAll(stopRealTimeServer);

describe('registration', () => {
  it('registers Propsync as a webhook receiver with each CRM when connecting, keeping the secret encrypted', async () => {
    expect(reapit.resthooks().map((hook) => hook.url)).toContain(`${baseUrl}${reapitPath()}`);
    expect(agentos.webhookSubscriptions().map((hook) => hook.Url ?? hook.url)).toContain(
      `${baseUrl}${agentosPath()}`,
    );
    const [row] = await query<{ webhook_secret: unknown; webhook_registration: unknown }>(
      `select webhook_secret, webhook_registration from crm_connections where id = ?`,
      [agentosConnection],
    );
    const secret = await agentosSecret();
    expect(secret.length).toBeGreaterThan(10);
    expect(JSON.stringify(row)).not.toContain(secret);
  });
});

describe('deliveries from the CRMs', () => {
  it('a Reapit contacts.modified delivered by the simulator updates the contact', async () => {
    const target = await linkedContact(reapitConnection);
    reapit.controls.modifyContacts({
      ids: [target.external_id],
      fields: { email: 'realtime.reapit@example.co.uk' },
    });
    await waitFor(
      async () => {
        const [row] = await query<{ emails: string[] }>(`select emails from contacts where id = ?`, [
          target.contact_id,
        ]);
        return row!.emails.includes('realtime.reapit@example.co.uk');
      },
      10_000,
      'the Reapit change to arrive',
    );
    // The delivery's run is closed just after its contacts commit.
    const run = await waitFor(
      async () => {
        const [latest] = await query<{ trigger: string; status: string }>(
          `select trigger, status from sync_runs where connection_id = ? and trigger = 'webhook' order by started_at desc limit 1`,
          [reapitConnection],
        );
        return latest?.status === 'running' ? null : latest;
      },
      10_000,
      'the webhook run to close',
    );
    expect(run).toEqual({ trigger: 'webhook', status: 'succeeded' });
  });

  it("a Reapit contacts.modified keeps the contact's profile and nurture category while applying the change", async () => {
    // A webhook snapshot carries no roles and no applicant's marketingMode: mapping it would wipe both.
    const ids = reapit.contactIds();
    const people = reapit.people();
    // From the end of the list: the tests around this one edit the first contacts.
    const only = (role: 'tenantApplicant' | 'buyerApplicant', not: 'tenantApplicant' | 'buyerApplicant') =>
      ids.findLast(
        (_id, index) => people[index]!.roles.includes(role) && !people[index]!.roles.includes(not),
      )!;
    const targets = [
      { externalId: only('tenantApplicant', 'buyerApplicant'), applicantType: 'tenant' },
      { externalId: only('buyerApplicant', 'tenantApplicant'), applicantType: 'buyer' },
    ];
    type Row = {
      last_name: string;
      profile: { applicantType: string | null };
      nurture_category: string | null;
    };
    const rowOf = async (externalId: string) =>
      (
        await query<Row>(
          `select c.last_name, c.profile, c.nurture_category from contacts c
           join contact_external_ids x on x.contact_id = c.id where x.connection_id = ? and x.external_id = ?`,
          [reapitConnection, externalId],
        )
      )[0]!;
    const before = new Map<string, Row>();
    for (const target of targets) {
      const row = await rowOf(target.externalId);
      expect(row.profile.applicantType).toBe(target.applicantType);
      expect(row.nurture_category).not.toBeNull();
      before.set(target.externalId, row);
    }
    reapit.controls.modifyContacts({
      ids: targets.map((target) => target.externalId),
      fields: { surname: 'Webhook-Renamed' },
    });
    await waitFor(
      async () => {
        for (const target of targets) {
          if ((await rowOf(target.externalId)).last_name !== 'Webhook-Renamed') return false;
        }
        return true;
      },
      10_000,
      'the Reapit renames to arrive',
    );
    await reapit.webhooksIdle();
    await services.whenIdle();
    for (const target of targets) {
      const row = await rowOf(target.externalId);
      expect(row.last_name).toBe('Webhook-Renamed');
      expect(row.profile).toEqual(before.get(target.externalId)!.profile);
      expect(row.nurture_category).toBe(before.get(target.externalId)!.nurture_category);
    }
  });

  it('an agentOS contact.updated signed with the connection secret updates the contact', async () => {
    const target = await linkedContact(agentosConnection);
    agentos.controls.modifyContacts({
      ids: [target.external_id],
      fields: { Surname: 'Realtime-Updated' },
    } as never);
    await waitFor(
      async () => {
        const [row] = await query<{ last_name: string }>(`select last_name from contacts where id = ?`, [
          target.contact_id,
        ]);
        return row!.last_name === 'Realtime-Updated';
      },
      10_000,
      'the agentOS change to arrive',
    );
  });
});

describe('deliveries that must not count', () => {
  it('refuses a bad signature, a stale timestamp, an unknown connection, malformed JSON, a non-JSON type and an oversized body, storing nothing', async () => {
    const before = await deliveries();
    const target = await linkedContact(reapitConnection, 1);
    const good = reapit.signedContactWebhook({ contactId: target.external_id });
    const tampered = good.rawBody.replace(target.external_id, `${target.external_id}X`);
    expect((await post(reapitPath(), tampered, good.headers)).status).toBe(401);
    const noSignature = { ...good.headers };
    for (const name of Object.keys(noSignature)) if (/signature/i.test(name)) delete noSignature[name];
    expect((await post(reapitPath(), good.rawBody, noSignature)).status).toBe(401);
    const stale = reapit.signedContactWebhook({
      contactId: target.external_id,
      timestampOffsetSeconds: -600,
    });
    expect((await post(reapitPath(), stale.rawBody, stale.headers)).status).toBe(401);
    const secret = await agentosSecret();
    const future = '{"Event":"contact.updated"}';
    expect((await post(agentosPath(), future, signAgentos(secret, future, 600))).status).toBe(401);
    expect(
      (await post(`/webhooks/reapit/00000000-0000-4000-8000-000000000000`, good.rawBody, good.headers))
        .status,
    ).toBe(404);
    expect((await post(`/webhooks/agentos/${reapitConnection}`, good.rawBody, good.headers)).status).toBe(
      404,
    );
    expect((await post(`/webhooks/reapit/not-a-uuid`, good.rawBody, good.headers)).status).toBe(404);
    const malformed = '{"Event": "contact.updated", ';
    const malformedAnswer = await post(agentosPath(), malformed, signAgentos(secret, malformed));
    expect(malformedAnswer.status).toBe(400);
    expect(await malformedAnswer.json()).toEqual({
      error: expect.stringMatching(/JSON|body/i),
      code: 'WEBHOOK.MALFORMED',
      requestId: expect.any(String),
    });
    const asText = await fetch(`${baseUrl}${reapitPath()}`, {
      method: 'POST',
      body: good.rawBody,
      headers: { ...good.headers, 'content-type': 'text/plain' },
    });
    expect(asText.status).toBe(415);
    const huge = JSON.stringify({ padding: 'x'.repeat(300 * 1024) });
    expect((await post(agentosPath(), huge, signAgentos(secret, huge))).status).toBe(413);
    expect(await deliveries()).toBe(before);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    for (const reason of [
      'bad_signature',
      'stale_timestamp',
      'unknown_connection',
      'malformed',
      'unsupported_content_type',
      'too_large',
    ]) {
      expect(metrics).toMatch(
        new RegExp(`propsync_webhook_rejections_total\\{provider="\\w+",reason="${reason}"\\} [1-9]`),
      );
    }
  });

  it('stores a duplicated or replayed delivery once, and never lets an older version overwrite a newer one', async () => {
    const target = await linkedContact(reapitConnection, 2);
    reapit.controls.modifyContacts({
      ids: [target.external_id],
      fields: { email: 'older.version@example.co.uk' },
    });
    const older = reapit.signedContactWebhook({ contactId: target.external_id });
    await new Promise((resolve) => setTimeout(resolve, 5));
    reapit.controls.modifyContacts({
      ids: [target.external_id],
      fields: { email: 'newer.version@example.co.uk' },
    });
    const newer = reapit.signedContactWebhook({ contactId: target.external_id });
    await reapit.webhooksIdle();
    await services.whenIdle();
    const before = await deliveries();
    const first = await post(reapitPath(), newer.rawBody, newer.headers);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const again = await post(reapitPath(), newer.rawBody, newer.headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect((await post(reapitPath(), older.rawBody, older.headers)).status).toBe(200);
    await services.whenIdle();
    expect(await deliveries()).toBe(before + 2);
    const [row] = await query<{ emails: string[] }>(`select emails from contacts where id = ?`, [
      target.contact_id,
    ]);
    expect(row!.emails).toContain('newer.version@example.co.uk');
    expect(row!.emails).not.toContain('older.version@example.co.uk');
  });
});
