import type { AccessGrant, SharedGrantStore } from '../../adapters/adapter-kit/credential-session.ts';
import type { CredentialVault } from '../vault/credential-vault.ts';
import { z } from 'zod';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson } from './sql.ts';

type StoredGrant = { credentialsFingerprint: string; grant: AccessGrant };

const GrantRow = z.object({ organisation_id: z.string(), access_grant: z.unknown(), status: z.string() });
type GrantRow = z.infer<typeof GrantRow>;

/** Namespace of the refresh locks (distinct from the cycle locks in connection-locks.ts). */
const REFRESH_LOCK_NAMESPACE = 0x5059_5246;

/**
 * Access grants shared by every process through the connection row, encrypted like credentials.
 * A refresh runs under a transaction-scoped advisory lock on the connection, so two processes
 * never exchange credentials at once, and the new grant is committed before anyone uses it.
 */
export class PostgresGrantStores {
  readonly #sql: Sql;
  readonly #vault: CredentialVault;

  constructor(em: EntityManager, vault: CredentialVault) {
    this.#sql = new Sql(em);
    this.#vault = vault;
  }

  /**
   * The store of one connection, for one set of credentials (`credentialsFingerprint`): a grant
   * obtained with other credentials (before a reconnect) is never reused.
   */
  for(connectionId: string, credentialsFingerprint: string): SharedGrantStore {
    /** The stored grant, and whether it belongs to other credentials than these. */
    const read = (row: GrantRow | undefined): { grant: AccessGrant | null; othersHeld: boolean } => {
      if (!row?.access_grant) return { grant: null, othersHeld: false };
      try {
        const stored = this.#vault.decrypt<StoredGrant>(row.access_grant, {
          organisationId: row.organisation_id,
          connectionId,
        });
        return stored.credentialsFingerprint === credentialsFingerprint
          ? { grant: stored.grant, othersHeld: false }
          : { grant: null, othersHeld: true };
      } catch {
        // A grant no key can read any more (`keys rotate` re-encrypts the readable ones) is fetched again.
        return { grant: null, othersHeld: false };
      }
    };
    const selectGrant = `select organisation_id, access_grant, status from crm_connections where id = ?`;
    return {
      seal: (grant, organisationId) =>
        JSON.stringify(
          this.#vault.encrypt({ credentialsFingerprint, grant } satisfies StoredGrant, {
            organisationId,
            connectionId,
          }),
        ),
      load: async () => {
        return read(await this.#sql.first(GrantRow, selectGrant, [connectionId])).grant;
      },
      refreshExclusively: (reuse, refresh) =>
        this.#sql.transaction(async (sql) => {
          await sql.run(`select pg_advisory_xact_lock(?, hashtext(?))`, [
            REFRESH_LOCK_NAMESPACE,
            connectionId,
          ]);
          const row = await sql.first(GrantRow, selectGrant, [connectionId]);
          const { grant: stored, othersHeld } = read(row);
          const reusable = reuse(stored);
          if (reusable) return reusable;
          const fresh = await refresh(stored);
          // A connection being created (no row yet) or reconnected (still disconnected, holding no
          // secrets) keeps its first grant in memory; the connection service shares it once stored.
          // A grant of other credentials is the connection's until those credentials are replaced
          // (new ones being verified, or an old worker still running): never overwrite it.
          if (row && row.status !== 'disconnected' && !othersHeld) {
            const stored: StoredGrant = { credentialsFingerprint, grant: fresh };
            const envelope = this.#vault.encrypt(stored, {
              organisationId: row.organisation_id,
              connectionId,
            });
            // Re-checked on write: a disconnect may have committed while the CRM answered.
            await sql.run(
              `update crm_connections set access_grant = ?::jsonb where id = ? and status <> 'disconnected'`,
              [sqlJson(envelope), connectionId],
            );
          }
          return fresh;
        }),
    };
  }
}
