import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc.ts';
import type { ContactLookupResult, PropsyncQueryResult } from '../lib/router-types.ts';

export type ContactLookupQuery = { by: 'email' | 'name' | 'externalId'; value: string };

/** Finds contacts by email, name or CRM id; idle until there is something to look for. */
export function useContactLookup(
  query: ContactLookupQuery | null,
): PropsyncQueryResult<ContactLookupResult[]> {
  const trpc = useTRPC();
  return useQuery(
    trpc.contacts.lookup.queryOptions(query ?? { by: 'email', value: '-' }, {
      enabled: query !== null && query.value.trim() !== '',
    }),
  );
}
