import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/worker-process.ts';
import { createContextInner } from '../../entry/trpc/context.ts';
import { appRouter } from '../../entry/trpc/routers/_app.ts';
import { linkedContact, organisationId, query, reapit, reapitConnection } from './real-time.fixtures.ts';
import { services, startRealTimeServer, stopRealTimeServer } from './real-time.fixtures.ts';

/**
 * Webhooks in real time, outbound: engagement makes hot leads written back to the CRM, reported
 * emails become CRM log entries, and contact changes reach the host application as signed events
 * (see real-time.fixtures.ts).
 */

beforeAll(startRealTimeServer);
afterAll(stopRealTimeServer);

describe('engagement and hot leads', () => {
  // The agentOS write budget (50 requests a minute) is spent by the import's own write-backs: later writes wait their turn.
  it(
    'a viewing completed then an offer makes a hot lead: flag and time on the CRM record, an alert, written once',
    { timeout: 120_000 },
    async () => {
      const links = await query<{ contact_id: string; external_id: string }>(
        `select contact_id, external_id from contact_external_ids where connection_id = ? and active order by external_id`,
        [reapitConnection],
      );
      // An offer needs a buying applicant: the first contact the simulator accepts one for.
      let target: { contact_id: string; external_id: string } | null = null;
      for (const link of links) {
        try {
          const probe = reapit.controls.createOffer({ contactId: link.external_id, amount: 1 });
          // Withdrawn at once, so the delta sync (which reads offers too) does not bring it back.
          reapit.controls.updateOffer({ id: probe, status: 'withdrawn' });
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
          const metadata = (reapit.getContact(target!.external_id)?.metadata ?? {}) as Record<
            string,
            unknown
          >;
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
        await query(`select kind from alerts where contact_id = ? and kind = 'hot_lead'`, [
          target!.contact_id,
        ]),
      ).toHaveLength(1);
    },
  );

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
