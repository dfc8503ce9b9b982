import { loadConfig, type AppConfig } from '../infrastructure/config.ts';
import { createLogger, type Logger } from '../infrastructure/logger.ts';

/**
 * Runs one Propsync process from the environment's configuration until SIGINT or SIGTERM, then
 * closes it (in-flight work finishes or is handed back) and exits.
 */
export async function runUntilSignalled(
  start: (config: AppConfig, logger: Logger) => Promise<{ close: () => Promise<unknown> }>,
  stoppingMessage: string,
): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const running = await start(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, stoppingMessage);
      void running.close().then(() => process.exit(0));
    });
  }
}
