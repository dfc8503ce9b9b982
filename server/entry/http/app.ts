import fs from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express } from 'express';
import { createContextFromAuthorizationHeader } from '../trpc/context.ts';
import { appRouter } from '../trpc/routers/_app.ts';
import { findDemoOrganisation } from '../demo/demo-agency.ts';
import { Sql } from '../../infrastructure/db/sql.ts';
import { createLogger, type Logger } from '../../infrastructure/logger.ts';
import { TRPC_BODY_LIMIT_BYTES, TRPC_MAX_BATCH_SIZE } from '../../../shared/api-limits.ts';
import { jsonErrors, notFound, requestIdOf, requestIds, sendError } from './http-errors.ts';
import { securityHeaders } from './security-headers.ts';
import type { AppState } from './app-state.ts';
import { apiCors } from './cors.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';


export type { AppState };

/**
 * The HTTP surface: health, the tRPC API, the development session endpoint for the demo host,
 * and the built component library's demo page. `state.services` is null until the database is
 * reachable and migrated, and /healthz says so.
 */
export function createApp(
  state: AppState,
  options: {
    clientDirectory?: string;
    /** Logs failures while the services (and their logger) are not ready yet. */
    logger?: Logger;
    frameAncestors?: readonly string[];
    trustProxy?: boolean | number | string;
  } = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  let fallbackLogger: Logger | undefined;
  const logger = (): Logger =>
    state.services?.logger ?? options.logger ?? (fallbackLogger ??= createLogger());

  app.use(requestIds());
  app.use(securityHeaders({ frameAncestors: options.frameAncestors ?? ["'self'"] }));
  // Cross-origin calls from host pages: answered before the routes and the JSON 404.
  app.use(apiCors(state));

  app.get('/healthz', async (_request, response) => {
    const services = state.services;
    if (!services) {
      response.status(503).json({ status: 'starting' });
      return;
    }
    try {
      await new Sql(services.orm.em).run('select 1');
      response.json({ status: 'ok' });
    } catch (error) {
      logger().warn(
        { err: error, requestId: requestIdOf(response) },
        'health check: the database did not answer',
      );
      response.status(503).json({ status: 'database_unreachable' });
    }
  });

  // Prometheus scrape endpoint for operators; it carries counts and timings, never agency data.
  app.get('/metrics', async (_request, response) => {
    const services = state.services;
    if (!services) {
      sendError(response, 503, 'SERVER.STARTING', 'Propsync is starting; try again in a moment');
      return;
    }
    const text = await services.metrics.registry.metrics();
    response.type(services.metrics.registry.contentType).send(text);
  });

  app.use(webhookRoutes(state));
  app.use(oauthRoutes(state));

  app.use('/trpc', (request, response, next) => {
    // Preflights are for CORS (mounted above); tRPC would answer them 415.
    if (request.method === 'OPTIONS') return next();
    const services = state.services;
    if (!services) {
      sendError(response, 503, 'SERVER.STARTING', 'Propsync is starting; try again in a moment');
      return;
    }
    return createExpressMiddleware({
      router: appRouter,
      createContext: ({ req }) => createContextFromAuthorizationHeader(services, req.headers.authorization),
      // Refused before any procedure runs: a body over the limit is not read to the end, let alone parsed.
      maxBodySize: TRPC_BODY_LIMIT_BYTES,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      onError: ({ error, path: procedure }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          services.logger.error(
            { err: error.cause ?? error, procedure, requestId: requestIdOf(response) },
            'tRPC procedure failed',
          );
      },
    })(request, response, next);
  });

  // The demo host stands in for a customer's application, which would mint tokens server-side.
  app.get('/demo/session', async (_request, response) => {
    const services = state.services;
    if (!services || services.config.environment === 'production') {
      sendError(response, 404, 'REQUEST.NOT_FOUND', `Nothing at GET /demo/session`);
      return;
    }
    const organisation = await findDemoOrganisation(services);
    if (!organisation) {
      sendError(response, 404, 'REQUEST.NOT_FOUND', 'The demo agency has not been created yet');
      return;
    }
    const lifetimeSeconds = Math.min(15 * 60, services.tokens.maxLifetimeSeconds);
    const token = await services.tokens.mint(
      { organisationId: organisation.id, role: 'admin' },
      lifetimeSeconds,
    );
    const expiresAt = new Date(Date.now() + lifetimeSeconds * 1000).toISOString();
    response.json({ token, organisationName: organisation.name, expiresAt });
  });

  const clientDirectory = options.clientDirectory ?? path.resolve('dist/client');
  if (fs.existsSync(path.join(clientDirectory, 'index.html'))) {
    app.use(express.static(clientDirectory, { index: false }));
    app.get(/^\/(?!trpc|healthz|metrics|webhooks\/|oauth\/|demo\/).*/, (_request, response) => {
      response.sendFile(path.join(clientDirectory, 'index.html'));
    });
  }
  app.use(notFound());
  app.use(jsonErrors(logger));
  return app;
}
