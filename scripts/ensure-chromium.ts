/**
 * The browser `npm test` drives. Playwright cannot download its own browsers here, so the journeys
 * run Debian's Chromium; when it is missing and this process may install packages (root, apt-get),
 * it installs it, as `npm start` brings its own PostgreSQL. Otherwise it says what to do.
 * `node scripts/ensure-chromium.ts` runs it alone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Where the journeys look for Chromium: `PROPSYNC_CHROMIUM`, or Debian's package. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['PROPSYNC_CHROMIUM'] || DEFAULT_CHROMIUM;
}

export type ChromiumMachine = {
  isExecutable: (file: string) => boolean;
  isRoot: () => boolean;
  /** Runs a command with its output shown; true when it exits 0. */
  run: (command: string, args: string[], env?: NodeJS.ProcessEnv) => boolean;
  log: (line: string) => void;
};

export type ChromiumOutcome = { ok: true; path: string; installed: boolean } | { ok: false; message: string };

export function ensureChromium(wanted: string, machine: ChromiumMachine): ChromiumOutcome {
  if (machine.isExecutable(wanted)) return { ok: true, path: wanted, installed: false };
  const howTo =
    `The browser journeys need Chromium and there is none at ${wanted}. Install Debian's package ` +
    `(sudo apt-get install -y chromium), or set PROPSYNC_CHROMIUM to a Chromium or Chrome binary.`;
  if (!machine.isRoot() || !machine.isExecutable('/usr/bin/apt-get')) return { ok: false, message: howTo };
  machine.log(`Chromium is missing at ${wanted}: installing Debian's chromium package with apt-get…`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const installed =
    machine.run('apt-get', ['update', '-qq'], env) &&
    machine.run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], env);
  if (!installed || !machine.isExecutable(DEFAULT_CHROMIUM)) {
    return { ok: false, message: `apt-get could not install chromium. ${howTo}` };
  }
  return { ok: true, path: DEFAULT_CHROMIUM, installed: true };
}

export const realMachine: ChromiumMachine = {
  isExecutable: (file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  },
  isRoot: () => process.getuid?.() === 0,
  run: (command, args, env = {}) =>
    spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status === 0,
  log: (line) => console.log(line),
};

if (import.meta.main) {
  const outcome = ensureChromium(chromiumPath(), realMachine);
  if (outcome.ok) {
    console.log(`Chromium: ${outcome.path}${outcome.installed ? ' (just installed)' : ''}`);
  } else {
    console.error(outcome.message);
    process.exit(1);
  }
}
