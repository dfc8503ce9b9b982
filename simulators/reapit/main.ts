/**
 * Standalone Reapit simulator: `node simulators/reapit/main.ts`.
 * Environment: PORT (4101), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = Reapit's real 1–15 minute schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { createLogger } from '../../server/infrastructure/logger.ts';
import { REAPIT_DEMO_CLIENT } from './reapit-constants.ts';
import { createReapitSimulator } from './reapit-simulator.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

const logger = createLogger();
const startedAt = performance.now();
const simulator = createReapitSimulator({
  seed: numberFromEnv('SEED', 1),
  contactCount: numberFromEnv('CONTACT_COUNT', 1000),
  webhookRetryScale: numberFromEnv('WEBHOOK_RETRY_SCALE', 1),
  ...(process.env.RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  logger,
});
// The API and Reapit Connect listen apart, as Reapit's two hosts do.
const running = await simulator.listen(
  numberFromEnv('PORT', 4101),
  process.env.HOST ?? '127.0.0.1',
  numberFromEnv('CONNECT_PORT', 4102),
);
// The URL and the demo app's public identifiers only: never the client secret.
logger.info(
  {
    url: running.url,
    connectUrl: running.connectUrl,
    clientId: REAPIT_DEMO_CLIENT.clientId,
    customerId: simulator.defaultCustomerId,
    contacts: simulator.contactCount(),
    startupMs: Math.round(performance.now() - startedAt),
    controls: `${running.url}/_sim`,
  },
  'Reapit simulator listening',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping the Reapit simulator');
    void simulator.close().then(() => process.exit(0));
  });
}
