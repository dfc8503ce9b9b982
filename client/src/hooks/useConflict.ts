import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { ConflictDetail, PropsyncClientError } from '../lib/router-types.ts';
import { useTRPC } from '../lib/trpc.ts';

/** One conflict with both versions; the audit is immutable, so it never goes stale. */
export function useConflict(conflictId: string | null): UseQueryResult<ConflictDetail, PropsyncClientError> {
  const trpc = useTRPC();
  return useQuery(
    trpc.conflicts.get.queryOptions(
      { conflictId: conflictId ?? '' },
      { enabled: conflictId !== null, staleTime: Infinity },
    ),
  );
}
