import { useQuery } from '@tanstack/react-query';
import { isClientError } from '../lib/trpc-errors.ts';
import { useTRPC } from '../lib/trpc.ts';
import type { ConnectionSummary, PropsyncQueryResult } from '../lib/router-types.ts';

/** Often enough that a running import visibly counts up, rare enough to be cheap. */
export const CONNECTIONS_REFRESH_INTERVAL_MS = 3_000;

/** The agency's CRM connections, refreshed while the page is visible. */
export function useConnections(): PropsyncQueryResult<ConnectionSummary[]> {
  const trpc = useTRPC();
  return useQuery(
    trpc.connections.list.queryOptions(undefined, {
      // Stop polling once the server refuses us (e.g. expired token); "Try again" resumes it.
      refetchInterval: (query) =>
        isClientError(query.state.error) ? false : CONNECTIONS_REFRESH_INTERVAL_MS,
    }),
  );
}
