import { Migration } from '@mikro-orm/migrations';

/**
 * `crm_connections.credentials_changed_at`: when the admin last connected or reconnected. A cycle
 * that started before then ran with the credentials the admin replaced; its "credentials rejected"
 * says nothing about the new ones, so it must not put the connection back in error.
 */
export class Migration20261205110000CredentialsChangedAt extends Migration {
  override name = 'Migration20261205110000_credentials_changed_at';

  override up(): void {
    this.addSql(`alter table crm_connections add column credentials_changed_at timestamptz;`);
  }

  override down(): void {
    this.addSql(`alter table crm_connections drop column credentials_changed_at;`);
  }
}
