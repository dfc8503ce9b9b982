import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc.ts';
import type { PropsyncQueryResult, ProviderListing } from '../lib/router-types.ts';

/** The CRMs Propsync knows, with whether each can be connected in this deployment. Rarely changes. */
export function useProviders(): PropsyncQueryResult<ProviderListing[]> {
  const trpc = useTRPC();
  return useQuery(trpc.providers.list.queryOptions(undefined, { staleTime: 5 * 60_000 }));
}
