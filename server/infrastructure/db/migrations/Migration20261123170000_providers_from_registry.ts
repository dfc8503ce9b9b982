import { Migration } from '@mikro-orm/migrations';

/**
 * The provider list lives in one place, the code's registry (server/adapters/registry.ts), which
 * writes its rows into `crm_providers` at start-up. Connections keep their foreign key to that
 * table; the check constraints that repeated the list go (ids keep a format check), so adding a
 * CRM needs no migration. An activity's source is a provider id or 'propsync'.
 */
export class Migration20261123170000ProvidersFromRegistry extends Migration {
  override name = 'Migration20261123170000_providers_from_registry';

  override up(): void {
    this.addSql(`alter table crm_connections drop constraint if exists crm_connections_provider_check;`);
    this.addSql(`alter table crm_providers drop constraint if exists crm_providers_id_check;`);
    this.addSql(
      `alter table crm_providers add constraint crm_providers_id_format check (id ~ '^[a-z][a-z0-9-]{1,31}$');`,
    );
    this.addSql(`alter table activities drop constraint if exists activities_source_check;`);
    this.addSql(
      `alter table activities add constraint activities_source_format check (source ~ '^[a-z][a-z0-9-]{1,31}$');`,
    );
  }

  override down(): void {
    this.addSql(`alter table activities drop constraint activities_source_format;`);
    this.addSql(
      `alter table activities add constraint activities_source_check
         check (source in ('agentos', 'reapit', 'alto', 'street', 'loop', 'custom', 'propsync'));`,
    );
    this.addSql(`alter table crm_providers drop constraint crm_providers_id_format;`);
    this.addSql(
      `alter table crm_providers add constraint crm_providers_id_check
         check (id in ('agentos', 'reapit', 'alto', 'street', 'loop', 'custom'));`,
    );
    this.addSql(
      `alter table crm_connections add constraint crm_connections_provider_check
         check (provider in ('agentos', 'reapit', 'alto', 'street', 'loop', 'custom'));`,
    );
  }
}
