import { useQuery } from '@tanstack/react-query';
import { isClientError, unreachableCause } from '../lib/trpc-errors.ts';
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

/**
 * Propsync unreachable or refusing this origin, so the connection list never loaded: the list
 * says so once, and every other panel stays quiet rather than repeat it. Each section asks for
 * itself, so it never renders its own failure before the page has learnt the reason. Reads the
 * list's state without polling it a second time.
 */
export function useApiUnavailable(): boolean {
  const trpc = useTRPC();
  const connections = useQuery({ ...trpc.connections.list.queryOptions(), enabled: false });
  return connections.isError && unreachableCause(connections.error) !== null && !connections.data;
}
