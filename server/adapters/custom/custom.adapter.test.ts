import { afterEach, describe, expect, it } from 'vitest';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import { DEFAULT_SCORING_POLICY, intentScore } from '../../core/domain/intent-scoring.ts';
import type { ActivityPage, ContactPage, CrmAdapter, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { CUSTOM_API_BASE_PATH, CUSTOM_DEMO_API_KEY } from '../../../simulators/custom/custom-constants.ts';
import { createCustomSimulator } from '../../../simulators/custom/custom-simulator.ts';
import { adapterConnector } from '../../test-support/adapter-connections.ts';
import { receiveWebhooks } from '../../test-support/webhook-receiver.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function connect(options: { fetchImplementation?: typeof fetch; webhookSecret?: string | null } = {}) {
  const simulator = createCustomSimulator({
    contactCount: 60,
    rateLimits: false,
    webhookRetryScale: 0.00001,
  });
  const running = await simulator.listen(0);
  cleanups.push(() => simulator.close());
  const connectTo = adapterConnector(
    options.fetchImplementation ? { fetchImplementation: options.fetchImplementation } : {},
  );
  const adapter = (webhookSecret: string | null = options.webhookSecret ?? null): CrmAdapter =>
    connectTo({
      provider: 'custom',
      credentials: { apiKey: CUSTOM_DEMO_API_KEY },
      settings: { baseUrl: `${running.url}${CUSTOM_API_BASE_PATH}`, pageSize: '20' },
      webhookSecret,
    });
  return { simulator, adapter };
}

async function drain(adapter: CrmAdapter) {
  const pages = [];
  for await (const page of adapter.syncContacts({
    modifiedFrom: null,
    modifiedTo: new Date(Date.now() + 60_000).toISOString(),
    resumeAfter: null,
  })) {
    pages.push(page);
  }
  return pages;
}

function windowUpTo(modifiedFrom: string | null): SyncWindow {
  return { modifiedFrom, modifiedTo: new Date(Date.now() + 60_000).toISOString(), resumeAfter: null };
}

async function pollActivities(adapter: CrmAdapter, window: SyncWindow) {
  const pages: ActivityPage[] = [];
  for await (const page of adapter.syncActivities(window)) pages.push(page);
  return {
    activities: pages.flatMap((page) => page.activities),
    rejected: pages.flatMap((page) => page.rejected),
    pages: pages.length,
  };
}

