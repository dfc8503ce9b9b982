import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { SyncRunFilters } from '../lib/router-types.ts';
import { useTRPC } from '../lib/trpc.ts';

/** The server's maximum page: fewer round trips while scrolling a long audit log. */
export const AUDIT_PAGE_SIZE = 200;

/** The audit log's cycles for some filters, page after page (keyset cursor). */
export function useSyncRuns(filters: SyncRunFilters) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(
    trpc.syncRuns.list.infiniteQueryOptions(
      { ...filters, limit: AUDIT_PAGE_SIZE },
      { getNextPageParam: (lastPage) => lastPage.nextCursor ?? undefined },
    ),
  );
  const pages = query.data?.pages ?? [];
  return {
    query,
    runs: pages.flatMap((page) => page.items),
    totalCount: pages[0]?.totalCount ?? 0,
  };
}

/** One cycle in detail, plus further pages of its record log. */
export function useSyncRun(runId: string | null) {
  const trpc = useTRPC();
  const details = useQuery(
    trpc.syncRuns.get.queryOptions({ runId: runId ?? '' }, { enabled: runId !== null }),
  );
  const firstPage = details.data?.log;
  const moreLog = useInfiniteQuery(
    trpc.syncRuns.log.infiniteQueryOptions(
      { runId: runId ?? '', limit: AUDIT_PAGE_SIZE },
      {
        enabled: false,
        initialCursor: firstPage?.nextCursor ?? null,
        getNextPageParam: (lastPage) => lastPage.nextCursor ?? undefined,
      },
    ),
  );
  const extraEntries = moreLog.data?.pages.flatMap((page) => page.items) ?? [];
  const lastExtra = moreLog.data?.pages.at(-1);
  return {
    details,
    logEntries: [...(firstPage?.items ?? []), ...extraEntries],
    logHasMore: lastExtra ? lastExtra.nextCursor !== null : (firstPage?.nextCursor ?? null) !== null,
    loadMoreLog: () => (moreLog.data ? moreLog.fetchNextPage() : moreLog.refetch()),
    loadingMoreLog: moreLog.isFetching,
  };
}

/** Records in/out and errors per cycle for the history chart. */
export function useSyncHistory(connectionId?: string) {
  const trpc = useTRPC();
  return useQuery(
    trpc.syncRuns.history.queryOptions(connectionId ? { connectionId, limit: 60 } : { limit: 60 }),
  );
}
