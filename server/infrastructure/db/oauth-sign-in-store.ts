import { z } from 'zod';
import { CrmProviderSchema } from '../../../shared/providers.ts';
import type { OAuthSignInStore, ReturnedSignIn, SignInReturn } from '../../core/ports/oauth-sign-in-store.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson } from './sql.ts';

const ReturnColumns = { organisation_id: z.string(), provider: CrmProviderSchema, return_to: z.string() };

const ReturnRow = z
  .object(ReturnColumns)
  .transform((row): SignInReturn => ({
    organisationId: row.organisation_id,
    provider: row.provider,
    returnTo: row.return_to,
  }));

const ReturnedRow = z
  .object({
    ...ReturnColumns,
    state_hash: z.string(),
    connection_id: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    code_verifier: z.unknown(),
    authorization_code: z.unknown(),
  })
  .transform((row): ReturnedSignIn => ({
    organisationId: row.organisation_id,
    provider: row.provider,
    returnTo: row.return_to,
    stateHash: row.state_hash,
    connectionId: row.connection_id,
    settings: row.settings,
    sealedCodeVerifier: row.code_verifier,
    sealedAuthorizationCode: row.authorization_code,
  }));

export class PostgresOAuthSignInStore implements OAuthSignInStore {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async start(signIn: Parameters<OAuthSignInStore['start']>[0]): Promise<void> {
    await this.#sql.run(
      `insert into oauth_sign_ins (state_hash, organisation_id, provider, connection_id, settings, code_verifier, return_to, expires_at)
       values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, now() + make_interval(mins => ?))`,
      [
        signIn.stateHash,
        signIn.organisationId,
        signIn.provider,
        signIn.connectionId,
        sqlJson(signIn.settings),
        sqlJson(signIn.sealedCodeVerifier),
        signIn.returnTo,
        signIn.lifetimeMinutes,
      ],
    );
  }

  async abandon(stateHash: string): Promise<SignInReturn | null> {
    const row = await this.#sql.first(
      ReturnRow,
      `delete from oauth_sign_ins where state_hash = ? and returned_at is null and expires_at > now()
       returning organisation_id, provider, return_to`,
      [stateHash],
    );
    return row ?? null;
  }

  async awaitingReturn(stateHash: string): Promise<SignInReturn | null> {
    const row = await this.#sql.first(
      ReturnRow,
      `select organisation_id, provider, return_to from oauth_sign_ins
       where state_hash = ? and returned_at is null and expires_at > now()`,
      [stateHash],
    );
    return row ?? null;
  }

  async markReturned(
    stateHash: string,
    returned: { completionHash: string; sealedAuthorizationCode: unknown; finishWithinMinutes: number },
  ): Promise<boolean> {
    const updated = await this.#sql.rows(
      z.object({ state_hash: z.string() }),
      `update oauth_sign_ins set returned_at = now(), completion_hash = ?, authorization_code = ?::jsonb,
         expires_at = now() + make_interval(mins => ?)
       where state_hash = ? and returned_at is null returning state_hash`,
      [
        returned.completionHash,
        sqlJson(returned.sealedAuthorizationCode),
        returned.finishWithinMinutes,
        stateHash,
      ],
    );
    return updated.length > 0;
  }

  async takeReturned(completionHash: string, organisationId: string): Promise<ReturnedSignIn | null> {
    // Deleted as it is read: a sign-in finishes once, whichever process is asked.
    const row = await this.#sql.first(
      ReturnedRow,
      `delete from oauth_sign_ins
       where completion_hash = ? and organisation_id = ? and returned_at is not null and expires_at > now()
       returning state_hash, organisation_id, provider, connection_id, settings, code_verifier, authorization_code, return_to`,
      [completionHash, organisationId],
    );
    return row ?? null;
  }

  async pruneExpired(): Promise<void> {
    await this.#sql.run(`delete from oauth_sign_ins where expires_at <= now()`);
  }
}
