import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AppConfig } from '../infrastructure/config.ts';
import { provideDatabase } from '../infrastructure/db/database.ts';
import type { Logger } from '../infrastructure/logger.ts';
import { runUntilSignalled } from './run-process.ts';
import { createServices, type Services } from './services.ts';

export type RunningWorker = { services: Services; close: () => Promise<void> };

/**
 * A process that runs sync cycles and the scheduler tick without the HTTP server. Start as many as
 * the load needs, on one database: pg-boss shares the jobs, the scheduler claims each slot once,
 * and advisory locks keep every connection to one cycle at a time.
 */
export async function startWorker(config: AppConfig, logger: Logger): Promise<RunningWorker> {
  const database = await provideDatabase(config, logger);
  const services = await createServices(config, logger, database.url).catch(async (error: unknown) => {
    // A refused start (a missing secret) leaves no PostgreSQL of ours running.
    await database.stop().catch(() => {});
    throw error;
  });
  await services.startBackgroundWork({
    ...(process.env.PROPSYNC_SCHEDULE_TICK ? { scheduleExpression: process.env.PROPSYNC_SCHEDULE_TICK } : {}),
  });
  const metricsPort = process.env.PROPSYNC_METRICS_PORT;
  const metricsServer = metricsPort ? await serveMetrics(services, Number(metricsPort), config.host) : null;
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

/**
 * Workers have no HTTP API; this gives Prometheus something to scrape on each of them. Like the
 * server's routes, it answers errors as JSON with a stable code and logs a failure once with its
 * request id.
 */
export async function serveMetrics(
  services: Pick<Services, 'metrics' | 'logger'>,
  port: number,
  host?: string,
): Promise<Server> {
  const server = createServer((request, response) => {
    const requestId = randomUUID();
    response.setHeader('x-request-id', requestId);
    response.setHeader('x-content-type-options', 'nosniff');
    if (request.url !== '/metrics') {
      sendJsonError(response, 404, {
        error: 'Nothing here: scrape /metrics',
        code: 'REQUEST.NOT_FOUND',
        requestId,
      });
      return;
    }
    services.metrics.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': services.metrics.registry.contentType }).end(body),
      (error: unknown) => {
        services.logger.error({ err: error, requestId, path: '/metrics' }, 'worker metrics scrape failed');
        sendJsonError(response, 500, {
          error: 'Propsync failed to collect metrics; try again',
          code: 'SERVER.INTERNAL',
          requestId,
        });
      },
    );
  });
  await new Promise<void>((resolve) =>
    host === undefined ? server.listen(port, resolve) : server.listen(port, host, resolve),
  );
  return server;
}

function sendJsonError(response: ServerResponse, status: number, body: Record<string, string>): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

if (import.meta.main) await runUntilSignalled(startWorker, 'worker shutting down');
