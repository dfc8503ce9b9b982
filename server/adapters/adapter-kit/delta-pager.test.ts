import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PageCheckpoint } from '../../core/ports/crm-adapter.ts';
import {
  DeltaPosition,
  pageByModifiedTime,
  type DeltaPageRequest,
  type DeltaPagerOptions,
  type FetchedPage,
} from './delta-pager.ts';

type Row = { id: string; ms: number };
type Mode = 'page-on' | 'isolate';

const BASE_MS = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * A CRM listing rows oldest first (ties in id order), filtered by an inclusive start, paged by
 * number up to the window's end (inclusive); `onlyAtModifiedFrom` narrows it to one instant.
 */
function listing(rows: Row[], pageSize: number, requests: DeltaPageRequest[] = [], windowEndMs = Infinity) {
  return async (request: DeltaPageRequest): Promise<FetchedPage<Row>> => {
    requests.push(request);
    const fromMs = request.modifiedFrom === null ? -Infinity : Date.parse(request.modifiedFrom);
    const matching = rows
      .filter((row) => row.ms >= fromMs && row.ms <= windowEndMs)
      .filter((row) => !request.onlyAtModifiedFrom || row.ms === fromMs)
      .sort((a, b) => a.ms - b.ms || a.id.localeCompare(b.id));
    const start = request.pageIndex * pageSize;
    return {
      records: matching.slice(start, start + pageSize),
      isLast: start + pageSize >= matching.length,
      total: matching.length,
    };
  };
}

function options(
  rows: Row[],
  pageSize: number,
  mode: Mode,
  resumeAfter: PageCheckpoint | null = null,
  modifiedFrom: string | null = null,
): DeltaPagerOptions<Row> {
  return {
    window: { modifiedFrom, resumeAfter },
    pageSize,
    fetchPage: listing(rows, pageSize),
    keyOf: (row) => ({ id: row.id, modifiedMs: row.ms }),
    crowdedInstant: mode,
  };
}

/** Every page's ids and the checkpoint stored with it. */
async function read(
  pager: DeltaPagerOptions<Row>,
): Promise<Array<{ ids: string[]; checkpoint: PageCheckpoint | null }>> {
  const pages = [];
  for await (const page of pageByModifiedTime(pager)) {
    pages.push({ ids: page.records.map(({ record }) => record.id), checkpoint: page.checkpoint });
  }
  return pages;
}

/** Rows with few distinct instants, so many share one across page boundaries. */
const rowsArbitrary = fc
  .uniqueArray(
    fc.record({ id: fc.stringMatching(/^[a-z]{1,3}$/), instant: fc.integer({ min: 0, max: 4 }) }),
    {
      selector: (row) => row.id,
      maxLength: 30,
    },
  )
  .map((rows) => rows.map(({ id, instant }) => ({ id, ms: BASE_MS + instant * 1000 })));

