import { createLogger, type Logger } from '../../server/infrastructure/logger.ts';

/** Reads a number from the environment; absent or empty gives `fallback`, garbage stops the start. */
export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

/** The options every standalone simulator takes from its environment. */
export interface StandaloneOptions {
  seed: number;
  contactCount: number;
  webhookRetryScale: number;
  rateLimits?: false;
  logger: Logger;
}

export interface StandaloneSimulator<S, Running extends { url: string }> {
  /** How the start and stop are logged, e.g. "agentOS simulator". */
  name: string;
  /** PORT's default (the CRM's documented sandbox port). */
  defaultPort: number;
  create(options: StandaloneOptions): S & { close(): Promise<void> };
  /** Listens on PORT and HOST (a CRM with a second host reads its own variable). */
  listen(simulator: S, port: number, host: string): Promise<Running>;
  /** Where to find it, logged once listening: URLs and public identifiers, never a secret. */
  describe(simulator: S, running: Running): Record<string, unknown>;
}

/**
 * What each simulator's `main.ts` does: reads PORT, HOST, SEED, CONTACT_COUNT,
 * WEBHOOK_RETRY_SCALE and RATE_LIMITS=off, starts the simulator, logs where it listens and stops
 * cleanly on SIGINT/SIGTERM.
 */
export async function runStandalone<S, Running extends { url: string }>(
  spec: StandaloneSimulator<S, Running>,
): Promise<void> {
  const logger = createLogger();
  const startedAt = performance.now();
  const simulator = spec.create({
    seed: numberFromEnv('SEED', 1),
    contactCount: numberFromEnv('CONTACT_COUNT', 1000),
    webhookRetryScale: numberFromEnv('WEBHOOK_RETRY_SCALE', 1),
    ...(process.env.RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
    logger,
  });
  const running = await spec.listen(
    simulator,
    numberFromEnv('PORT', spec.defaultPort),
    process.env.HOST ?? '127.0.0.1',
  );
  logger.info(
    {
      ...spec.describe(simulator, running),
      startupMs: Math.round(performance.now() - startedAt),
      controls: `${running.url}/_sim`,
    },
    `${spec.name} listening`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, `stopping the ${spec.name}`);
      void simulator.close().then(() => process.exit(0));
    });
  }
}
