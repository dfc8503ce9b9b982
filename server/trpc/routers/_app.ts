import { router } from '../trpc.ts';
import { agenciesRouter } from './agencies.router.ts';
import { alertsRouter } from './alerts.router.ts';
import { conflictsRouter } from './conflicts.router.ts';
import { connectionsRouter } from './connections.router.ts';
import { engagementRouter } from './engagement.router.ts';
import { hostWebhooksRouter } from './host-webhooks.router.ts';
import { contactsRouter } from './contacts.router.ts';
import { providersRouter } from './providers.router.ts';
import { syncRunsRouter } from './sync-runs.router.ts';

export const appRouter = router({
  providers: providersRouter,
  connections: connectionsRouter,
  engagement: engagementRouter,
  hostWebhooks: hostWebhooksRouter,
  syncRuns: syncRunsRouter,
  conflicts: conflictsRouter,
  alerts: alertsRouter,
  contacts: contactsRouter,
  agencies: agenciesRouter,
});

/** The only thing the client imports from the server, and only as a type. */
export type AppRouter = typeof appRouter;
