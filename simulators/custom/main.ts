/**
 * Standalone Propsync open CRM API simulator: `node simulators/custom/main.ts`.
 * Environment: PORT (4106), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = the real 5 s … 10 h schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { createLogger } from '../../server/infrastructure/logger.ts';
import { CUSTOM_API_BASE_PATH } from './custom-constants.ts';
import { createCustomSimulator } from './custom-simulator.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

const logger = createLogger();
const startedAt = performance.now();
const simulator = createCustomSimulator({
  seed: numberFromEnv('SEED', 1),
  contactCount: numberFromEnv('CONTACT_COUNT', 1000),
  webhookRetryScale: numberFromEnv('WEBHOOK_RETRY_SCALE', 1),
  ...(process.env.RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  logger,
});
const running = await simulator.listen(numberFromEnv('PORT', 4106), process.env.HOST ?? '127.0.0.1');
// The base URL and the key's label only: never the key itself (it is CUSTOM_DEMO_API_KEY in the code).
logger.info(
  {
    baseUrl: `${running.url}${CUSTOM_API_BASE_PATH}`,
    apiKeys: simulator.apiKeys.map((key) => key.label),
    account: simulator.account.name,
    contacts: simulator.contactCount(),
    startupMs: Math.round(performance.now() - startedAt),
    openApi: `${running.url}${CUSTOM_API_BASE_PATH}/openapi.yaml`,
    controls: `${running.url}/_sim`,
  },
  'Custom CRM (Propsync open API) simulator listening',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping the custom CRM simulator');
    void simulator.close().then(() => process.exit(0));
  });
}
