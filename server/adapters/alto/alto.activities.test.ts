import { describe, expect, it } from 'vitest';
import type { ActivityPage } from '../../core/ports/crm-adapter.ts';
import type { ProviderHttp } from '../adapter-kit/provider-http.ts';
import { syncAltoActivities } from './alto.activities.ts';

/** Answers each list path with one page of the given items, recording the paths asked for. */
function fakeHttp(lists: Record<string, unknown[]>) {
  const requested: string[] = [];
  const http = {
    request: async (_method: string, path: string) => {
      requested.push(path);
      return { status: 200, headers: {}, body: { meta: { nextToken: null }, items: lists[path] ?? [] } };
    },
  } as unknown as ProviderHttp;
  return { http, requested };
}

describe('Alto activity lists', () => {
  it('reads appointments then offers, logging unreadable records and signalling nothing for cancelled ones', async () => {
    const contacts = (id: string) => [{ id }];
    const { http, requested } = fakeHttp({
      'appointments/all': [
        {
          id: 1,
          type: 'Viewing',
          startDate: '2099-01-01T10:00:00',
          endDate: '2099-01-01T10:30:00',
          createdDate: '2025-06-01T09:00:00Z',
          modifiedDate: '2025-06-01T09:00:00Z',
          status: 'Active',
          contacts: contacts('20000001'),
        },
        {
          id: 2,
          type: 'Viewing',
          modifiedDate: 'yesterday',
          status: 'Active',
          contacts: contacts('20000002'),
        },
        {
          id: 3,
          type: 'Valuation',
          modifiedDate: '2025-06-01T09:00:01Z',
          status: 'CancelledByOwner',
          isCancelled: true,
          contacts: contacts('20000003'),
        },
      ],
      // No status: not an offer Propsync can read.
      'offers/all': [{ id: '7', modifiedDate: '2025-06-02T00:00:00Z' }],
    });
    const pages: ActivityPage[] = [];
    const window = { modifiedFrom: null, modifiedTo: '2025-07-01T00:00:00Z', resumeAfter: null };
    for await (const page of syncAltoActivities(http, window, 50)) pages.push(page);

    expect(requested).toEqual(['appointments/all', 'offers/all']);
    expect(pages.flatMap((page) => page.activities.map((activity) => activity.externalId))).toEqual([
      'appointment:1',
    ]);
    expect(pages.flatMap((page) => page.rejected)).toEqual([
      { externalId: 'appointment:2', reason: expect.stringContaining('modifiedDate') },
      { externalId: 'offer:7', reason: expect.stringContaining('expected shape') },
    ]);
    // The cancelled valuation still moved the position; the offer list, with nothing read, starts the window.
    expect(pages.map((page) => page.checkpoint)).toEqual([
      { modifiedAt: '2025-06-01T09:00:01.000Z', idsAtModifiedAt: ['list:appointment', 'appointment:3'] },
      { modifiedAt: '1970-01-01T00:00:00.000Z', idsAtModifiedAt: ['list:offer'] },
    ]);
  });
});
