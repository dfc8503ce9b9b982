import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc.ts';
import type {
  ConnectionIdInput,
  FieldMappingSummaryData as FieldMappingSummary,
  PropsyncMutationResult,
  PropsyncQueryResult,
} from '../lib/router-types.ts';

/** The field-mapping summary of one connection, and its confirmation. */
export function useFieldMapping(connectionId: string | null): {
  summary: PropsyncQueryResult<FieldMappingSummary>;
  confirm: PropsyncMutationResult<ConnectionIdInput, FieldMappingSummary>;
} {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const summary = useQuery({
    ...trpc.connections.fieldMapping.queryOptions({ connectionId: connectionId ?? '' }),
    enabled: connectionId !== null,
  });
  const confirm = useMutation(
    trpc.connections.confirmFieldMapping.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.connections.fieldMapping.pathFilter()),
    }),
  );
  return { summary, confirm };
}