describe('custom adapter', () => {
  it('writes the engagement score and the hot-lead flag with its timestamp onto the contact record', async () => {
    const { simulator, adapter } = await connect();
    const contactId = simulator.contactIds()[7]!;
    const push = (
      kind: 'engagement_score' | 'hot_lead',
      occurredAt: string,
      details: Record<string, unknown> = {},
    ) =>
      adapter().pushActivity({
        kind,
        idempotencyKey: `${kind}-${occurredAt}`,
        contactExternalId: contactId,
        occurredAt,
        summary: kind,
        details,
      });

    await push('engagement_score', '2025-06-02T10:00:00.000Z', { score: 72 });
    await push('hot_lead', '2025-06-02T10:05:00.000Z');
    expect(simulator.getContact(contactId)).toMatchObject({
      engagement_score: 72,
      engagement_scored_at: '2025-06-02T10:00:00.000Z',
      hot_lead: true,
      hot_lead_at: '2025-06-02T10:05:00.000Z',
    });
    // A late retry of an older score never overwrites the newer one.
    await push('engagement_score', '2025-06-01T10:00:00.000Z', { score: 10 });
    expect(simulator.getContact(contactId)).toMatchObject({ engagement_score: 72 });
    await expect(
      push('engagement_score', '2025-06-03T10:00:00.000Z', { score: 'high' }),
    ).rejects.toMatchObject({ code: 'ADAPTER.VALIDATION' });
  });

  /** A nurture email Propsync writes back, sent at `sentAt`. */
  const emailSent = (contactExternalId: string, idempotencyKey: string, sentAt: Date) => ({
    kind: 'email_sent' as const,
    idempotencyKey,
    contactExternalId,
    occurredAt: sentAt.toISOString(),
    summary: 'Nurture email sent: "Thinking of selling?"',
    details: {},
  });

  it('sends the Idempotency-Key with email write-back, so a retry after a lost answer creates one activity', async () => {
    const { simulator, adapter } = await connect();
    const contactId = simulator.contactIds()[1]!;
    const activity = emailSent(contactId, 'nurture-email-77', new Date());
    simulator.controls.loseNextResponse(1, { method: 'POST' });
    await expect(adapter().pushActivity(activity)).rejects.toMatchObject({ code: 'ADAPTER.NETWORK' });
    const pushed = await adapter().pushActivity(activity);
    const records = simulator.writeBackRecords(contactId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      id: pushed.externalRef,
      type: 'email',
      direction: 'outbound',
      external_id: 'nurture-email-77',
    });
    const log = simulator.requestLog.entries({ method: 'POST', path: '/v1/activities' });
    expect(log).toHaveLength(2);
  });

  it('looks a late retry up before writing, since the CRM keeps an Idempotency-Key only 24 hours', async () => {
    const { simulator, adapter } = await connect();
    const contactId = simulator.contactIds()[2]!;
    const activity = emailSent(contactId, 'nurture-email-late', new Date(Date.now() - 2 * 86_400_000));
    simulator.controls.loseNextResponse(1, { method: 'POST' });
    await expect(adapter().pushActivity(activity)).rejects.toMatchObject({ code: 'ADAPTER.NETWORK' });
    // A day later the CRM has forgotten the key: only the lookup can tell the write landed.
    simulator.clock.advance(25 * 3_600_000);
    const pushed = await adapter().pushActivity(activity);
    const records = simulator.writeBackRecords(contactId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: pushed.externalRef, external_id: 'nurture-email-late' });
    expect(simulator.requestLog.entries({ method: 'POST', path: '/v1/activities' })).toHaveLength(1);

    // Another late email is looked up, not found, and written.
    const another = { ...activity, idempotencyKey: 'nurture-email-late-2' };
    await adapter().pushActivity(another);
    expect(simulator.writeBackRecords(contactId)).toHaveLength(2);
  });

  it('reports a record it cannot map as rejected and keeps paging', async () => {
    // A CRM returning one malformed contact: the page still arrives, with the record in `rejected`.
    const corrupting = corruptingFirstRecord('/contacts?', (record) => (record.emails = 'not a list'));
    const { simulator, adapter } = await connect({ fetchImplementation: corrupting });
    const pages = await drain(adapter());
    const rejected = pages.flatMap((page) => page.rejected);
    expect(rejected).toHaveLength(pages.length);
    expect(rejected[0]).toMatchObject({
      externalId: expect.stringMatching(/^con_/),
      reason: expect.stringContaining('emails'),
    });
    const mapped = pages.flatMap((page) => page.contacts).length;
    expect(mapped + rejected.length).toBe(simulator.contactCount());
  });

  it('ingests real deliveries end to end: registration secret, signature, delivery key per message', async () => {
    const receiver = await receiveWebhooks('/hooks/custom');
    const { received } = receiver;
    cleanups.push(() => receiver.close());
    const { simulator, adapter } = await connect();
    const registration = await adapter().registerWebhooks({ url: receiver.url });
    expect(registration.secret).toMatch(/^whsec_/);
    expect(simulator.webhooks()).toHaveLength(1);

    simulator.controls.setWebhookFaults({ duplicateRate: 1 });
    const [changed] = simulator.controls.modifyContacts({ count: 1, randomChange: true });
    const activityId = simulator.controls.createActivity({ contactId: changed!, type: 'viewing' });
    await simulator.webhooksIdle();
    expect(received).toHaveLength(4);

    const client = adapter(registration.secret);
    const ingested = await Promise.all(received.map((delivery) => client.ingestWebhook(delivery)));
    const contactEvents = ingested.filter((event) => event.eventType === 'contact.updated');
    expect(contactEvents[0]!.contacts.map((contact) => contact.provenance.externalId)).toEqual([changed]);
    // The duplicate copy shares its delivery key, so the core processes it once.
    expect(new Set(ingested.map((event) => event.deliveryKey)).size).toBe(2);
    const viewing = ingested.find((event) => event.eventType === 'activity.created')!;
    expect(viewing.activities).toEqual([
      expect.objectContaining({
        type: 'viewing_booked',
        contactExternalId: changed,
        externalId: `activity:${activityId}`,
      }),
    ]);

    await expect(adapter(null).ingestWebhook(received[0]!)).rejects.toMatchObject({
      code: 'WEBHOOK.BAD_SIGNATURE',
    });
    const late = { ...received[0]!, receivedAt: new Date(Date.now() + 6 * 60_000) };
    await expect(client.ingestWebhook(late)).rejects.toMatchObject({ code: 'WEBHOOK.STALE_TIMESTAMP' });

    simulator.controls.deleteContact(changed!);
    await simulator.webhooksIdle();
    const deleted = await client.ingestWebhook(received.at(-1)!);
    expect(deleted).toMatchObject({ eventType: 'contact.deleted', removedContactIds: [changed] });

    await adapter().unregisterWebhooks(registration);
    expect(simulator.webhooks()).toHaveLength(0);
  });

  it('registering again for the same URL replaces the old subscription', async () => {
    const { simulator, adapter } = await connect();
    const first = await adapter().registerWebhooks({ url: 'http://127.0.0.1:9/hook' });
    const second = await adapter().registerWebhooks({ url: 'http://127.0.0.1:9/hook' });
    expect(simulator.webhooks().map((hook) => hook.id)).toEqual(second.ids);
    expect(second.ids).not.toEqual(first.ids);
  });

  it('maps an activity from its webhooks and from a poll to one id at its latest stage, so the store counts it once', async () => {
    const receiver = await receiveWebhooks('/hooks/custom');
    cleanups.push(() => receiver.close());
    const { simulator, adapter } = await connect();
    const registration = await adapter().registerWebhooks({ url: receiver.url });
    const since = new Date(simulator.clock.now()).toISOString();
    const contactId = simulator.contactIds()[5]!;
    const viewing = simulator.controls.createActivity({ contactId, type: 'viewing' });
    simulator.controls.advanceClock(1_000);
    simulator.controls.setActivityStatus(viewing, 'completed');
    await simulator.webhooksIdle();

    const client = adapter(registration.secret);
    const ingested = await Promise.all(receiver.received.map((delivery) => client.ingestWebhook(delivery)));
    const fromWebhooks = ingested.flatMap((event) => event.activities);
    const fromPoll = (await pollActivities(adapter(), windowUpTo(since))).activities;
    const brief = ({ externalId, type }: CanonicalActivity) => ({ externalId, type });
    expect(fromWebhooks.map(brief)).toEqual([
      { externalId: `activity:${viewing}`, type: 'viewing_booked' },
      { externalId: `activity:${viewing}`, type: 'viewing_completed' },
    ]);
    expect(fromPoll.map(brief)).toEqual([{ externalId: `activity:${viewing}`, type: 'viewing_completed' }]);
    expect(fromPoll[0]).toEqual(fromWebhooks[1]);
  });

  it("polls only the activity types that signal, never Propsync's own emails, with the delta filter", async () => {
    const { simulator, adapter } = await connect();
    const contactId = simulator.contactIds()[2]!;
    const since = new Date(simulator.clock.now()).toISOString();
    await adapter().pushActivity({
      kind: 'email_sent',
      idempotencyKey: 'nurture-email-poll',
      contactExternalId: contactId,
      occurredAt: since,
      summary: 'Nurture email sent',
      details: {},
    });
    const offer = simulator.controls.createActivity({ contactId, type: 'offer' });
    simulator.requestLog.clear();
    const { activities } = await pollActivities(adapter(), windowUpTo(since));
    expect(activities.map((activity) => activity.externalId)).toEqual([`activity:${offer}`]);
    const requests = simulator.requestLog.entries({ method: 'GET', path: '/v1/activities' });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.query).toMatchObject({
      updated_since: since,
      type: ['viewing', 'valuation', 'offer', 'call', 'note'],
    });
  });

  it('reports an activity it cannot read as rejected and keeps paging', async () => {
    const corrupting = corruptingFirstRecord('/activities?', (record) => (record.occurred_at = 'yesterday'));
    const { adapter } = await connect({ fetchImplementation: corrupting });
    const { rejected, pages, activities } = await pollActivities(adapter(), windowUpTo(null));
    expect(pages).toBeGreaterThan(1);
    expect(rejected).toHaveLength(pages);
    expect(rejected[0]).toMatchObject({
      externalId: expect.stringMatching(/^activity:act_/),
      reason: expect.stringContaining('occurred_at'),
    });
    expect(activities.length).toBeGreaterThan(0);
  });

  it('refuses a next_cursor it handed out before in the same read, instead of reading the same pages for ever', async () => {
    // A CRM whose cursor points back at a page already read: every page would say "more follows".
    const looping = rewritingPages('/contacts?', (page) => ({ ...page, has_more: true, next_cursor: 'c1' }));
    const { adapter } = await connect({ fetchImplementation: looping.fetch });
    const pages: ContactPage[] = [];
    await expect(
      (async () => {
        for await (const page of adapter().syncContacts(windowUpTo(null))) pages.push(page);
      })(),
    ).rejects.toMatchObject({
      code: 'ADAPTER.BAD_RESPONSE',
      message: expect.stringContaining('already given'),
    });
    // The pages read before the loop was seen are handed out (and kept by the cycle); the loop costs one request.
    expect(pages).toHaveLength(2);
    expect(looping.requests()).toBe(2);
  });

  it('refuses "has_more" without a next_cursor, instead of ending the read and silently missing the rest', async () => {
    const cursorless = rewritingPages('/activities?', (page) => ({
      ...page,
      has_more: true,
      next_cursor: null,
    }));
    const { adapter } = await connect({ fetchImplementation: cursorless.fetch });
    await expect(pollActivities(adapter(), windowUpTo(null))).rejects.toMatchObject({
      code: 'ADAPTER.BAD_RESPONSE',
      message: expect.stringContaining('gave no cursor'),
    });
    expect(cursorless.requests()).toBe(1);
  });

  it('finds at least one hot lead in the seeded activities of a fresh CRM', async () => {
    const { adapter } = await connect();
    const { activities } = await pollActivities(adapter(), windowUpTo(null));
    const byContact = Map.groupBy(activities, (activity) => activity.contactExternalId);
    const now = new Date(Date.now() + 86_400_000);
    const scores = [...byContact.values()].map((signals) => intentScore(signals, now));
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(DEFAULT_SCORING_POLICY.hotLeadThreshold);
  });
});

