import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppState } from '../../entry/http/app.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY } from '../../../simulators/agentos/agentos-constants.ts';
import {
  createAgentosSimulator,
  type AgentosSimulator,
} from '../../../simulators/agentos/agentos-simulator.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import { agentosOperatorConfig } from '../../../simulators/agentos/agentos.harness.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type RunningReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';
import type { RunningServer } from '../../../simulators/toolkit/app-listener.ts';
import { mergeOperatorConfig } from '../../../simulators/toolkit/operator-config.ts';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { waitFor } from '../../test-support/worker-process.ts';
import { createContextInner } from '../../entry/trpc/context.ts';
import { appRouter } from '../../entry/trpc/routers/_app.ts';

let reapit: ReapitSimulator;
let reapitServer: RunningReapitSimulator;
let agentos: AgentosSimulator;
let agentosServer: RunningServer;
let services: TestServices;
let server: Server;
let baseUrl: string;
let organisationId: string;
let reapitConnection: string;
let agentosConnection: string;
const state: AppState = { services: null };

beforeAll(async () => {
  // Propsync's HTTP server first, so the CRMs can be told where to deliver.
  server = createApp(state).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  reapit = createReapitSimulator({ seed: 21, contactCount: 60, rateLimits: false, webhookRetryScale: 0.001 });
  reapitServer = await reapit.listen(0);
  agentos = createAgentosSimulator({
    seed: 21,
    contactCount: 40,
    rateLimits: false,
    webhookRetryScale: 0.001,
  });
  agentosServer = await agentos.listen(0);
  services = await createTestServices({
    env: {
      ...mergeOperatorConfig(
        reapitOperatorConfig(reapitServer),
        agentosOperatorConfig(agentosServer.url),
        // The host application's receiver, started by a test below on a free port.
        { PROPSYNC_EGRESS_ALLOW: 'localhost' },
      ),
      PROPSYNC_PUBLIC_URL: baseUrl,
    },
  });
  state.services = services;
  organisationId = await createOrganisation(services, 'Real Time Lettings');
  reapitConnection = (
    await services.connections.connect(organisationId, 'reapit', {
      credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
      settings: { customerId: REAPIT_DEMO_CLIENT.customerId },
    })
  ).id;
  agentosConnection = (
    await services.connections.connect(organisationId, 'agentos', {
      credentials: { apiKey: AGENTOS_DEMO_KEY.apiKey },
      settings: {
        shortName: AGENTOS_DEMO_KEY.shortName,
        tier: AGENTOS_DEFAULT_TIER,
      },
    })
  ).id;
  await services.whenIdle();
});
afterAll(async () => {
  server?.close();
  await services?.destroy();
  await reapit?.close();
  await agentos?.close();
});

const query = <T>(sql: string, params: unknown[] = []) => services.orm.em.fork().execute<T[]>(sql, params);
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

async function linkedContact(connectionId: string, offset = 0) {
  const [row] = await query<{ contact_id: string; external_id: string }>(
    `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id limit 1 offset ?`,
    [connectionId, offset],
  );
  return row!;
}

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

