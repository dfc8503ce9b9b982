import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningHarness } from '../../../../simulators/toolkit/contract-harness.ts';
import { mergeOperatorConfig } from '../../../../simulators/toolkit/operator-config.ts';
import { findCrm } from '../../../test-support/crms.ts';
import { useConnectedAgency } from '../../../test-support/connected-agency.ts';
import { receiveWebhooks, type WebhookReceiver } from '../../../test-support/webhook-receiver.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';
import { readFeed, readFeedUntilItHolds } from './contact-feed.fixtures.ts';

const SECRET = 'whsec_' + Buffer.from('contact-feed-host-secret-0123456789').toString('base64');

let harness: RunningHarness;
let host: WebhookReceiver;
const agency = useConnectedAgency(async () => {
  host = await receiveWebhooks('/hooks');
  harness = await findCrm('custom')!.simulator.start({ contactCount: 300, rateLimits: false, seed: 17 });
  return {
    name: 'Feed Reading Lettings',
    provider: 'custom',
    connection: harness.connection,
    env: mergeOperatorConfig(harness.operatorConfig, { PROPSYNC_EGRESS_ALLOW: 'localhost' }),
    hostWebhook: { url: host.url.replace('127.0.0.1', 'localhost'), secret: SECRET },
    closeAfter: [harness, host],
  };
});

const feed = () =>
  appRouter.createCaller(
    createContextInner(agency.services, { organisationId: agency.organisationId, role: 'admin' }),
  ).contacts;

const contactIdsOfAgency = async () =>
  (
    await agency.sql.rows(
      z.object({ id: z.string() }),
      `select id from contacts where organisation_id = ? order by id`,
      [agency.organisationId],
    )
  ).map((row) => row.id);

/** The contacts a cycle updated (an edit that leaves the mapped data as it was only refreshes the link). */
async function updatedBy(cycle: unknown): Promise<Set<string>> {
  const runId = (cycle as { runId?: string }).runId ?? '';
  const rows = await agency.sql.rows(
    z.object({ internal_id: z.string() }),
    `select internal_id from crm_sync_log where sync_run_id = ? and status = 'updated'`,
    [runId],
  );
  return new Set(rows.map((row) => row.internal_id));
}

/** Cycles until one changes nothing: our own write-backs come back once as CRM changes. */
async function settle(): Promise<void> {
  for (let round = 0; round < 4; round++) {
    const cycle = await agency.services.runSyncCycle(agency.connectionId, 'manual');
    if (cycle.status === 'succeeded' && cycle.updated === 0 && cycle.created === 0) return;
  }
}

describe('contacts.list, the host feed', () => {
  it('announces the first import once, with a cursor that reads every contact of the agency', async () => {
    const announced = await agency.sql.rows(
      z.object({
        payload: z.object({
          connectionId: z.string(),
          counts: z.object({ written: z.number() }),
          feedCursor: z.string(),
        }),
      }),
      `select payload from host_events where organisation_id = ? and type = 'connection.initial_import_completed'`,
      [agency.organisationId],
    );
    expect(announced).toHaveLength(1);
    expect(announced[0]!.payload).toMatchObject({
      connectionId: agency.connectionId,
      counts: { written: harness.listableContactCount() },
    });
    const all = await contactIdsOfAgency();
    const { contacts } = await readFeedUntilItHolds(
      feed,
      { cursor: announced[0]!.payload.feedCursor },
      100,
      new Set(all),
    );
    expect(contacts.map((contact) => contact.id).sort()).toEqual(all);
    // Every contact is linked to this connection's records only; a person the CRM holds twice
    // (planted duplicates) is one contact with two links, and the feed's order decides who is first.
    for (const contact of contacts) {
      expect(contact.links.length).toBeGreaterThan(0);
      for (const link of contact.links)
        expect(link).toEqual(
          expect.objectContaining({ provider: 'custom', connectionId: agency.connectionId, active: true }),
        );
    }
    // Contact events were not sent one by one for the import.
    const perContact = await agency.sql.first(
      z.object({ n: z.number() }),
      `select count(*)::int as n from host_events where organisation_id = ? and type like 'contact.%' and type <> 'contact.hot_lead'`,
      [agency.organisationId],
    );
    expect(perContact!.n).toBe(0);
  });

  it('gives each contact exactly once while a sync writes, then carries on with what changed', async () => {
    await settle();
    const before = await contactIdsOfAgency();
    let edited: string[] = [];
    let syncing: Promise<unknown> | null = null;
    // After the first page, the CRM changes 80 contacts and a cycle writes them while the host reads on.
    const { contacts, cursor } = await readFeed(feed, {}, 20, async () => {
      if (syncing) return;
      edited = harness.modifyContacts(80);
      syncing = agency.services.runSyncCycle(agency.connectionId, 'manual');
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    const cycle = await syncing;
    expect(cycle).toMatchObject({ status: 'succeeded' });
    const updated = await updatedBy(cycle);
    expect(updated.size).toBeGreaterThan(20);
    expect(edited).toHaveLength(80);
    const ids = contacts.map((contact) => contact.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(before);
    // Incremental from where the full read ended: the contacts the cycle changed (those it had not yet reached come again).
    const changes = await readFeedUntilItHolds(feed, { cursor }, 50, updated);
    expect(new Set(changes.contacts.map((contact) => contact.id))).toEqual(updated);
    // Caught up: nothing more until something changes.
    expect((await feed().list({ cursor: changes.cursor })).contacts).toEqual([]);
  }, 60_000);

  it('answers exactly the contacts changed since a time', async () => {
    await settle();
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    harness.modifyContacts(7);
    const cycle = await agency.services.runSyncCycle(agency.connectionId, 'manual');
    expect(cycle).toMatchObject({ status: 'succeeded' });
    const updated = await updatedBy(cycle);
    expect(updated.size).toBeGreaterThan(0);
    const { contacts } = await readFeedUntilItHolds(feed, { changedSince: since }, 3, updated);
    expect(new Set(contacts.map((contact) => contact.id))).toEqual(updated);
  }, 60_000);

  it('refuses a cursor it did not give out, clearly', async () => {
    await expect(feed().list({ cursor: 'not-a-cursor' })).rejects.toThrow(/not one this feed gave out/);
    await expect(feed().list({ limit: 5_000 })).rejects.toThrow();
    // A hand-made cursor past xid8's range is refused the same way, never as a database error.
    const crafted = Buffer.from(
      JSON.stringify({
        mode: 'changes',
        afterXid: '99999999999999999999',
        afterId: '00000000-0000-0000-0000-000000000000',
        since: null,
      }),
    ).toString('base64url');
    await expect(feed().list({ cursor: crafted })).rejects.toThrow(/not one this feed gave out/);
  });
});
