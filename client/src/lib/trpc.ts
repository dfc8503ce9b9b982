import type { QueryClient } from '@tanstack/react-query';
import type { TRPCClient } from '@trpc/client';
import { createTRPCContext, type TRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { FunctionComponent, ReactNode } from 'react';
import type { AppRouter } from '../../../shared/api/propsync-api.ts';

const context = createTRPCContext<AppRouter>();

/**
 * The typed tRPC bindings for Propsync's API. Kept apart from the provider component so hooks can
 * import them without pulling a component module (and so React Fast Refresh keeps working).
 * Typed by hand: the inferred types name React Query's internal package, which a host's install
 * need not expose.
 */
export const TRPCProvider: FunctionComponent<{
  children: ReactNode;
  queryClient: QueryClient;
  trpcClient: TRPCClient<AppRouter>;
}> = context.TRPCProvider;
export const useTRPC: () => TRPCOptionsProxy<AppRouter> = context.useTRPC;
export const useTRPCClient: () => TRPCClient<AppRouter> = context.useTRPCClient;
