import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../../../server/trpc/routers/_app.ts';

/**
 * The typed tRPC bindings for Propsync's API. Kept apart from the provider component so hooks can
 * import them without pulling a component module (and so React Fast Refresh keeps working).
 */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
