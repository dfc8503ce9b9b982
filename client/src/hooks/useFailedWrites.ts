import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  ConnectionIssueCounts,
  FailedWriteActionResult,
  FailedWriteIdInput,
  FailedWriteView,
} from '../../../shared/api/failed-write.dto.ts';
import { isClientError } from '../lib/trpc-errors.ts';
import { useTRPC } from '../lib/trpc.ts';
import type { PropsyncMutationResult, PropsyncQueryResult } from '../lib/router-types.ts';
import { ALERTS_REFRESH_INTERVAL_MS } from './useAlerts.ts';

const refreshUnlessRefused = {
  refetchInterval: (query: { state: { error: unknown } }) =>
    isClientError(query.state.error) ? false : ALERTS_REFRESH_INTERVAL_MS,
};

/** Write-backs the CRM refused for good, newest first, refreshed while the page is open. */
export function useFailedWrites(): PropsyncQueryResult<FailedWriteView[]> {
  const trpc = useTRPC();
  return useQuery(trpc.failedWrites.list.queryOptions({ limit: 50 }, refreshUnlessRefused));
}

/** Parked, dead-lettered and refused counts per connection (connections with none are absent). */
export function useConnectionIssueCounts(): PropsyncQueryResult<ConnectionIssueCounts[]> {
  const trpc = useTRPC();
  return useQuery(trpc.failedWrites.counts.queryOptions(undefined, refreshUnlessRefused));
}

/** Retry or dismiss a refused write; the list, the counts and the alerts are read again after. */
export function useSettleFailedWrite(
  action: 'retry' | 'dismiss',
): PropsyncMutationResult<FailedWriteIdInput, FailedWriteActionResult> {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const procedure = action === 'retry' ? trpc.failedWrites.retry : trpc.failedWrites.dismiss;
  return useMutation(
    procedure.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.failedWrites.pathFilter());
        await queryClient.invalidateQueries(trpc.alerts.pathFilter());
      },
    }),
  );
}