/** A fetch that spoils the first record of every page it answers from `path` (the rest pass untouched). */
function corruptingFirstRecord(path: string, spoil: (record: Record<string, unknown>) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).includes(path)) return response;
    const page = (await response.json()) as { data: Array<Record<string, unknown>> };
    if (page.data[0]) spoil(page.data[0]);
    return new Response(JSON.stringify(page), { status: response.status, headers: response.headers });
  };
}

/**
 * A fetch that rewrites every page it answers from `path` with `rewrite`; a request naming a cursor
 * is sent without it (the rewritten cursors mean nothing to the simulator). Gives up after 10
 * requests, so a reader that never stops fails instead of hanging.
 */
function rewritingPages(
  path: string,
  rewrite: (page: Record<string, unknown>) => Record<string, unknown>,
): { fetch: typeof fetch; requests: () => number } {
  let requests = 0;
  return {
    requests: () => requests,
    fetch: async (input, init) => {
      if (!String(input).includes(path)) return fetch(input, init);
      if (++requests > 10) throw new Error(`read ${path} more than 10 times`);
      const url = new URL(String(input));
      url.searchParams.delete('cursor');
      const response = await fetch(url, init);
      const page = (await response.json()) as Record<string, unknown>;
      return new Response(JSON.stringify(rewrite(page)), {
        status: response.status,
        headers: response.headers,
      });
    },
  };
}
