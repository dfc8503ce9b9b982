import { router } from '../trpc.ts';
import { connectionsRouter } from './connections.router.ts';
import { engagementRouter } from './engagement.router.ts';
import { hostWebhooksRouter } from './host-webhooks.router.ts';
import { providersRouter } from './providers.router.ts';

export const appRouter = router({
  providers: providersRouter,
  connections: connectionsRouter,
  engagement: engagementRouter,
  hostWebhooks: hostWebhooksRouter,
});

/** The only thing the client imports from the server, and only as a type. */
export type AppRouter = typeof appRouter;
