import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isClientError } from '../lib/trpc-errors.ts';
import { useTRPC } from '../lib/trpc.ts';
import type {
  AcknowledgeAlertInput,
  AlertView,
  Page,
  PropsyncMutationResult,
  PropsyncQueryResult,
} from '../lib/router-types.ts';

export const ALERTS_REFRESH_INTERVAL_MS = 15_000;

/** Unresolved alerts (newest first), refreshed while the page is open. */
export function useAlerts(): PropsyncQueryResult<Page<AlertView>> {
  const trpc = useTRPC();
  return useQuery(
    trpc.alerts.list.queryOptions(
      { state: 'unresolved', limit: 50 },
      { refetchInterval: (query) => (isClientError(query.state.error) ? false : ALERTS_REFRESH_INTERVAL_MS) },
    ),
  );
}

export function useAcknowledgeAlert(): PropsyncMutationResult<AcknowledgeAlertInput, AlertView> {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.alerts.acknowledge.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.alerts.pathFilter()),
    }),
  );
}
