import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc.ts';

/** One conflict with both versions; the audit is immutable, so it never goes stale. */
export function useConflict(conflictId: string | null) {
  const trpc = useTRPC();
  return useQuery(
    trpc.conflicts.get.queryOptions(
      { conflictId: conflictId ?? '' },
      { enabled: conflictId !== null, staleTime: Infinity },
    ),
  );
}
