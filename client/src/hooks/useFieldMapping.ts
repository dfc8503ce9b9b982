import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc.ts';
import type {
  ConnectionIdInput,
  FieldMappingSummaryData as FieldMappingSummary,
  PropsyncMutationResult,
  PropsyncQueryResult,
} from '../lib/router-types.ts';
import type { MappingHistoryEntry, SetMappingOverridesInput } from '../../../shared/api/connection.dto.ts';

/** The field-mapping summary of one connection, its overrides and its confirmation. */
export function useFieldMapping(connectionId: string | null): {
  summary: PropsyncQueryResult<FieldMappingSummary>;
  confirm: PropsyncMutationResult<ConnectionIdInput, FieldMappingSummary>;
  setOverrides: PropsyncMutationResult<SetMappingOverridesInput, FieldMappingSummary>;
} {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const summary = useQuery({
    ...trpc.connections.fieldMapping.queryOptions({ connectionId: connectionId ?? '' }),
    enabled: connectionId !== null,
  });
  // The card says whether write-back is paused: the connections refresh with the mapping.
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.connections.fieldMapping.pathFilter()),
      queryClient.invalidateQueries(trpc.connections.list.pathFilter()),
    ]);
  const confirm = useMutation(trpc.connections.confirmFieldMapping.mutationOptions({ onSuccess: refresh }));
  const setOverrides = useMutation(
    trpc.connections.setMappingOverrides.mutationOptions({ onSuccess: refresh }),
  );
  return { summary, confirm, setOverrides };
}

/** Who confirmed a connection's mapping or changed its corrections, and when; fetched once asked for. */
export function useMappingHistory(
  connectionId: string | null,
  wanted: boolean,
): PropsyncQueryResult<MappingHistoryEntry[]> {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.connections.mappingHistory.queryOptions({ connectionId: connectionId ?? '' }),
    enabled: connectionId !== null && wanted,
  });
}
