import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-ins by OAuth redirect in progress: the admin's browser is at the CRM's authorize page and
 * comes back to /oauth/callback with `state`, possibly on another process; the page it returns to
 * then finishes the sign-in with the agency's own session (`completion_hash`). Each row is used
 * once and lives minutes; the PKCE verifier and the code are stored encrypted, the state and the
 * completion id only as hashes.
 */
export class Migration20261123180000OauthSignIns extends Migration {
  override name = 'Migration20261123180000_oauth_sign_ins';

  override up(): void {
    this.addSql(`
      create table oauth_sign_ins (
        state_hash text primary key,
        organisation_id uuid not null references organisations (id) on delete cascade,
        provider text not null references crm_providers (id),
        connection_id uuid references crm_connections (id) on delete cascade,
        settings jsonb not null,
        code_verifier jsonb not null,
        return_to text not null,
        returned_at timestamptz,
        completion_hash text unique,
        authorization_code jsonb,
        expires_at timestamptz not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index oauth_sign_ins_expires_idx on oauth_sign_ins (expires_at);`);
  }

  override down(): void {
    this.addSql(`drop table oauth_sign_ins;`);
  }
}
