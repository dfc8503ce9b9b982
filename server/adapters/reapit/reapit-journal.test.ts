import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundActivity } from '../../core/ports/crm-adapter.ts';
import { adapterConnector } from '../../test-support/adapter-connections.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type RunningReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';

describe('Reapit email write-back looks for its earlier write', () => {
  let simulator: ReapitSimulator;
  let running: RunningReapitSimulator;
  beforeAll(async () => {
    simulator = createReapitSimulator({ seed: 52, contactCount: 10, rateLimits: false });
    running = await simulator.listen(0);
  });
  afterAll(async () => simulator?.close());

  const connect = (fetchImplementation?: typeof fetch) =>
    adapterConnector({
      hostConfig: reapitOperatorConfig(running),
      ...(fetchImplementation ? { fetchImplementation } : {}),
    })({
      provider: 'reapit',
      credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
      settings: { customerId: REAPIT_DEMO_CLIENT.customerId, pageSize: 50 },
    });
  const email = (contactExternalId: string, key: string): OutboundActivity => ({
    kind: 'email_sent',
    idempotencyKey: key,
    contactExternalId,
    occurredAt: new Date().toISOString(),
    summary: 'Nurture email sent',
    details: {},
  });

  it('refuses a journal that answers every page number with the first page, instead of reading it for ever', async () => {
    const contactId = simulator.contactIds()[3]!;
    await connect().pushActivity(email(contactId, 'journal-1'));
    // Reapit ignoring pageNumber while saying a thousand pages follow.
    let journalReads = 0;
    const firstPageOnly: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (!url.pathname.endsWith('/journalEntries') || (init?.method ?? 'GET') !== 'GET')
        return fetch(input, init);
      if (++journalReads > 10) throw new Error('read the journal more than 10 times');
      url.searchParams.delete('pageNumber');
      const page = (await (await fetch(url, init)).json()) as { _embedded: unknown[] };
      // A full page (a short one would end the read by itself), the same one for every page number.
      const full = Array.from(
        { length: 100 },
        (_, index) => page._embedded[index] ?? { description: 'other' },
      );
      return Response.json({
        ...page,
        _embedded: full,
        totalPageCount: 1000,
        _links: { next: { href: url.pathname } },
      });
    };
    await expect(connect(firstPageOnly).pushActivity(email(contactId, 'journal-2'))).rejects.toMatchObject({
      code: 'ADAPTER.BAD_RESPONSE',
      message: expect.stringContaining("Reapit's journal entries list answered page 2"),
    });
    expect(journalReads).toBe(2);
  });
});
