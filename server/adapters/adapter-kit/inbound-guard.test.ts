import { describe, expect, it } from 'vitest';
import { capturedLogger } from '../../test-support/captured-logger.ts';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { ContactPage, CrmAdapter, IngestedWebhook, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { guardInbound } from './inbound-guard.ts';

function contact(externalId: string, firstName: string | null): CanonicalContact {
  return {
    title: null,
    firstName,
    lastName: 'Kowalska',
    emails: ['zuzanna@example.com'],
    phones: ['+447700900123'],
    address: null,
    nurtureCategory: 'Buyer',
    marketingConsent: 'not_asked',
    profile: {
      applicantType: 'buyer',
      tenancyStatus: null,
      propertyInterest: null,
      isVendor: false,
      isLandlord: false,
    },
    active: true,
    provenance: { provider: 'custom', externalId, modifiedAt: '2026-12-01T10:00:00.000Z', etag: null },
  };
}

/** An adapter answering fixed pages and one fixed webhook, remembering the windows it was asked for. */
function fakeAdapter(pages: ContactPage[], webhook: Partial<IngestedWebhook> = {}) {
  const windows: SyncWindow[] = [];
  const adapter = {
    provider: 'custom',
    async *syncContacts(window: SyncWindow) {
      windows.push(window);
      yield* pages;
    },
    async verifyConnection() {
      return { accountLabel: ' Harbour\u0000 & Hale\u0007\n', contactCount: 4 };
    },
    async ingestWebhook(): Promise<IngestedWebhook> {
      return {
        deliveryKey: 'delivery-1',
        eventType: 'contact.updated',
        occurredAt: '2026-12-01T10:00:00.000Z',
        contacts: [],
        activities: [],
        contactIdsToFetch: [],
        removedContactIds: [],
        removedActivityIds: [],
        ...webhook,
      };
    },
  } as unknown as CrmAdapter;
  return { adapter, windows };
}

async function collect(pages: AsyncIterable<ContactPage>): Promise<ContactPage[]> {
  const result: ContactPage[] = [];
  for await (const page of pages) result.push(page);
  return result;
}

const WINDOW: SyncWindow = { modifiedFrom: null, modifiedTo: '2026-12-02T00:00:00.000Z', resumeAfter: null };

describe('inbound guard', () => {
  it('keeps the page: cleans a poisoned name, parks a record whose id holds a NUL, and logs the reason without the value', async () => {
    const { logger, output } = capturedLogger();
    const { adapter } = fakeAdapter([
      {
        contacts: [
          contact('con_1', 'Zuzanna\u0000\uD800'),
          contact('con_2\u0000', 'Secret-Name-Of-A-Person'),
          contact('con_3', 'Amir'),
        ],
        rejected: [{ externalId: 'con_4\u0000', reason: 'Custom contact did not match:\u0000 emails' }],
        checkpoint: {
          modifiedAt: '2026-12-01T10:00:00.000Z',
          idsAtModifiedAt: ['con_1', 'con_2\u0000', 'con_3'],
        },
        estimatedTotal: 4,
      },
    ]);
    const [page] = await collect(guardInbound(adapter, logger).syncContacts(WINDOW));
    expect(page!.contacts.map((item) => [item.provenance.externalId, item.firstName])).toEqual([
      ['con_1', 'Zuzanna\uFFFD'],
      ['con_3', 'Amir'],
    ]);
    expect(page!.rejected).toEqual([
      { externalId: 'con_4\\u0000', reason: 'Custom contact did not match: emails' },
      {
        externalId: 'con_2\\u0000',
        reason: "The record's id holds control characters: Propsync cannot store the record",
      },
    ]);
    // The checkpoint stays storable, and resuming from it hands the adapter the id it gave.
    const stored = page!.checkpoint!.idsAtModifiedAt;
    expect(stored.every((id) => !id.includes('\u0000'))).toBe(true);
    const log = output();
    expect(log).toContain('CRM record rejected');
    expect(log).toContain("The record's id holds control characters");
    expect(log).not.toContain('Secret-Name-Of-A-Person');
  });

  it('cleans the account name a CRM reports, like any text crossing into the core', async () => {
    const { adapter } = fakeAdapter([]);
    expect(await guardInbound(adapter, capturedLogger().logger).verifyConnection()).toEqual({
      accountLabel: 'Harbour & Hale',
      contactCount: 4,
    });
  });

  it('hands a resumed cycle the checkpoint ids exactly as the adapter gave them', async () => {
    const { logger } = capturedLogger();
    const first = fakeAdapter([
      {
        contacts: [],
        rejected: [],
        checkpoint: {
          modifiedAt: '2026-12-01T10:00:00.000Z',
          idsAtModifiedAt: ['con_2\u0000', 'con_\uD800'],
        },
        estimatedTotal: null,
      },
    ]);
    const [page] = await collect(guardInbound(first.adapter, logger).syncContacts(WINDOW));
    const resumed = fakeAdapter([]);
    await collect(
      guardInbound(resumed.adapter, logger).syncContacts({ ...WINDOW, resumeAfter: page!.checkpoint }),
    );
    expect(resumed.windows[0]!.resumeAfter!.idsAtModifiedAt).toEqual(['con_2\u0000', 'con_\uD800']);
  });

  it('makes a webhook storable: records rejected with reasons, a usable delivery key, unusable ids left out', async () => {
    const { logger } = capturedLogger();
    const { adapter } = fakeAdapter([], {
      deliveryKey: 'msg\u0000-1',
      eventType: 'contact.updated\u0000',
      contacts: [contact('con_1', 'Ann\u0000e'), contact('\uDC00', 'Bob')],
      activities: [
        {
          type: 'note',
          occurredAt: '2026-12-01T10:00:00.000Z',
          source: 'custom',
          externalId: 'act_1',
          contactExternalId: 'con_1',
          details: { 'body\u0000': 'line one\r\nline two\u0000', nested: { subject: '\uD800x' } },
        },
      ],
      removedContactIds: ['con_9', 'con_9\u0000'],
    });
    const guarded = guardInbound(adapter, logger);
    const ingested = await guarded.ingestWebhook({
      headers: {},
      rawBody: Buffer.from('{}'),
      receivedAt: new Date(),
    });
    const again = await guarded.ingestWebhook({
      headers: {},
      rawBody: Buffer.from('{}'),
      receivedAt: new Date(),
    });
    // Not storable as it is, so its digest: still the same for a redelivery of the same notification.
    expect(ingested.deliveryKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(again.deliveryKey).toBe(ingested.deliveryKey);
    expect(ingested.eventType).toBe('contact.updated');
    expect(ingested.contacts.map((item) => item.firstName)).toEqual(['Anne']);
    expect(ingested.activities[0]!.details).toEqual({
      body: 'line one\nline two',
      nested: { subject: '\uFFFDx' },
    });
    expect(ingested.removedContactIds).toEqual(['con_9']);
    expect(ingested.rejected).toEqual([
      {
        externalId: '\\uDC00',
        reason: "The record's id holds broken Unicode (a lone surrogate): Propsync cannot store the record",
      },
      { externalId: 'con_9\\u0000', reason: 'The id of a removed record holds control characters' },
    ]);
  });
});
