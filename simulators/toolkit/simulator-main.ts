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

/** What the runner reads from any toolkit simulator. */
interface RunnableSimulator<Running> {
  listen(port: number, host: string): Promise<Running>;
  contactCount(): number;
  close(): Promise<void>;
}

export interface StandaloneSimulator<S extends RunnableSimulator<Running>, Running extends { url: string }> {
  /** How the start and stop are logged, e.g. "agentOS simulator". */
  name: string;
  /** PORT's default (the CRM's documented sandbox port). */
  defaultPort: number;
  create(options: StandaloneOptions): S;
  /** Listens on PORT and HOST (default `simulator.listen`; a CRM with a second host reads its own variable). */
  listen?(simulator: S, port: number, host: string): Promise<Running>;
  /** Where to find it beside its URL and book size, logged once listening: public identifiers, never a secret. */
  describe(simulator: S, running: Running): Record<string, unknown>;
}

/**
 * What each simulator's `main.ts` does (`node simulators/<crm>/main.ts`): reads PORT (the CRM's
 * own default), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000), WEBHOOK_RETRY_SCALE (1 = the
 * CRM's real retry schedule), RATE_LIMITS=off and LOG_LEVEL, starts the simulator, logs where it
 * listens and stops cleanly on SIGINT/SIGTERM.
 */
export async function runStandalone<S extends RunnableSimulator<Running>, Running extends { url: string }>(
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
  const port = numberFromEnv('PORT', spec.defaultPort);
  const host = process.env.HOST ?? '127.0.0.1';
  const running = await (spec.listen ? spec.listen(simulator, port, host) : simulator.listen(port, host));
  logger.info(
    {
      url: running.url,
      ...spec.describe(simulator, running),
      contacts: simulator.contactCount(),
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
