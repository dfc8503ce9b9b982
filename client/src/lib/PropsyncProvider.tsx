import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { AppRouter } from '../../../shared/api/propsync-api.ts';
import { TRPC_MAX_BATCH_SIZE } from '../../../shared/api-limits.ts';
import { createDiagnosingFetch, isClientError } from './trpc-errors.ts';
import { TRPCProvider } from './trpc.ts';

export type PropsyncProviderProps = {
  /** Origin of the Propsync server, e.g. `https://propsync.example.com`. Defaults to the page's own origin. Read once, on mount. */
  baseUrl?: string;
  /**
   * Returns a current embed token minted by the host application. Called before every request
   * batch, so the host can hand out fresh short-lived tokens without remounting anything.
   */
  getToken: () => Promise<string> | string;
  children: ReactNode;
};

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        retry: (failureCount, error) => !isClientError(error) && failureCount < 3,
      },
    },
  });
}

/**
 * Root of every embedded Propsync component: owns the API client and the query cache. It keeps a
 * cache of its own rather than joining the host's, so Propsync's queries never mix with the host's.
 */
export function PropsyncProvider({ baseUrl = '', getToken, children }: PropsyncProviderProps) {
  // The host may pass a new function on every render; the client is built once and reads the latest.
  const getTokenRef = useRef(getToken);
  useLayoutEffect(() => {
    getTokenRef.current = getToken;
  });

  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() => {
    const base = baseUrl.replace(/\/+$/, '');
    return createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${base}/trpc`,
          fetch: createDiagnosingFetch(base),
          // The server refuses bigger batches (400); the link splits them instead.
          maxItems: TRPC_MAX_BATCH_SIZE,
          async headers() {
            const token = await getTokenRef.current();
            return { Authorization: `Bearer ${token}` };
          },
        }),
      ],
    });
  });

  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
