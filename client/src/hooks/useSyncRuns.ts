import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import type { SyncRunFilters } from '../lib/router-types.ts';
import { useTRPC } from '../lib/trpc.ts';

/** The server's maximum page: fewer round trips while scrolling a long audit log. */
export const AUDIT_PAGE_SIZE = 200;

/** While a loaded cycle is still running, its row (and its details) refresh this often. */
export const RUNNING_CYCLE_REFRESH_INTERVAL_MS = 3_000;

/** The audit log's cycles for some filters, page after page (keyset cursor). */
export function useSyncRuns(filters: SyncRunFilters) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(
    trpc.syncRuns.list.infiniteQueryOptions(
      { ...filters, limit: AUDIT_PAGE_SIZE },
      {
        getNextPageParam: (lastPage) => lastPage.nextCursor ?? undefined,
        // A "Running" row would otherwise stay running until the page is reloaded.
        refetchInterval: (query) =>
          query.state.data?.pages.some((page) => page.items.some((run) => run.status === 'running'))
            ? RUNNING_CYCLE_REFRESH_INTERVAL_MS
            : false,
      },
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
    trpc.syncRuns.get.queryOptions(
      { runId: runId ?? '' },
      {
        enabled: runId !== null,
        refetchInterval: (query) =>
          query.state.data?.run.status === 'running' ? RUNNING_CYCLE_REFRESH_INTERVAL_MS : false,
      },
    ),
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

/**
 * Refreshes the audit log, the run details and the history chart when the (polled) connection
 * list shows a cycle starting or finishing. A "Sync now" cycle is queued, so it is not in the log
 * yet when the button's request returns, and a short one starts and ends between two polls.
 */
export function useRefreshSyncRunsOnCycles(connections: ConnectionSummary[] | undefined) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cycles = connections
    ?.map(
      (connection) => `${connection.id}:${connection.lastSyncedAt}:${connection.currentSync?.runId ?? ''}`,
    )
    .join('|');
  const previous = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (cycles === undefined) return;
    const changed = previous.current !== undefined && previous.current !== cycles;
    previous.current = cycles;
    if (changed) void queryClient.invalidateQueries(trpc.syncRuns.pathFilter());
  }, [cycles, queryClient, trpc]);
}
