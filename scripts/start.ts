/**
 * `npm start`: everything a newcomer needs to see Propsync working, in one process tree —
 * embedded PostgreSQL (unless DATABASE_URL is set), the CRM simulators, the server with the
 * built demo host page, and a demo agency connected to the simulators (`DEMO_CONNECT` chooses
 * which; the others keep running, and the banner prints their sandbox credentials).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/infrastructure/config.ts';
import { providerDisplayName, providerInfo } from '../server/adapters/registry.ts';
import { ensureDemoConnections, type DemoSimulator } from '../server/entry/demo/demo-connections.ts';
import { createLogger } from '../server/infrastructure/logger.ts';
import { startServer } from '../server/entry/main.ts';
import { startDemoSimulators } from '../simulators/demo-simulators.ts';
import { mergeOperatorConfig } from '../simulators/toolkit/operator-config.ts';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);

const logger = createLogger({ level: loadConfig().logLevel });

buildClientIfStale();
const simulators = await startDemoSimulators(logger, providerDisplayName);
// The CRMs' hosts point at the simulators, and the egress policy allows exactly their listeners
// (on loopback, refused otherwise) on top of whatever the operator allows.
const demoConfig = mergeOperatorConfig(
  ...(process.env.PROPSYNC_EGRESS_ALLOW
    ? [{ PROPSYNC_EGRESS_ALLOW: process.env.PROPSYNC_EGRESS_ALLOW }]
    : []),
  ...simulators.map((simulator) => simulator.operatorConfig),
);
const config = loadConfig({ ...process.env, ...demoConfig });
writeSandboxFile(simulators);
// The simulators' sandbox apps make "Sign in with …" work in the demo; configured apps win.
const sandboxApps = Object.fromEntries(
  simulators.flatMap((simulator) => (simulator.oauthApp ? [[simulator.provider, simulator.oauthApp]] : [])),
);
const running = await startServer({ ...config, oauthApps: { ...sandboxApps, ...config.oauthApps } }, logger);
const unconnected = await ensureDemoConnections(running.services, simulators);
// Agents at work once the demo is connected: signals some CRMs send only by webhook.
setTimeout(() => {
  for (const simulator of simulators) simulator.agentActivity?.();
}, 5_000).unref();

const page = `${running.url}/dashboard/settings/integrations`;
console.log(
  `\n  Propsync is running.\n  Integrations page: ${page}\n  Health:            ${running.url}/healthz\n`,
);
for (const simulator of simulators) console.log(`  ${simulator.displayName} simulator: ${simulator.url}`);
for (const simulator of unconnected) {
  console.log(`\n  ${simulator.displayName} is not connected. Connect it on the integrations page with:`);
  for (const [label, value] of sandboxFields(simulator))
    console.log(`    ${`${label}:`.padEnd(20)} ${value}`);
}
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

/**
 * The connect form's fields for a simulator, labelled as the form labels them, with the sandbox
 * values it accepts (public sandbox credentials: they mean nothing to a real CRM).
 */
function sandboxFields(simulator: DemoSimulator): Array<[label: string, value: string]> {
  const fields = providerInfo(simulator.provider)?.connectFields;
  if (!fields) return [];
  const values: Record<string, string> = { ...simulator.credentials, ...simulator.settings };
  return [...fields.credentials, ...fields.settings]
    .filter((field) => values[field.name] !== undefined)
    .map((field) => [field.label, values[field.name]!]);
}

/**
 * `<data dir>/demo-sandboxes.json`: every running simulator's address and sandbox credentials, for
 * scripts and browser tests that connect one themselves (the ports of most simulators are free
 * ports, different on every start).
 */
function writeSandboxFile(running: DemoSimulator[]): void {
  fs.mkdirSync(config.dataDirectory, { recursive: true });
  const sandboxes = running.map(({ provider, displayName, url, credentials, settings }) => ({
    provider,
    displayName,
    url,
    credentials,
    settings,
  }));
  const file = path.join(config.dataDirectory, 'demo-sandboxes.json');
  fs.writeFileSync(file, `${JSON.stringify(sandboxes, null, 2)}\n`, { mode: 0o600 });
}

/** Builds the demo host page when it is missing or older than its sources. */
function buildClientIfStale(): void {
  const built = path.join(root, 'dist/client/index.html');
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const newestSource = Math.max(
    ...['client', 'shared', 'vite.config.ts'].flatMap((entry) =>
      listFiles(path.join(root, entry)).map((file) => fs.statSync(file).mtimeMs),
    ),
  );
  if (builtAt > newestSource) return;
  logger.info('building the demo host page (vite build)');
  const result = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('The client build failed; see the output above');
}

function listFiles(entry: string): string[] {
  if (!fs.existsSync(entry)) return [];
  if (!fs.statSync(entry).isDirectory()) return [entry];
  return fs.readdirSync(entry).flatMap((name) => listFiles(path.join(entry, name)));
}
