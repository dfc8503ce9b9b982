import { Migration } from '@mikro-orm/migrations';

/**
 * `crm_connections.credentials_changed_at`: when the admin last connected or reconnected, and
 * `sync_runs.credentials_changed_at`: the connection's value when the run started. A run whose
 * value is no longer the connection's ran with credentials the admin replaced; its "credentials
 * rejected" says nothing about the new ones, so it must not put the connection back in error.
 * (Compared as versions, not times: a cycle's clock is not the database's.)
 */
export class Migration20261205110000CredentialsChangedAt extends Migration {
  override name = 'Migration20261205110000_credentials_changed_at';

  override up(): void {
    this.addSql(`alter table crm_connections add column credentials_changed_at timestamptz;`);
    this.addSql(`alter table sync_runs add column credentials_changed_at timestamptz;`);
  }

  override down(): void {
    this.addSql(`alter table sync_runs drop column credentials_changed_at;`);
    this.addSql(`alter table crm_connections drop column credentials_changed_at;`);
  }
}
