import { Migration } from '@mikro-orm/migrations';

/**
 * A mapping review that matters (issue 14, part 5).
 *
 * - `crm_connections.field_mapping_overrides`: the admin's nurture category per applicant type or
 *   tenancy status, and the CRM field chosen where the CRM has several for one canonical field.
 * - `field_mapping_audit`: every confirmation and every change of overrides, with who, when and
 *   what changed; kept as long as the connection.
 * - Until a connection's mapping is confirmed nothing is written back to its CRM. Connections that
 *   exist now were already writing back, and their operators expect them to go on: they are
 *   recorded as confirmed, each with an audit row saying it was by this migration.
 */
export class Migration20261204110000MappingReview extends Migration {
  override name = 'Migration20261204110000_mapping_review';

  override up(): void {
    this.addSql(
      `alter table crm_connections add column field_mapping_overrides jsonb not null
         default '{"categories": {}, "fields": {}}'::jsonb;`,
    );
    this.addSql(`
      create table field_mapping_audit (
        id uuid primary key default gen_random_uuid(),
        action text not null,
        organisation_id uuid not null references organisations (id) on delete cascade,
        connection_id uuid not null references crm_connections (id) on delete cascade,
        created_at timestamptz not null default now(),
        actor text not null,
        changes jsonb not null,
        overrides jsonb not null,
        constraint field_mapping_audit_action_check check (action in ('confirmed', 'overrides_changed'))
      );`);
    this.addSql(
      `create index field_mapping_audit_connection_idx on field_mapping_audit (connection_id, created_at desc);`,
    );
    this.addSql(
      `insert into field_mapping_audit (organisation_id, connection_id, action, actor, changes, overrides)
       select organisation_id, id, 'confirmed', 'migration', '[]'::jsonb, field_mapping_overrides
       from crm_connections where field_mapping_confirmed_at is null;`,
    );
    this.addSql(
      `update crm_connections set field_mapping_confirmed_at = now() where field_mapping_confirmed_at is null;`,
    );
  }

  override down(): void {
    // What this migration confirmed, and nobody confirmed since, goes back to unconfirmed.
    this.addSql(
      `update crm_connections c set field_mapping_confirmed_at = null
       where exists (select 1 from field_mapping_audit a where a.connection_id = c.id and a.actor = 'migration')
         and not exists (select 1 from field_mapping_audit a where a.connection_id = c.id
           and a.action = 'confirmed' and a.actor <> 'migration');`,
    );
    this.addSql(`drop table field_mapping_audit;`);
    this.addSql(`alter table crm_connections drop column field_mapping_overrides;`);
  }
}
