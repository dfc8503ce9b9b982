/**
 * Standalone Loop simulator: `node simulators/loop/main.ts`.
 * Environment: PORT (4105), HOST (127.0.0.1), SEED (1), CONTACT_COUNT (1000),
 * WEBHOOK_RETRY_SCALE (1 = the real 5 s … 10 h schedule), RATE_LIMITS=off, LOG_LEVEL.
 */
import { createLogger } from '../../server/infrastructure/logger.ts';
import { createLoopSimulator } from './loop-simulator.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

const logger = createLogger();
const startedAt = performance.now();
const simulator = createLoopSimulator({
  seed: numberFromEnv('SEED', 1),
  contactCount: numberFromEnv('CONTACT_COUNT', 1000),
  webhookRetryScale: numberFromEnv('WEBHOOK_RETRY_SCALE', 1),
  ...(process.env.RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  logger,
});
const running = await simulator.listen(numberFromEnv('PORT', 4105), process.env.HOST ?? '127.0.0.1');
// The URL and the team only: never an API key (the demo key is LOOP_DEMO_API_KEY in loop-constants.ts).
logger.info(
  {
    url: running.url,
    teamId: simulator.defaultTeamId,
    contacts: simulator.contactCount(),
    startupMs: Math.round(performance.now() - startedAt),
    controls: `${running.url}/_sim`,
  },
  'Loop simulator listening',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping the Loop simulator');
    void simulator.close().then(() => process.exit(0));
  });
}
