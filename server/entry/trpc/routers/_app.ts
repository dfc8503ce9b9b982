import type { AppRouter as ApiDescription } from '../../../../shared/api/propsync-api.ts';
import type { ContractMismatches, ErrorShapeKept, MustBeNever } from '../api-contract.ts';
import { router } from '../trpc.ts';
import { agenciesRouter } from './agencies.router.ts';
import { alertsRouter } from './alerts.router.ts';
import { conflictsRouter } from './conflicts.router.ts';
import { connectionsRouter } from './connections.router.ts';
import { engagementRouter } from './engagement.router.ts';
import { failedWritesRouter } from './failed-writes.router.ts';
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
  failedWrites: failedWritesRouter,
  contacts: contactsRouter,
  agencies: agenciesRouter,
});

/** The only thing the client imports from the server, and only as a type. */
export type AppRouter = typeof appRouter;

/**
 * The client compiles against `shared/api/propsync-api.ts`, not this router. These fail to compile,
 * naming the procedure, when the two part: every procedure declares its answer as a shared DTO.
 */
export type RouterMatchesApiDescription = MustBeNever<ContractMismatches<AppRouter, ApiDescription>>;
export type ErrorsMatchApiDescription = MustBeNever<ErrorShapeKept<AppRouter, ApiDescription>>;