describe('pageByModifiedTime', () => {
  for (const mode of ['page-on', 'isolate'] as const) {
    it(`hands out every record exactly once, ties across page boundaries included (${mode})`, async () => {
      await fc.assert(
        fc.asyncProperty(rowsArbitrary, fc.integer({ min: 1, max: 4 }), async (rows, pageSize) => {
          const pages = await read(options(rows, pageSize, mode));
          const expected = [...rows]
            .sort((a, b) => a.ms - b.ms || a.id.localeCompare(b.id))
            .map((row) => row.id);
          expect(pages.flatMap((page) => page.ids)).toEqual(expected);
        }),
      );
    });

    it(`resumed from any page's checkpoint, hands out exactly the remainder (${mode})`, async () => {
      await fc.assert(
        fc.asyncProperty(rowsArbitrary, fc.integer({ min: 1, max: 4 }), async (rows, pageSize) => {
          const pages = await read(options(rows, pageSize, mode));
          for (const [index, page] of pages.entries()) {
            if (page.checkpoint === null) continue;
            const resumed = await read(options(rows, pageSize, mode, page.checkpoint));
            const remainder = pages.slice(index + 1).flatMap((later) => later.ids);
            expect(resumed.flatMap((later) => later.ids)).toEqual(remainder);
          }
        }),
      );
    });
  }

  it('misses no record left unedited when others are edited out of the window mid-read (isolate)', async () => {
    await fc.assert(
      fc.asyncProperty(
        rowsArbitrary,
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ request: fc.nat(20), row: fc.nat(29) }), { maxLength: 6 }),
        async (initial, pageSize, edits) => {
          const rows = initial.map((row) => ({ ...row }));
          const edited = new Set<string>();
          const windowEndMs = BASE_MS + 10_000;
          let requestCount = 0;
          const fetch = listing(rows, pageSize, [], windowEndMs);
          const pager: DeltaPagerOptions<Row> = {
            ...options(rows, pageSize, 'isolate'),
            async fetchPage(request) {
              // An edit moves a record past the window's end: out of this read, into the next one.
              for (const edit of edits.filter((candidate) => candidate.request === requestCount)) {
                const row = rows[edit.row % Math.max(1, rows.length)];
                if (row) {
                  row.ms = windowEndMs + 1;
                  edited.add(row.id);
                }
              }
              requestCount++;
              return fetch(request);
            },
          };
          const ids = (await read(pager)).flatMap((page) => page.ids);
          expect(new Set(ids).size).toBe(ids.length);
          const unedited = initial.filter((row) => !edited.has(row.id)).map((row) => row.id);
          expect(ids).toEqual(expect.arrayContaining(unedited));
        },
      ),
    );
  });

  it('steps through a crowded instant by page, then restarts from the next instant at page 0 (page-on)', async () => {
    const rows = [
      ...['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, ms: BASE_MS })),
      { id: 'f', ms: BASE_MS + 5 },
    ];
    const requests: DeltaPageRequest[] = [];
    const pager = {
      ...options(rows, 2, 'page-on', null, new Date(BASE_MS).toISOString()),
      fetchPage: listing(rows, 2, requests),
    };
    const pages = await read(pager);
    expect(pages.map((page) => page.ids)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    expect(requests.map((request) => request.pageIndex)).toEqual([0, 1, 2]);
    expect(pages[1]!.checkpoint).toEqual({
      modifiedAt: new Date(BASE_MS).toISOString(),
      idsAtModifiedAt: ['a', 'b', 'c', 'd'],
    });
    expect(pages[2]!.checkpoint).toEqual({
      modifiedAt: new Date(BASE_MS + 5).toISOString(),
      idsAtModifiedAt: ['f'],
    });
  });

  it('isolates a crowded instant, goes back when the group shrank, then goes on a millisecond later', async () => {
    const rows = [
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, ms: BASE_MS })),
      { id: 'g', ms: BASE_MS + 9 },
    ];
    const requests: DeltaPageRequest[] = [];
    const fetch = listing(rows, 2, requests);
    const pager: DeltaPagerOptions<Row> = {
      ...options(rows, 2, 'isolate', null, new Date(BASE_MS).toISOString()),
      async fetchPage(request) {
        // Between the group's second and third requests, b and c are edited out of the window.
        if (request.onlyAtModifiedFrom && request.pageIndex === 2 && rows.some((row) => row.id === 'b'))
          rows.splice(1, 2);
        return fetch(request);
      },
    };
    const pages = await read(pager);
    expect(pages.flatMap((page) => page.ids)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(requests.map((request) => [request.onlyAtModifiedFrom, request.pageIndex])).toEqual([
      [false, 0],
      [true, 0],
      [true, 1],
      [true, 2],
      [true, 1],
      [false, 0],
    ]);
    expect(requests.at(-1)!.modifiedFrom).toBe(new Date(BASE_MS + 1).toISOString());
  });

  it('hands out records without a readable key and pages past a page of them', async () => {
    const rows: Array<Row | { id: null }> = [{ id: null }, { id: null }, { id: 'a', ms: BASE_MS }];
    const pages = [];
    for await (const page of pageByModifiedTime<Row | { id: null }>({
      window: { modifiedFrom: new Date(BASE_MS).toISOString(), resumeAfter: null },
      pageSize: 2,
      fetchPage: async ({ pageIndex }) => ({
        records: rows.slice(pageIndex * 2, pageIndex * 2 + 2),
        isLast: pageIndex * 2 + 2 >= rows.length,
        total: 3,
      }),
      keyOf: (row) => (row.id === null ? null : { id: row.id, modifiedMs: (row as Row).ms }),
    })) {
      pages.push(page);
    }
    expect(pages.map((page) => page.records.map(({ key }) => key?.id ?? null))).toEqual([
      [null, null],
      ['a'],
    ]);
    expect(pages.map((page) => page.total)).toEqual([3, 3]);
    expect(pages[1]!.checkpoint).toEqual({
      modifiedAt: new Date(BASE_MS).toISOString(),
      idsAtModifiedAt: ['a'],
    });
  });

  it('refuses a listing that is newest first, instead of moving past the older records it has not read', async () => {
    const rows = Array.from({ length: 10 }, (_, index) => ({ id: `r${index}`, ms: BASE_MS + index * 1000 }));
    const newestFirst = async (request: DeltaPageRequest): Promise<FetchedPage<Row>> => {
      const fromMs = request.modifiedFrom === null ? -Infinity : Date.parse(request.modifiedFrom);
      const matching = rows.filter((row) => row.ms >= fromMs).sort((a, b) => b.ms - a.ms);
      const start = request.pageIndex * 4;
      return { records: matching.slice(start, start + 4), isLast: start + 4 >= matching.length, total: null };
    };
    const pages: string[][] = [];
    const pager = {
      ...options(rows, 4, 'page-on'),
      fetchPage: newestFirst,
      listing: "Reapit's contact list",
    };
    await expect(
      (async () => {
        for await (const page of pageByModifiedTime(pager))
          pages.push(page.records.map(({ record }) => record.id));
      })(),
    ).rejects.toMatchObject({
      code: 'ADAPTER.BAD_RESPONSE',
      message: expect.stringContaining("Reapit's contact list is not ordered oldest change first"),
    });
    expect(pages).toEqual([]);
  });

  for (const mode of ['page-on', 'isolate'] as const) {
    it(`refuses a CRM that ignores the page number, instead of stepping through the same page for ever (${mode})`, async () => {
      // More than a page of records at one instant: the pager steps by page number through it.
      const rows = Array.from({ length: 6 }, (_, index) => ({ id: `r${index}`, ms: BASE_MS }));
      const requests: DeltaPageRequest[] = [];
      const pageOne = async (request: DeltaPageRequest): Promise<FetchedPage<Row>> => {
        requests.push(request);
        if (requests.length > 20) throw new Error('asked for more than 20 pages');
        return { records: rows.slice(0, 3), isLast: false, total: rows.length };
      };
      await expect(read({ ...options(rows, 3, mode), fetchPage: pageOne })).rejects.toMatchObject({
        code: 'ADAPTER.BAD_RESPONSE',
        message: expect.stringContaining('ignores the page number'),
      });
      expect(requests.length).toBeLessThanOrEqual(4);
    });
  }

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const pages = pageByModifiedTime({ ...options([], 2, 'page-on'), signal: controller.signal });
    await expect(pages.next()).rejects.toThrow();
  });
});

