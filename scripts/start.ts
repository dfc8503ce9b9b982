/**
 * `npm start`: everything a newcomer needs to see Propsync working, in one process tree —
 * embedded PostgreSQL (unless DATABASE_URL is set), the CRM simulators, the server with the
 * built demo host page, and a demo agency connected to the Reapit simulator.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config.ts';
import { ensureDemoConnections } from '../server/demo/demo-connections.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/main.ts';
import { startDemoSimulators } from '../server/simulators/demo-simulators.ts';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);

const config = loadConfig();
const logger = createLogger({ level: config.logLevel });

buildClientIfStale();
const simulators = await startDemoSimulators(logger);
const running = await startServer(config, logger);
await ensureDemoConnections(running.services, simulators);

const page = `${running.url}/dashboard/settings/integrations`;
console.log(`\n  Propsync is running.\n  Integrations page: ${page}\n  Health:            ${running.url}/healthz\n`);
for (const simulator of simulators) console.log(`  ${simulator.displayName} simulator: ${simulator.url}`);
console.log('\n  Press Ctrl+C to stop.\n');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping Propsync');
    void (async () => {
      await running.close();
      for (const simulator of simulators) await simulator.close();
      process.exit(0);
    })();
  });
}

/** Builds the demo host page when it is missing or older than its sources. */
function buildClientIfStale(): void {
  const built = path.join(root, 'dist/client/index.html');
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const newestSource = Math.max(
    ...['client', 'shared', 'vite.config.ts'].flatMap((entry) => listFiles(path.join(root, entry)).map((file) => fs.statSync(file).mtimeMs)),
  );
  if (builtAt > newestSource) return;
  logger.info('building the demo host page (vite build)');
  const result = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The client build failed; see the output above');
}

function listFiles(entry: string): string[] {
  if (!fs.existsSync(entry)) return [];
  if (!fs.statSync(entry).isDirectory()) return [entry];
  return fs.readdirSync(entry).flatMap((name) => listFiles(path.join(entry, name)));
}
