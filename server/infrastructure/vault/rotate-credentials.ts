import { z } from 'zod';
import { PropsyncError } from '../../core/errors.ts';
import type { EntityManager } from '../db/orm.ts';
import { Sql, sqlJson, type SqlJson } from '../db/sql.ts';
import type { Logger } from '../logger.ts';
import type { CredentialVault } from './credential-vault.ts';

/** Outcome of one rotation pass. Failed rows were left exactly as they were. */
export type RotationResult = {
  rotated: number;
  alreadyCurrent: number;
  failed: Array<{ connectionId: string; error: string }>;
};

/** Rows listed per round trip; each row is still locked and rewritten in its own transaction. */
export const DEFAULT_ROTATION_BATCH_SIZE = 100;

const CandidateRow = z.object({
  id: z.string(),
  kid: z.string().nullable(),
  has_credentials: z.boolean(),
  secret_kid: z.string().nullable(),
  has_secret: z.boolean(),
  grant_kid: z.string().nullable(),
  has_grant: z.boolean(),
});
/** The sealed values are the vault's to read: here they are only handed to it. */
const LockedRow = z.object({
  id: z.string(),
  organisation_id: z.string(),
  credentials: z.unknown(),
  webhook_secret: z.unknown(),
  access_grant: z.unknown(),
});

/**
 * Re-encrypts every stored connection credential under the vault's active key. Safe alongside a
 * running server: each row is re-read under `select … for update` in a short transaction, so a
 * concurrent reconnect either happens before (and is rotated) or waits. Rows that cannot be
 * decrypted are reported in `failed` and left untouched. Running it again is harmless.
 */
export async function rotateCredentials(
  em: EntityManager,
  vault: CredentialVault,
  logger?: Logger,
  options: { batchSize?: number } = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? DEFAULT_ROTATION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer.');
  const activeKeyId = vault.activeKeyId;
  const sql = new Sql(em);
  const result: RotationResult = { rotated: 0, alreadyCurrent: 0, failed: [] };

  // Keyset pagination by id: rows rewritten meanwhile neither repeat nor shift the window.
  let after: string | null = null;
  for (;;) {
    const batch: z.output<typeof CandidateRow>[] = await sql.rows(
      CandidateRow,
      `select id, credentials->>'kid' as kid, credentials is not null as has_credentials,
         webhook_secret->>'kid' as secret_kid, webhook_secret is not null as has_secret,
         access_grant->>'kid' as grant_kid, access_grant is not null as has_grant from crm_connections
        where (credentials is not null or webhook_secret is not null) and (?::uuid is null or id > ?::uuid)
        order by id limit ?`,
      [after, after, batchSize],
    );
    for (const candidate of batch) {
      const current =
        (!candidate.has_credentials || candidate.kid === activeKeyId) &&
        (!candidate.has_secret || candidate.secret_kid === activeKeyId) &&
        (!candidate.has_grant || candidate.grant_kid === activeKeyId);
      if (current) {
        result.alreadyCurrent += 1;
        continue;
      }
      const outcome = await rotateRow(sql, vault, candidate.id);
      if (outcome.kind === 'rotated') result.rotated += 1;
      else if (outcome.kind === 'current') result.alreadyCurrent += 1;
      else if (outcome.kind === 'failed') {
        result.failed.push({ connectionId: candidate.id, error: outcome.error });
        logger?.warn(
          { connectionId: candidate.id, code: outcome.code },
          'Could not re-encrypt connection credentials; left unchanged',
        );
      }
    }
    const last = batch.at(-1);
    if (last === undefined || batch.length < batchSize) break;
    after = last.id;
  }

  logger?.info(
    {
      activeKeyId,
      rotated: result.rotated,
      alreadyCurrent: result.alreadyCurrent,
      failed: result.failed.length,
    },
    'Credential rotation finished',
  );
  return result;
}

type RowOutcome =
  | { kind: 'rotated' }
  | { kind: 'current' }
  | { kind: 'gone' }
  | { kind: 'failed'; error: string; code: string };

async function rotateRow(sql: Sql, vault: CredentialVault, connectionId: string): Promise<RowOutcome> {
  try {
    return await sql.transaction(async (tx) => {
      const row = await tx.first(
        LockedRow,
        'select id, organisation_id, credentials, webhook_secret, access_grant from crm_connections where id = ? for update',
        [connectionId],
      );
      // Disconnected (credentials cleared) or deleted since it was listed: nothing to rotate.
      if (row === undefined || (row.credentials === null && row.webhook_secret === null))
        return { kind: 'gone' } as const;
      const stale = (value: unknown) => value !== null && vault.needsRotation(value);
      if (!stale(row.credentials) && !stale(row.webhook_secret) && !stale(row.access_grant))
        return { kind: 'current' } as const;
      const binding = { organisationId: row.organisation_id, connectionId: row.id };
      // The webhook secret is as sensitive as the credentials: it moves to the new key with them.
      const reencrypt = (value: unknown) =>
        value === null ? null : sqlJson(vault.encrypt(vault.decrypt<unknown>(value, binding), binding));
      // The shared access grant moves too: where refresh tokens rotate (Reapit sign-in) it holds the
      // only live one. A grant no key can read any more is useless and goes.
      let grant: SqlJson | null;
      try {
        grant = reencrypt(row.access_grant);
      } catch {
        grant = null;
      }
      await tx.run(
        'update crm_connections set credentials = ?::jsonb, webhook_secret = ?::jsonb, access_grant = ?::jsonb, updated_at = now() where id = ?',
        [reencrypt(row.credentials), reencrypt(row.webhook_secret), grant, row.id],
      );
      return { kind: 'rotated' } as const;
    });
  } catch (error) {
    // Vault errors never contain plaintext or key material, so their messages are safe to report.
    if (error instanceof PropsyncError) return { kind: 'failed', error: error.message, code: error.code };
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'failed', error: `Unexpected error: ${message}`, code: 'UNEXPECTED' };
  }
}