describe('DeltaPosition', () => {
  it('starts at the checkpoint when resuming, else at the window start, and refuses an invalid time', () => {
    const checkpoint = { modifiedAt: '2026-01-02T00:00:00.000Z', idsAtModifiedAt: ['x'] };
    const resumed = DeltaPosition.start({
      modifiedFrom: '2026-01-01T00:00:00.000Z',
      resumeAfter: checkpoint,
    });
    expect(resumed.checkpoint()).toEqual(checkpoint);
    expect(resumed.handedOut({ id: 'x', modifiedMs: Date.parse(checkpoint.modifiedAt) })).toBe(true);
    expect(resumed.handedOut({ id: 'x', modifiedMs: Date.parse(checkpoint.modifiedAt) + 1 })).toBe(false);
    expect(DeltaPosition.start({ modifiedFrom: null, resumeAfter: null }).checkpoint()).toBeNull();
    expect(() => DeltaPosition.start({ modifiedFrom: 'yesterday', resumeAfter: null })).toThrow(
      expect.objectContaining({ code: 'ADAPTER.VALIDATION' }),
    );
  });

  it('collects the ids of one instant and starts again at the next', () => {
    const position = DeltaPosition.start({ modifiedFrom: null, resumeAfter: null });
    position.advance({ id: 'a', modifiedMs: BASE_MS });
    position.advance({ id: 'b', modifiedMs: BASE_MS });
    expect(position.checkpoint()?.idsAtModifiedAt).toEqual(['a', 'b']);
    position.advance({ id: 'c', modifiedMs: BASE_MS + 1 });
    expect(position.checkpoint()).toEqual({
      modifiedAt: new Date(BASE_MS + 1).toISOString(),
      idsAtModifiedAt: ['c'],
    });
  });
});
