import { PropsyncError } from '../../core/errors.ts';
import type { PageCheckpoint } from '../../core/ports/crm-adapter.ts';

/** A record's place in a listing ordered by modification time: its id and that time (ms). */
export type DeltaKey = { id: string; modifiedMs: number };

/**
 * Where a read ordered by modification time stands: the last modification time handed out and the
 * ids handed out at that instant. Its checkpoint (the stored `PageCheckpoint`) resumes a read: ask
 * again from that time, inclusive, and skip those ids, so nothing is skipped nor repeated even when
 * many records share the instant.
 */
export class DeltaPosition {
  #ms: number | null;
  #ids: Set<string>;

  private constructor(ms: number | null, ids: Iterable<string>) {
    this.#ms = ms;
    this.#ids = new Set(ids);
  }

  /** The position a window starts at: its checkpoint when resuming, else its start (null: a full import). */
  static start(window: { modifiedFrom: string | null; resumeAfter: PageCheckpoint | null }): DeltaPosition {
    const from = window.resumeAfter?.modifiedAt ?? window.modifiedFrom;
    const ms = from === null ? null : Date.parse(from);
    if (ms !== null && Number.isNaN(ms))
      throw new PropsyncError('ADAPTER.VALIDATION', 'The sync window starts at an invalid time');
    return new DeltaPosition(ms, window.resumeAfter?.idsAtModifiedAt ?? []);
  }

  get modifiedMs(): number | null {
    return this.#ms;
  }

  /** The position's time as the ISO text CRMs take in their delta filters. */
  get modifiedAt(): string | null {
    return this.#ms === null ? null : new Date(this.#ms).toISOString();
  }

  /** Whether this record was handed out already: at the position's instant and among its ids. */
  handedOut(key: DeltaKey): boolean {
    return key.modifiedMs === this.#ms && this.#ids.has(key.id);
  }

  /** Records `key` as handed out. Records come oldest first, so another instant starts a new set. */
  advance(key: DeltaKey): void {
    if (key.modifiedMs === this.#ms) {
      this.#ids.add(key.id);
      return;
    }
    this.#ms = key.modifiedMs;
    this.#ids = new Set([key.id]);
  }

