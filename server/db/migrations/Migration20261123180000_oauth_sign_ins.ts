import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-ins by OAuth redirect in progress: the admin's browser is at the CRM's authorize page and
 * comes back to /oauth/callback with `state`, possibly on another process. Each row is used once
 * and lives ten minutes; the PKCE verifier is stored encrypted, and the state only as its hash.
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
        expires_at timestamptz not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index oauth_sign_ins_expires_idx on oauth_sign_ins (expires_at);`);
  }

  override down(): void {
    this.addSql(`drop table oauth_sign_ins;`);
  }
}
