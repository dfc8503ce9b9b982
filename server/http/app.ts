import fs from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express } from 'express';
import { createContextFromAuthorizationHeader } from '../trpc/context.ts';
import { appRouter } from '../trpc/routers/_app.ts';
import type { Services } from '../services.ts';
import { DEMO_ORGANISATION_NAME } from '../demo/demo-agency.ts';
import { apiCors } from './cors.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';

export type AppState = { services: Services | null };

/**
 * The HTTP surface: health, the tRPC API, the development session endpoint for the demo host,
 * and the built component library's demo page. `state.services` is null until the database is
 * reachable and migrated, and /healthz says so.
 */
export function createApp(state: AppState, options: { clientDirectory?: string } = {}): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', async (_request, response) => {
    const services = state.services;
    if (!services) {
      response.status(503).json({ status: 'starting' });
      return;
    }
    try {
      await services.orm.em.fork().execute('select 1');
      response.json({ status: 'ok' });
    } catch {
      response.status(503).json({ status: 'database_unreachable' });
    }
  });

  // Prometheus scrape endpoint for operators; it carries counts and timings, never agency data.
  app.get('/metrics', async (_request, response) => {
    const services = state.services;
    if (!services) {
      response.status(503).type('text/plain').send('# Propsync is starting\n');
      return;
    }
    response.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics());
  });

  app.use(apiCors(state));
  app.use(webhookRoutes(state));
  app.use(oauthRoutes(state));

  app.use('/trpc', (request, response, next) => {
    const services = state.services;
    if (!services) {
      response.status(503).json({ error: 'Propsync is starting; try again in a moment' });
      return;
    }
    return createExpressMiddleware({
      router: appRouter,
      createContext: ({ req }) => createContextFromAuthorizationHeader(services, req.headers.authorization),
      onError: ({ error, path: procedure }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          services.logger.error({ err: error, procedure }, 'tRPC procedure failed');
      },
    })(request, response, next);
  });

  // The demo host stands in for a customer's application, which would mint tokens server-side.
  app.get('/demo/session', async (_request, response) => {
    const services = state.services;
    if (!services || services.config.environment === 'production') {
      response.status(404).json({ error: 'Not found' });
      return;
    }
    const [organisation] = await services.orm.em
      .fork()
      .execute<{ id: string; name: string }[]>(
        `select id, name from organisations where name = ? order by created_at limit 1`,
        [DEMO_ORGANISATION_NAME],
      );
    if (!organisation) {
      response.status(404).json({ error: 'The demo agency has not been created yet' });
      return;
    }
    const lifetimeSeconds = 15 * 60;
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
    app.get(/^\/(?!trpc|healthz|metrics|webhooks\/|demo\/).*/, (_request, response) => {
      response.sendFile(path.join(clientDirectory, 'index.html'));
    });
  }
  return app;
}