  /** Moves just past the current instant, every record at it having been handed out. */
  passInstant(): void {
    if (this.#ms === null) return;
    this.#ms += 1;
    this.#ids = new Set();
  }

  checkpoint(): PageCheckpoint | null {
    return this.#ms === null ? null : { modifiedAt: this.modifiedAt!, idsAtModifiedAt: [...this.#ids] };
  }
}

/** One request of a delta read. */
export type DeltaPageRequest = {
  /** Records modified at or after this time (inclusive); null from the beginning. */
  modifiedFrom: string | null;
  /** Which page (from 0) of the records from `modifiedFrom` on, `pageSize` a page. */
  pageIndex: number;
  /** Only records modified exactly at `modifiedFrom` (the `isolate` way through a crowded instant). */
  onlyAtModifiedFrom: boolean;
};

export type FetchedPage<R> = {
  /** Oldest modification first. */
  records: R[];
  /** No page follows this one. */
  isLast: boolean;
  /** The CRM's count of records matching the request, when it says. */
  total?: number | null;
};

export type DeltaPage<R> = {
  /** The page's records not handed out before, in listing order; `key` null where it is unreadable. */
  records: Array<{ record: R; key: DeltaKey | null }>;
  /** Where the read stands after this page. */
  checkpoint: PageCheckpoint | null;
  /** The CRM's count for the read's first request, when it says (progress estimates). */
  total: number | null;
};

export type DeltaPagerOptions<R> = {
  window: { modifiedFrom: string | null; resumeAfter: PageCheckpoint | null };
  pageSize: number;
  fetchPage(request: DeltaPageRequest): Promise<FetchedPage<R>>;
  /** The record's key, or null when it has no readable id or time (handed out, never skipped). */
  keyOf(record: R): DeltaKey | null;
  /**
   * How to get through more than a page of records sharing one instant. `page-on` (the default):
   * the next page of the same open-ended request; a record edited out of that instant meanwhile
   * shifts an unread one onto a page already read. `isolate`: request just that instant page by
   * page, going back when the group shrank, then go on a millisecond later; it needs an inclusive
   * upper bound and a total from the CRM.
   */
  crowdedInstant?: 'page-on' | 'isolate';
  /** The list in errors, e.g. "Reapit's contact list"; by default "The CRM's list". */
  listing?: string;
  signal?: AbortSignal;
};

/**
 * Keyset paging by modification time, the way every CRM without a server-side cursor is read: each
 * request restarts from the last modification time handed out, so records edited while we page
 * (which move past the window's end) never shift unread ones onto pages already read. The page
 * index only steps through records that share the position's instant, or past a page with no
 * readable keys. Pages come with the checkpoint to store with them.
 */
export async function* pageByModifiedTime<R>(options: DeltaPagerOptions<R>): AsyncGenerator<DeltaPage<R>> {
  const position = DeltaPosition.start(options.window);
  const isolate = options.crowdedInstant === 'isolate';
  let pageIndex = 0;
  /** While isolating a crowded instant: how many records the group held at the last request. */
  let crowd: { count: number | null } | null = null;
  let total: number | null | undefined;
  const listing = options.listing ?? "The CRM's list";
  /** The last page handed out: what was asked, and its records' keys (null when none was readable). */
  let previous: { request: DeltaPageRequest; keys: string | null } | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const request = { modifiedFrom: position.modifiedAt, pageIndex, onlyAtModifiedFrom: crowd !== null };
    const page = await options.fetchPage(request);
    const pageTotal = page.total ?? null;
    if (crowd !== null && crowd.count !== null && pageTotal !== null && pageTotal < crowd.count) {
      // Records left the group: everything after them moved up, so read again from further back.
      pageIndex = Math.max(0, pageIndex - Math.ceil((crowd.count - pageTotal) / options.pageSize));
      crowd.count = pageTotal;
      continue;
    }
    if (crowd !== null) crowd.count = pageTotal;
    total ??= pageTotal;
    const startMs = position.modifiedMs;
    const keyed = page.records.map((record) => ({ record, key: options.keyOf(record) }));
    const keys: string | null = refuseUnusableOrder(listing, keyed, request, previous);
    previous = { request, keys };
    const records: DeltaPage<R>['records'] = [];
    let lastMs: number | null = null;
    for (const { record, key } of keyed) {
      if (key !== null) {
        lastMs = key.modifiedMs;
        if (position.handedOut(key)) continue;
        position.advance(key);
      }
      records.push({ record, key });
    }
    const wasCrowded = crowd !== null;
    if (crowd !== null) {
      if (!page.isLast) pageIndex++;
      else {
        position.passInstant();
        crowd = null;
        pageIndex = 0;
      }
    } else if (lastMs === null || lastMs === startMs) {
      // Nothing on the page moved the position: a whole page at its instant, or no readable key.
      if (isolate && lastMs !== null && !page.isLast) {
        crowd = { count: null };
        pageIndex = 0;
      } else pageIndex++;
    } else pageIndex = 0;
    yield { records, checkpoint: position.checkpoint(), total };
    if (page.isLast && !wasCrowded) return;
  }
}

/**
 * Keyset paging trusts two things of the CRM, and a page that breaks either would make it skip
 * records (a page listed newest first moves the position past every older record not yet read) or
 * loop (a page number the CRM ignores is stepped through for ever). Either is refused as
 * `ADAPTER.BAD_RESPONSE`, once the pages before were handed out. Returns the page's keys, to be
 * compared with the next page's.
 */
function refuseUnusableOrder<R>(
  listing: string,
  keyed: Array<{ record: R; key: DeltaKey | null }>,
  request: DeltaPageRequest,
  previous: { request: DeltaPageRequest; keys: string | null } | null,
): string | null {
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const { key } of keyed) {
    if (key === null) continue;
    if (key.modifiedMs < lastMs) {
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        `${listing} is not ordered oldest change first (record ${key.id} came after a later one); Propsync stopped reading rather than skip records`,
      );
    }
    lastMs = key.modifiedMs;
  }
  const present = keyed.flatMap(({ key }) => (key === null ? [] : [`${key.modifiedMs} ${key.id}`]));
  const keys = present.length === 0 ? null : JSON.stringify(present);
  if (
    keys !== null &&
    previous !== null &&
    previous.keys === keys &&
    previous.request.modifiedFrom === request.modifiedFrom &&
    previous.request.onlyAtModifiedFrom === request.onlyAtModifiedFrom &&
    request.pageIndex === previous.request.pageIndex + 1
  ) {
    throw new PropsyncError(
      'ADAPTER.BAD_RESPONSE',
      `${listing} answered page ${request.pageIndex + 1} with exactly the records of page ${request.pageIndex}: it ignores the page number, and Propsync stopped reading rather than loop`,
    );
  }
  return keys;
}
