import pg from 'pg';
import type { Logger } from '../logger.ts';

/** Namespace of Propsync's advisory locks, so they never collide with another application's. */
export const LOCK_NAMESPACE = 0x5059_4e43;

/**
 * "Only one cycle per connection, across every process", held as PostgreSQL session advisory
 * locks on one dedicated connection per process. A process that dies (even by SIGKILL) loses its
 * database session, and PostgreSQL releases its locks at once: no lease to expire, no guessing
 * whether a silent worker is dead or slow.
 */
export class ConnectionLocks {
  readonly #databaseUrl: string;
  readonly #logger: Logger;
  readonly #held = new Set<string>();
  #client: Promise<pg.Client> | null = null;
  #sessionPid: { client: pg.Client; pid: number } | null = null;

  constructor(databaseUrl: string, logger: Logger) {
    this.#databaseUrl = databaseUrl;
    this.#logger = logger;
  }

  /** Takes the connection's lock, or returns null when a live cycle (here or elsewhere) holds it. */
  async tryAcquire(connectionId: string): Promise<(() => Promise<void>) | null> {
    // Session locks are re-entrant within a session, so this process tracks its own holds too.
    if (this.#held.has(connectionId)) return null;
    this.#held.add(connectionId);
    try {
      const client = await this.#session();
      const { rows } = await client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1, hashtext($2)) as locked',
        [LOCK_NAMESPACE, connectionId],
      );
      if (!rows[0]?.locked) {
        this.#held.delete(connectionId);
        return null;
      }
    } catch (error) {
      this.#held.delete(connectionId);
      throw error;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      try {
        const client = await this.#session();
        await client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, connectionId]);
      } finally {
        this.#held.delete(connectionId);
      }
    };
  }

  /**
   * The backend pid of this process's lock session: it exists exactly as long as this process
   * does (and its session), so other processes can tell this one is alive (rate-budget slots).
   */
  async sessionPid(): Promise<number> {
    const client = await this.#session();
    if (this.#sessionPid?.client !== client) {
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      this.#sessionPid = { client, pid: rows[0]!.pid };
    }
    return this.#sessionPid.pid;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (client) await (await client).end().catch(() => undefined);
  }

  #session(): Promise<pg.Client> {
    this.#client ??= (async () => {
      const client = new pg.Client({
        connectionString: this.#databaseUrl,
        application_name: 'propsync-locks',
      });
      client.on('error', (error) => {
        // The session (and with it every lock) is gone; the next acquire opens a new one.
        this.#logger.error({ err: error }, 'connection-lock session lost');
        this.#client = null;
        this.#held.clear();
      });
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      this.#client = null;
      throw error;
    });
    return this.#client;
  }
}
