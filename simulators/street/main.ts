/**
 * Standalone Street simulator: `node simulators/street/main.ts`.
 * Environment: PORT (4104), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = the real 5 s … 10 h schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { createLogger } from '../../server/infrastructure/logger.ts';
import { STREET_DEMO_API_TOKEN } from './street-constants.ts';
import { createStreetSimulator } from './street-simulator.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

const logger = createLogger();
const startedAt = performance.now();
const simulator = createStreetSimulator({
  seed: numberFromEnv('SEED', 1),
  contactCount: numberFromEnv('CONTACT_COUNT', 1000),
  webhookRetryScale: numberFromEnv('WEBHOOK_RETRY_SCALE', 1),
  ...(process.env.RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  logger,
});
const running = await simulator.listen(numberFromEnv('PORT', 4104), process.env.HOST ?? '127.0.0.1');
// The URL and the token's public id only: never the token itself.
logger.info(
  {
    url: running.url,
    baseUrl: `${running.url}${simulator.apiBasePath}`,
    tokenId: STREET_DEMO_API_TOKEN.tokenId,
    company: STREET_DEMO_API_TOKEN.companyName,
    contacts: simulator.contactCount(),
    startupMs: Math.round(performance.now() - startedAt),
    controls: `${running.url}/_sim`,
  },
  'Street simulator listening',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping the Street simulator');
    void simulator.close().then(() => process.exit(0));
  });
}
