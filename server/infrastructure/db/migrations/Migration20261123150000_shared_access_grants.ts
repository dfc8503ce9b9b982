import { Migration } from '@mikro-orm/migrations';

/** The connection's current access grant, encrypted, shared by every process (one refresh at a time). */
export class Migration20261123150000SharedAccessGrants extends Migration {
  override name = 'Migration20261123150000_shared_access_grants';

  override up(): void {
    this.addSql(`alter table crm_connections add column access_grant jsonb;`);
    this.addSql(`alter table crm_connections drop constraint crm_connections_disconnected_keeps_no_secrets;`);
    this.addSql(
      `alter table crm_connections add constraint crm_connections_disconnected_keeps_no_secrets
         check (status <> 'disconnected' or (credentials is null and webhook_secret is null and access_grant is null));`,
    );
  }

  override down(): void {
    this.addSql(`alter table crm_connections drop constraint crm_connections_disconnected_keeps_no_secrets;`);
    this.addSql(
      `alter table crm_connections add constraint crm_connections_disconnected_keeps_no_secrets
         check (status <> 'disconnected' or (credentials is null and webhook_secret is null));`,
    );
    this.addSql(`alter table crm_connections drop column access_grant;`);
  }
}
