import { describe, expect, it } from 'vitest';
import type { ActivityPage, SyncWindow } from '../../core/ports/crm-adapter.ts';
import type { ProviderHttp } from '../adapter-kit/provider-http.ts';
import { syncAltoActivities } from './alto.activities.ts';

type Request = { path: string; query: Record<string, unknown>; acceptStatuses?: number[] };

/** Answers every request with `answer`, recording what was asked for. */
function fakeHttp(answer: (request: Request) => { status: number; body?: unknown }) {
  const requests: Request[] = [];
  const http = {
    request: async (_method: string, path: string, options: Omit<Request, 'path'>) => {
      const request = { path, ...options };
      requests.push(request);
      const { status, body } = answer(request);
      // As ProviderHttp does: a failure status throws unless the caller accepts it.
      if (status >= 400 && !options.acceptStatuses?.includes(status)) throw new Error(`HTTP ${status}`);
      return { status, headers: {}, body };
    },
  } as unknown as ProviderHttp;
  return { http, requests };
}

const page = (items: unknown[]) => ({ status: 200, body: { meta: { nextToken: null }, items } });

async function read(http: ProviderHttp, window: SyncWindow): Promise<ActivityPage[]> {
  const pages: ActivityPage[] = [];
  for await (const listed of syncAltoActivities(http, window, 50)) pages.push(listed);
  return pages;
}

const valuation = (id: number, createdDate: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'Valuation',
  startDate: '2099-01-01T10:00:00',
  endDate: '2099-01-01T11:00:00',
  createdDate,
  modifiedDate: createdDate,
  status: 'Active',
  contacts: [{ id: `2000000${id}` }],
  ...extra,
});

describe('Alto activity polling (valuations by creation)', () => {
  it('asks only the documented valuations list, by creation over the window, and maps each valuation once', async () => {
    const { http, requests } = fakeHttp(() =>
      page([
        valuation(1, '2025-06-01T09:00:00Z'),
        {
          id: 2,
          type: 'Valuation',
          createdDate: 'yesterday',
          status: 'Active',
          contacts: [{ id: '20000002' }],
        },
        valuation(3, '2025-06-01T09:00:01Z', { status: 'CancelledByOwner', isCancelled: true }),
      ]),
    );
    const window = {
      modifiedFrom: '2025-06-01T00:00:00.000Z',
      modifiedTo: '2025-06-02T00:00:00Z',
      resumeAfter: null,
    };
    const pages = await read(http, window);

    expect(requests).toEqual([
      expect.objectContaining({
        path: 'appointments/valuations',
        query: expect.objectContaining({
          'created-from': '2025-06-01T00:00:00.000Z',
          'created-to': '2025-06-02T00:00:00Z',
        }),
      }),
    ]);
    expect(pages.flatMap((listed) => listed.activities)).toEqual([
      expect.objectContaining({
        externalId: 'appointment:1',
        type: 'valuation_booked',
        contactExternalId: '20000001',
      }),
      expect.objectContaining({ externalId: 'appointment:3', type: 'valuation_booked', withdrawn: true }),
    ]);
    expect(pages.flatMap((listed) => listed.rejected)).toEqual([
      { externalId: 'appointment:2', reason: expect.stringContaining('createdDate') },
    ]);
    // The cancelled valuation is a withdrawal, and moves the position.
    expect(pages.at(-1)?.checkpoint).toEqual({
      modifiedAt: '2025-06-01T09:00:01.000Z',
      idsAtModifiedAt: ['appointment:3'],
    });
  });

  it('looks back 90 days on a full import, and resumes from a checkpoint skipping the ids read at it', async () => {
    const { http, requests } = fakeHttp(() =>
      page([valuation(1, '2025-06-01T09:00:00Z'), valuation(2, '2025-06-01T09:00:00Z')]),
    );
    const full = await read(http, {
      modifiedFrom: null,
      modifiedTo: '2025-07-01T00:00:00.000Z',
      resumeAfter: null,
    });
    expect(requests[0]?.query['created-from']).toBe('2025-04-02T00:00:00.000Z');
    expect(full.flatMap((listed) => listed.activities)).toHaveLength(2);

    const resumeAfter = { modifiedAt: '2025-06-01T09:00:00.000Z', idsAtModifiedAt: ['appointment:1'] };
    const resumed = await read(http, {
      modifiedFrom: null,
      modifiedTo: '2025-07-01T00:00:00.000Z',
      resumeAfter,
    });
    expect(requests[1]?.query['created-from']).toBe('2025-06-01T09:00:00.000Z');
    expect(resumed.flatMap((listed) => listed.activities.map((activity) => activity.externalId))).toEqual([
      'appointment:2',
    ]);
  });

  it.each([403, 404])(
    'records a %i refusal of the valuations list in the sync log without failing the cycle',
    async (status) => {
      const { http, requests } = fakeHttp(() => ({ status, body: { title: 'Invalid scope or AgencyRef' } }));
      const window = {
        modifiedFrom: '2025-06-01T00:00:00.000Z',
        modifiedTo: '2025-06-02T00:00:00Z',
        resumeAfter: null,
      };
      const pages = await read(http, window);
      expect(requests).toHaveLength(1);
      expect(pages).toEqual([
        {
          activities: [],
          rejected: [
            {
              externalId: null,
              reason: expect.stringMatching(new RegExp(`valuations list \\(${status}\\).*webhooks`)),
            },
          ],
          checkpoint: { modifiedAt: '2025-06-01T00:00:00.000Z', idsAtModifiedAt: [] },
        },
      ]);
    },
  );

  it('still fails the cycle on a status that is not a refusal (the core retries it)', async () => {
    const { http } = fakeHttp(() => ({ status: 500 }));
    const window = {
      modifiedFrom: '2025-06-01T00:00:00.000Z',
      modifiedTo: '2025-06-02T00:00:00Z',
      resumeAfter: null,
    };
    await expect(read(http, window)).rejects.toThrow('HTTP 500');
  });

  it('refuses a next-token Alto handed out before in the same read, instead of reading the same page for ever', async () => {
    const { http, requests } = fakeHttp(() => {
      // A reader that never stops fails here instead of hanging the test.
      if (requests.length > 10) throw new Error('read the valuations list more than 10 times');
      return {
        status: 200,
        body: { meta: { nextToken: 'page-2' }, items: [valuation(1, '2025-06-01T09:00:00Z')] },
      };
    });
    const window = {
      modifiedFrom: '2025-06-01T00:00:00.000Z',
      modifiedTo: '2025-06-02T00:00:00Z',
      resumeAfter: null,
    };
    const pages: ActivityPage[] = [];
    await expect(
      (async () => {
        for await (const listed of syncAltoActivities(http, window, 50)) pages.push(listed);
      })(),
    ).rejects.toMatchObject({ code: 'ADAPTER.BAD_RESPONSE', message: expect.stringContaining('valuations') });
    expect(requests).toHaveLength(2);
    expect(pages.flatMap((listed) => listed.activities)).toHaveLength(1);
  });
});
