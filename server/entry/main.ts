import type { Server } from 'node:http';
import type { AppConfig } from '../infrastructure/config.ts';
import { provideDatabase, type DatabaseServer } from '../infrastructure/db/database.ts';
import { createApp, type AppState } from './http/app.ts';
import type { Logger } from '../infrastructure/logger.ts';
import { runUntilSignalled } from './run-process.ts';
import { createServices, type Services } from './services.ts';

export type RunningServer = {
  url: string;
  /** The address the HTTP server is bound to (`127.0.0.1` outside production unless configured). */
  boundAddress: string;
  services: Services;
  close: () => Promise<void>;
};

/**
 * Starts the HTTP server at once (so /healthz can say "starting"), then the database and the
 * services; /healthz turns 200 only when the database answers and migrations are applied.
 */
export async function startServer(config: AppConfig, logger: Logger): Promise<RunningServer> {
  const state: AppState = { services: null };
  const app = createApp(state, {
    logger,
    frameAncestors: config.frameAncestors,
    trustProxy: config.trustProxy,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const onListening = (error?: Error) => (error ? reject(error) : resolve(listening));
    // Loopback unless configured (outside production `/demo/session` hands out admin tokens).
    const listening =
      config.host === undefined
        ? app.listen(config.port, onListening)
        : app.listen(config.port, config.host, onListening);
  });
  const address = server.address();
  const url = `http://localhost:${typeof address === 'object' && address ? address.port : config.port}`;
  let database: DatabaseServer | null = null;
  try {
    database = await provideDatabase(config, logger);
    const services = await createServices(config, logger, database.url);
    state.services = services;
    await services.startBackgroundWork();
    logger.info(
      { url, syncConcurrency: config.syncConcurrency, scheduler: config.schedulerEnabled },
      'Propsync is ready',
    );
    return {
      url,
      boundAddress: typeof address === 'object' && address ? address.address : String(address),
      services,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await services.close();
        await database?.stop();
      },
    };
  } catch (error) {
    server.close();
    // A refused start (a missing secret, a failed migration) leaves no PostgreSQL of ours running.
    await database
      ?.stop()
      .catch((stopError: unknown) =>
        logger.error({ err: stopError }, 'could not stop the embedded PostgreSQL after a failed start'),
      );
    throw error;
  }
}

// `node server/entry/main.ts` runs the server alone (no simulators, no demo data).
if (import.meta.main) await runUntilSignalled(startServer, 'shutting down');
