/**
 * Standalone agentOS simulator: `node simulators/agentos/main.ts`.
 * Environment: PORT (4100), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = the 1 minute … 6 hour retry schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { createLogger } from '../../server/infrastructure/logger.ts';
import { AGENTOS_DEFAULT_TIER, AGENTOS_DEMO_KEY } from './agentos-constants.ts';
import { createAgentosSimulator } from './agentos-simulator.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

const logger = createLogger();
const startedAt = performance.now();
const simulator = createAgentosSimulator({
  seed: numberFromEnv('SEED', 1),
  contactCount: numberFromEnv('CONTACT_COUNT', 1000),
  webhookRetryScale: numberFromEnv('WEBHOOK_RETRY_SCALE', 1),
  ...(process.env.RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  logger,
});
const running = await simulator.listen(numberFromEnv('PORT', 4100), process.env.HOST ?? '127.0.0.1');
// The URL and the agency's public identifiers only: never the API key.
logger.info(
  {
    url: running.url,
    apiBase: `${running.url}/v4/${AGENTOS_DEFAULT_TIER}/${AGENTOS_DEMO_KEY.shortName}`,
    shortName: simulator.defaultShortName,
    contacts: simulator.contactCount(),
    startupMs: Math.round(performance.now() - startedAt),
    controls: `${running.url}/_sim`,
  },
  'agentOS simulator listening',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping the agentOS simulator');
    void simulator.close().then(() => process.exit(0));
  });
}