describe('engagement and hot leads', () => {
  it('a viewing completed then an offer makes a hot lead: flag and time on the CRM record, an alert, written once', async () => {
    const links = await query<{ contact_id: string; external_id: string }>(
      `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id`,
      [reapitConnection],
    );
    // An offer needs a buying applicant: the first contact the simulator accepts one for.
    let target: { contact_id: string; external_id: string } | null = null;
    for (const link of links) {
      try {
        reapit.controls.createOffer({ contactId: link.external_id, amount: 1 });
        target = link;
        break;
      } catch {
        continue;
      }
    }
    expect(target).not.toBeNull();
    await reapit.webhooksIdle();
    await services.whenIdle();
    // The test's own offer probe was a real offer: start the story from a clean slate for this contact.
    await query(`delete from activities where contact_id = ?`, [target!.contact_id]);
    await query(`update contacts set intent_score = 0, hot_lead_at = null where id = ?`, [
      target!.contact_id,
    ]);
    await query(`delete from alerts where contact_id = ?`, [target!.contact_id]);
    await query(`delete from outbound_writes where contact_id = ?`, [target!.contact_id]);

    reapit.controls.createAppointment({
      contactId: target!.external_id,
      typeId: 'VW',
      start: Date.now() - 2 * 3_600_000,
      durationMinutes: 30,
    });
    await reapit.webhooksIdle();
    await services.whenIdle();
    const [afterViewing] = await query<{ intent_score: string; hot_lead_at: Date | null }>(
      `select intent_score, hot_lead_at from contacts where id = ?`,
      [target!.contact_id],
    );
    expect(Number(afterViewing!.intent_score)).toBeGreaterThan(0);
    expect(afterViewing!.hot_lead_at).toBeNull();

    reapit.controls.createOffer({ contactId: target!.external_id, amount: 350_000 });
    await reapit.webhooksIdle();
    await waitFor(
      async () => {
        await services.whenIdle();
        const metadata = (reapit.getContact(target!.external_id)?.metadata ?? {}) as Record<string, unknown>;
        return metadata.propsyncHotLead === true;
      },
      15_000,
      'the hot-lead flag to reach Reapit',
    );
    const metadata = reapit.getContact(target!.external_id)!.metadata as Record<string, unknown>;
    expect(typeof metadata.propsyncHotLeadAt).toBe('string');
    const alerts = await query<{ kind: string }>(
      `select kind from alerts where contact_id = ? and kind = 'hot_lead'`,
      [target!.contact_id],
    );
    expect(alerts).toHaveLength(1);

    // The same events again (a CRM redelivering): nothing new is written anywhere.
    const patches = () =>
      reapit.requestLog
        .entries()
        .filter((entry) => entry.method === 'PATCH' && entry.path.includes(target!.external_id)).length;
    const patchesBefore = patches();
    const activitiesBefore = (
      await query<{ count: number }>(`select count(*)::int as count from activities where contact_id = ?`, [
        target!.contact_id,
      ])
    )[0]!.count;
    await services.engagement.recordSignals(organisationId, [
      {
        contactId: target!.contact_id,
        connectionId: reapitConnection,
        type: 'offer_submitted',
        source: 'reapit',
        externalId: (
          await query<{ external_id: string }>(
            `select external_id from activities where contact_id = ? and type = 'offer_submitted'`,
            [target!.contact_id],
          )
        )[0]!.external_id,
        occurredAt: new Date().toISOString(),
        details: {},
      },
    ]);
    await services.runSyncCycle(reapitConnection, 'manual');
    await services.whenIdle();
    expect(patches()).toBe(patchesBefore);
    const activitiesAfter = (
      await query<{ count: number }>(`select count(*)::int as count from activities where contact_id = ?`, [
        target!.contact_id,
      ])
    )[0]!.count;
    expect(activitiesAfter).toBe(activitiesBefore);
    expect(
      await query(`select kind from alerts where contact_id = ? and kind = 'hot_lead'`, [target!.contact_id]),
    ).toHaveLength(1);
  });

  it('an email the host reports appears once as a log entry in each CRM holding the contact', async () => {
    const target = await linkedContact(reapitConnection, 7);
    const host = appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' }));
    const journal = () =>
      reapit.journalEntries().filter((entry) => entry.associatedId === target.external_id);
    const before = journal().length;
    const report = {
      contactId: target.contact_id,
      event: 'sent' as const,
      messageId: 'msg-2026-11-23-001',
      subject: 'Your home, this spring',
    };
    await expect(host.engagement.reportEmail(report)).resolves.toMatchObject({ recorded: true });
    await expect(host.engagement.reportEmail(report)).resolves.toMatchObject({ recorded: false });
    await services.whenIdle();
    await services.runSyncCycle(reapitConnection, 'manual');
    const entries = journal();
    expect(entries).toHaveLength(before + 1);
    expect(String(entries.at(-1)!.description)).toContain('Your home, this spring');
    const contact = await host.engagement.contact({ contactId: target.contact_id });
    expect(contact.externalIds).toContainEqual(
      expect.objectContaining({ provider: 'reapit', externalId: target.external_id }),
    );
    const viewer = appRouter.createCaller(createContextInner(services, { organisationId, role: 'viewer' }));
    await expect(viewer.engagement.reportEmail(report)).rejects.toThrow(/admin/);
  });
});

