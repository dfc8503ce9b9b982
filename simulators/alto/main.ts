/**
 * Standalone Alto simulator: `node simulators/alto/main.ts`.
 * Environment: PORT (4103), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000), TOKEN_LIFETIME_SECONDS
 * (3600), WEBHOOK_RETRY_SCALE (1 = the 30 s … 2 h schedule, ten retries within 6 h), RATE_LIMITS=off,
 * LOG_LEVEL.
 */
import { createLogger } from '../../server/infrastructure/logger.ts';
import { ALTO_DEMO_CLIENT } from './alto-constants.ts';
import { createAltoSimulator } from './alto-simulator.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

const logger = createLogger();
const startedAt = performance.now();
const simulator = createAltoSimulator({
  seed: numberFromEnv('SEED', 1),
  contactCount: numberFromEnv('CONTACT_COUNT', 1000),
  tokenLifetimeSeconds: numberFromEnv('TOKEN_LIFETIME_SECONDS', 3600),
  webhookRetryScale: numberFromEnv('WEBHOOK_RETRY_SCALE', 1),
  ...(process.env.RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  logger,
});
const running = await simulator.listen(numberFromEnv('PORT', 4103), process.env.HOST ?? '127.0.0.1');
// The URL and the demo integration's public identifiers only: never the client secret.
logger.info(
  {
    url: running.url,
    clientId: ALTO_DEMO_CLIENT.clientId,
    agencyRef: simulator.defaultAgencyRef,
    contacts: simulator.contactCount(),
    startupMs: Math.round(performance.now() - startedAt),
    controls: `${running.url}/_sim`,
  },
  'Alto simulator listening',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping the Alto simulator');
    void simulator.close().then(() => process.exit(0));
  });
}
