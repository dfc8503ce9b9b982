import { createServer, type Server } from 'node:http';
import { loadConfig, type AppConfig } from './config.ts';
import { provideDatabase } from './db/database.ts';
import { createLogger, type Logger } from './logger.ts';
import { createServices, type Services } from './services.ts';

export type RunningWorker = { services: Services; close: () => Promise<void> };

/**
 * A process that runs sync cycles and the scheduler tick without the HTTP server. Start as many as
 * the load needs, on one database: pg-boss shares the jobs, the scheduler claims each slot once,
 * and advisory locks keep every connection to one cycle at a time.
 */
export async function startWorker(config: AppConfig, logger: Logger): Promise<RunningWorker> {
  const database = await provideDatabase(config, logger);
  const services = await createServices(config, logger, database.url);
  await services.startBackgroundWork({
    ...(process.env.PROPSYNC_SCHEDULE_TICK ? { scheduleExpression: process.env.PROPSYNC_SCHEDULE_TICK } : {}),
  });
  const metricsPort = process.env.PROPSYNC_METRICS_PORT;
  const metricsServer = metricsPort ? await serveMetrics(services, Number(metricsPort)) : null;
  logger.info(
    { pid: process.pid, syncConcurrency: config.syncConcurrency, scheduler: config.schedulerEnabled },
    'Propsync worker is running',
  );
  return {
    services,
    close: async () => {
      metricsServer?.close();
      await services.close();
      await database.stop();
    },
  };
}

/** Workers have no HTTP API; this gives Prometheus something to scrape on each of them. */
async function serveMetrics(services: Services, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    void services.metrics.registry.metrics().then((body) => {
      response.writeHead(200, { 'content-type': services.metrics.registry.contentType }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return server;
}

if (import.meta.main) {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const running = await startWorker(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'worker shutting down');
      void running.close().then(() => process.exit(0));
    });
  }
}
