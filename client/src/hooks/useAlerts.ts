import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isClientError } from '../lib/trpc-errors.ts';
import { useTRPC } from '../lib/trpc.ts';

export const ALERTS_REFRESH_INTERVAL_MS = 15_000;

/** Unresolved alerts (newest first), refreshed while the page is open. */
export function useAlerts() {
  const trpc = useTRPC();
  return useQuery(
    trpc.alerts.list.queryOptions(
      { state: 'unresolved', limit: 50 },
      { refetchInterval: (query) => (isClientError(query.state.error) ? false : ALERTS_REFRESH_INTERVAL_MS) },
    ),
  );
}

export function useAcknowledgeAlert() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.alerts.acknowledge.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.alerts.pathFilter()),
    }),
  );
}
