import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanonicalActivitySchema } from '../../shared/activity.ts';
import { CanonicalContactSchema, type CanonicalContact } from '../../shared/contact.ts';
import { PropsyncError } from '../core/errors.ts';
import type { CrmAdapter, PageCheckpoint, SyncWindow } from '../core/ports/crm-adapter.ts';
import type { RunningHarness } from '../../simulators/toolkit/contract-harness.ts';
import { adapterConnector, type ConnectAdapter } from '../test-support/adapter-connections.ts';
import { CRMS } from '../test-support/crms.ts';

const CONTACTS = 120;
const PAGE_SIZE = '25';

/**
 * One contract, every adapter: each provider's adapter passes it against its own simulator.
 * Every CRM in the registry joins with the simulator its folder registers.
 */
describe.each(CRMS.map((crm) => [crm.adapter.info.id, crm] as const))(
  '%s adapter contract',
  (_provider, { adapter: definition, simulator: harness }) => {
    let running: RunningHarness;
    let connectTo: ConnectAdapter;

    beforeAll(async () => {
      running = await harness.start({ contactCount: CONTACTS, tokenLifetimeSeconds: 60, rateLimits: false });
      // The simulator's hosts come from operator configuration, as the real CRM's would.
      connectTo = adapterConnector({ hostConfig: running.operatorConfig });
    });
    afterAll(async () => running?.close());

    const adapter = (
      options: { credentials?: Record<string, string>; webhookSecret?: string | null } = {},
    ): CrmAdapter =>
      connectTo({
        provider: harness.provider,
        credentials: options.credentials ?? running.connection.credentials,
        settings: { ...running.connection.settings, pageSize: PAGE_SIZE },
        webhookSecret: options.webhookSecret ?? null,
      });

    it('verifies good credentials, and refuses bad ones as a permanent failure', async () => {
      await expect(adapter().verifyConnection()).resolves.toBeDefined();
      const refused = await adapter({ credentials: running.invalidCredentials })
        .verifyConnection()
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PropsyncError);
      expect(refused).toMatchObject({ code: 'ADAPTER.AUTH_INVALID', transient: false });
    });

    it('lists every contact across several pages, mapped to valid canonical contacts', async () => {
      const { contacts, pages, rejected } = await collect(adapter(), fullWindow());
      expect(pages).toBeGreaterThan(1);
      expect(rejected).toEqual([]);
      expect(new Set(contacts.map((contact) => contact.provenance.externalId))).toEqual(
        new Set(running.listableContactIds()),
      );
      expect(contacts).toHaveLength(running.listableContactCount());
      for (const contact of contacts) {
        expect(() => CanonicalContactSchema.parse(contact)).not.toThrow();
        expect(contact.provenance.provider).toBe(harness.provider);
      }
      // Mapping keeps what agents typed, normalised: most people have an email and an E.164 phone.
      expect(contacts.filter((contact) => contact.emails.length > 0).length).toBeGreaterThan(
        contacts.length * 0.8,
      );
      expect(contacts.filter((contact) => contact.phones.length > 0).length).toBeGreaterThan(
        contacts.length * 0.8,
      );
      expect(contacts.some((contact) => contact.nurtureCategory !== 'Unknown')).toBe(true);
    });

    it('lists only records changed since the cursor, with the delta filter on every request', async () => {
      const since = new Date(Date.now() - 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const changed = running.modifyContacts(5);
      running.clearRequests();
      const { contacts } = await collect(adapter(), {
        modifiedFrom: since.toISOString(),
        modifiedTo: new Date(Date.now() + 60_000).toISOString(),
        resumeAfter: null,
      });
      expect(new Set(contacts.map((contact) => contact.provenance.externalId))).toEqual(new Set(changed));
      const listRequests = running.requests().filter((request) => running.isContactListRequest(request));
      expect(listRequests.length).toBeGreaterThan(0);
      for (const request of listRequests) expect(running.isDeltaListRequest(request)).toBe(true);
    });

    it('resumes from a page checkpoint without repeating or skipping records', async () => {
      const window = fullWindow();
      const firstPages: CanonicalContact[] = [];
      let checkpoint: PageCheckpoint | null = null;
      let pagesRead = 0;
      for await (const page of adapter().syncContacts(window)) {
        firstPages.push(...page.contacts);
        checkpoint = page.checkpoint;
        if (++pagesRead === 2) break;
      }
      expect(checkpoint).not.toBeNull();
      const resumed = await collect(adapter(), { ...window, resumeAfter: checkpoint });
      const firstIds = new Set(firstPages.map((contact) => contact.provenance.externalId));
      const resumedIds = resumed.contacts.map((contact) => contact.provenance.externalId);
      expect(resumedIds.filter((id) => firstIds.has(id))).toEqual([]);
      expect(new Set([...firstIds, ...resumedIds])).toEqual(new Set(running.listableContactIds()));
    });

    it('re-authenticates transparently when tokens expire', async () => {
      const client = adapter();
      await client.verifyConnection();
      running.expireTokens();
      await expect(client.verifyConnection()).resolves.toBeDefined();
    });

    it('writes the same email activity once, however often it is pushed', async () => {
      const [contactId] = running.listableContactIds();
      const before = running.writeBackRecords(contactId!).length;
      const activity = {
        kind: 'email_sent' as const,
        idempotencyKey: `contract-${harness.provider}-email-1`,
        contactExternalId: contactId!,
        occurredAt: new Date().toISOString(),
        summary: 'Nurture email sent: "Thinking of selling this spring?"',
        details: { campaign: 'spring-sellers' },
      };
      const client = adapter();
      await client.pushActivity(activity);
      await client.pushActivity(activity);
      await adapter().pushActivity(activity);
      expect(running.writeBackRecords(contactId!).length).toBe(before + 1);
    });

    it('pushes contact changes, honouring concurrency tokens where the CRM has them', async () => {
      const client = adapter();
      const { contacts } = await collect(client, fullWindow());
      const target = contacts[3]!;
      const first = await client.pushContact({
        externalId: target.provenance.externalId,
        etag: target.provenance.etag,
        fields: { title: 'Dr' },
      });
      expect(first).toBeDefined();
      if (definition.info.capabilities.etags) {
        expect(target.provenance.etag).not.toBeNull();
        const stale = await client
          .pushContact({
            externalId: target.provenance.externalId,
            etag: target.provenance.etag,
            fields: { title: 'Prof' },
          })
          .catch((error: unknown) => error);
        expect(stale).toMatchObject({ code: 'ADAPTER.PRECONDITION_FAILED' });
      }
      const after = await collect(client, fullWindow());
      const updated = after.contacts.find(
        (contact) => contact.provenance.externalId === target.provenance.externalId,
      );
      expect(updated?.title).toBe('Dr');
    });

    it('accepts a correctly signed webhook and rejects a tampered or stale one', async () => {
      const registration = await adapter().registerWebhooks({
        url: 'http://127.0.0.1:9/propsync-contract-hook',
      });
      expect(registration.ids.length).toBeGreaterThan(0);
      const client = adapter({ webhookSecret: registration.secret });
      const [contactId] = running.listableContactIds();
      const good = running.signedWebhook({ contactExternalId: contactId!, secret: registration.secret });
      const ingested = await client.ingestWebhook({
        headers: good.headers,
        rawBody: good.rawBody,
        receivedAt: new Date(),
      });
      expect(ingested.deliveryKey.length).toBeGreaterThan(0);
      expect([
        ...ingested.contacts.map((contact) => contact.provenance.externalId),
        ...ingested.contactIdsToFetch,
      ]).toContain(contactId);

      const tampered = Buffer.from(good.rawBody.toString('utf8').replace(contactId!, `${contactId}0`));
      await expect(
        client.ingestWebhook({ headers: good.headers, rawBody: tampered, receivedAt: new Date() }),
      ).rejects.toMatchObject({
        code: 'WEBHOOK.BAD_SIGNATURE',
      });
      const stale = running.signedWebhook({
        contactExternalId: contactId!,
        secret: registration.secret,
        timestampOffsetSeconds: -600,
      });
      await expect(
        client.ingestWebhook({ headers: stale.headers, rawBody: stale.rawBody, receivedAt: new Date() }),
      ).rejects.toMatchObject({
        code: 'WEBHOOK.STALE_TIMESTAMP',
      });
      await adapter().unregisterWebhooks(registration);
    });

    it('classifies 429 as transient and revoked credentials as permanent', async () => {
      running.failNext(1, 429);
      await expect(adapter().verifyConnection()).rejects.toMatchObject({
        code: 'ADAPTER.RATE_LIMITED',
        transient: true,
      });
      running.failNext(1, 503);
      await expect(adapter().verifyConnection()).rejects.toMatchObject({
        code: 'ADAPTER.PROVIDER_UNAVAILABLE',
        transient: true,
      });
      running.revokeCredentials();
      try {
        await expect(adapter().verifyConnection()).rejects.toMatchObject({
          code: 'ADAPTER.AUTH_INVALID',
          transient: false,
        });
      } finally {
        running.restoreCredentials();
      }
    });

    describe('activities by polling', () => {
      // What the CRM's public API lists by change; the rest can only come by webhook (docs/crms/<crm>.md).
      const polled = new Set(definition.info.capabilities.activities.polledTypes);
      const HARNESS_TYPES = [
        'viewing_booked',
        'viewing_completed',
        'valuation_booked',
        'offer_submitted',
      ] as const;
      const pollable = HARNESS_TYPES.filter((type) => polled.has(type));
      const since = (): SyncWindow => ({
        modifiedFrom: new Date(Date.now() - 1_000).toISOString(),
        modifiedTo: new Date(Date.now() + 60_000).toISOString(),
        resumeAfter: null,
      });

      it('brings booked and completed viewings, valuations and offers, each mapped to a valid activity', async () => {
        const window = since();
        const contactId = running.listableContactIds()[3]!;
        expect(pollable.length).toBeGreaterThan(0);
        const created = pollable.map((type) => ({
          type,
          id: running.createActivity!({ contactExternalId: contactId, type }),
        }));
        const { activities, rejected } = await collectActivities(adapter(), window);
        expect(rejected).toEqual([]);
        for (const { type, id } of created) {
          expect(activities.filter((activity) => activity.externalId === id)).toEqual([
            expect.objectContaining({ type, contactExternalId: contactId, source: harness.provider }),
          ]);
        }
        for (const activity of activities)
          expect(() => CanonicalActivitySchema.parse(activity)).not.toThrow();
      });

      it('reads a progress update as the same activity at its new stage: one signal, not two', async () => {
        const contactId = running.listableContactIds()[4]!;
        const progressions = (
          [
            ['offer_submitted', 'offer_progressed'],
            ['viewing_booked', 'viewing_completed'],
          ] as const
        ).filter(([from, to]) => polled.has(from) && polled.has(to));
        if (progressions.length === 0) {
          // None of what this CRM's API lists by change has a later stage (Alto: valuations by creation):
          // progress arrives by webhook, and the capability says so for the card.
          expect(definition.info.capabilities.activities.webhooks).toBe(true);
          expect(definition.info.capabilities.activities.kinds).toMatch(/webhook/);
          return;
        }
        const created = progressions.map(([from, to]) => ({
          id: running.createActivity!({ contactExternalId: contactId, type: from }),
          to,
        }));
        await new Promise((resolve) => setTimeout(resolve, 20));
        const window = since();
        for (const { id } of created) running.progressActivity!(id);
        const { activities } = await collectActivities(adapter(), window);
        for (const { id, to } of created) {
          expect(activities.filter((activity) => activity.externalId === id)).toEqual([
            expect.objectContaining({ type: to }),
          ]);
        }
      });

      it('pages every activity with checkpoints that resume without repeating or skipping', async () => {
        const contactIds = running.listableContactIds();
        for (let index = 0; index < 30; index++) {
          running.createActivity!({
            contactExternalId: contactIds[index % contactIds.length]!,
            type: pollable[0]!,
          });
        }
        const window = fullWindow();
        const all = await collectActivities(adapter(), window);
        expect(all.pages).toBeGreaterThan(1);
        const allIds = all.activities.map((activity) => activity.externalId);
        expect(new Set(allIds).size).toBe(allIds.length);
        const firstPage: string[] = [];
        let checkpoint: PageCheckpoint | null = null;
        for await (const page of adapter().syncActivities(window)) {
          firstPage.push(...page.activities.map((activity) => activity.externalId));
          checkpoint = page.checkpoint;
          break;
        }
        expect(checkpoint).not.toBeNull();
        const resumed = await collectActivities(adapter(), { ...window, resumeAfter: checkpoint });
        const resumedIds = resumed.activities.map((activity) => activity.externalId);
        expect(resumedIds.filter((id) => firstPage.includes(id))).toEqual([]);
        expect(new Set([...firstPage, ...resumedIds])).toEqual(new Set(allIds));
      });
    });
  },
);

/** Every page of a read, counted, with what the pages rejected. */
async function collectPages<Page extends { rejected: unknown[] }>(read: AsyncIterable<Page>) {
  const all: Page[] = [];
  for await (const page of read) all.push(page);
  return { all, rejected: all.flatMap((page) => page.rejected), pages: all.length };
}

async function collectActivities(adapter: CrmAdapter, window: SyncWindow) {
  const { all, rejected, pages } = await collectPages(adapter.syncActivities(window));
  return { activities: all.flatMap((page) => page.activities), rejected, pages };
}

function fullWindow(): SyncWindow {
  return { modifiedFrom: null, modifiedTo: new Date(Date.now() + 60_000).toISOString(), resumeAfter: null };
}

async function collect(adapter: CrmAdapter, window: SyncWindow) {
  const { all, rejected, pages } = await collectPages(adapter.syncContacts(window));
  return { contacts: all.flatMap((page) => page.contacts), rejected, pages };
}