describe('events for the host application', () => {
  it('sends signed contact changes to the host, retrying with backoff until the host accepts', async () => {
    const { Webhook } = await import('standardwebhooks');
    const { createServer } = await import('node:http');
    const { randomBytes } = await import('node:crypto');
    const received: Array<{ headers: Record<string, string>; body: string; answered: number }> = [];
    let refuseNext = 1;
    const host = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const answered = refuseNext-- > 0 ? 500 : 204;
        received.push({ headers: request.headers as Record<string, string>, body, answered });
        response.writeHead(answered).end();
      });
    });
    // Under the name the test's egress allowance lists (both sides resolve it alike).
    await new Promise<void>((resolve) => host.listen(0, 'localhost', resolve));
    try {
      const address = host.address();
      const hostUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}/propsync-events`;
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const admin = appRouter.createCaller(createContextInner(services, { organisationId, role: 'admin' }));
      const viewer = appRouter.createCaller(createContextInner(services, { organisationId, role: 'viewer' }));
      await expect(viewer.hostWebhooks.configure({ url: hostUrl, secret })).rejects.toThrow(/admin/);
      await expect(admin.hostWebhooks.configure({ url: hostUrl, secret: 'not-a-secret' })).rejects.toThrow(
        /whsec_/,
      );
      await admin.hostWebhooks.configure({ url: hostUrl, secret });
      const settings = await viewer.hostWebhooks.get();
      expect(settings).toEqual({ url: hostUrl, configured: true });
      expect(JSON.stringify(settings)).not.toContain(secret.slice(6));

      const target = await linkedContact(reapitConnection, 9);
      reapit.controls.modifyContacts({
        ids: [target.external_id],
        fields: { email: 'host.event@example.co.uk' },
      });
      // Other changes may reach the host too (echoes of earlier write-backs): follow our contact's event.
      const ours = (delivery: (typeof received)[number]) => delivery.body.includes(target.contact_id);
      const accepted = await waitFor(
        async () => received.find((delivery) => delivery.answered === 204 && ours(delivery)) ?? null,
        30_000,
        'the host to accept the contact change',
      );
      const event = new Webhook(secret).verify(accepted.body, accepted.headers) as {
        type: string;
        data: { contactId: string };
      };
      expect(event).toMatchObject({ type: 'contact.updated', data: { contactId: target.contact_id } });
      expect(() =>
        new Webhook(secret).verify(
          accepted.body.replace('contact.updated', 'contact.deleted'),
          accepted.headers,
        ),
      ).toThrow();
      // The first delivery was refused; its retry is the same message (same id), signed again, and accepted.
      const refused = received.find((delivery) => delivery.answered === 500)!;
      const retried = await waitFor(
        async () =>
          received.find(
            (delivery) =>
              delivery.answered === 204 && delivery.headers['webhook-id'] === refused.headers['webhook-id'],
          ) ?? null,
        30_000,
        'the refused event to be retried',
      );
      expect(retried.body).toBe(refused.body);
      // The host answered before the dispatcher recorded it: wait for the record.
      const row = await waitFor(
        async () => {
          const [current] = await query<{ status: string; attempts: number }>(
            `select status, attempts from host_events where id = ?`,
            [refused.headers['webhook-id']],
          );
          return current?.status === 'delivered' ? current : null;
        },
        10_000,
        'the retried event to be recorded as delivered',
      );
      expect(row).toEqual({ status: 'delivered', attempts: 2 });
    } finally {
      host.close();
      await appRouter
        .createCaller(createContextInner(services, { organisationId, role: 'admin' }))
        .hostWebhooks.remove();
    }
  });
});
