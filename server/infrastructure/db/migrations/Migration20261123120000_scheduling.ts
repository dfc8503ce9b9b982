import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduling on many processes: each connection's next scheduled slot lives in the database, so
 * exactly one process claims it, and a run records the slot it serves, so a slot can never run
 * twice even if its job were delivered twice.
 */
export class Migration20261123120000Scheduling extends Migration {
  override name = 'Migration20261123120000_scheduling';

  override up(): void {
    this.addSql(`alter table crm_connections add column next_sync_at timestamptz;`);
    this.addSql(
      `create index crm_connections_next_sync_idx on crm_connections (next_sync_at) where status = 'active';`,
    );
    this.addSql(`alter table sync_runs add column scheduled_for timestamptz;`);
    this.addSql(
      `create unique index sync_runs_scheduled_slot_idx on sync_runs (connection_id, scheduled_for) where scheduled_for is not null;`,
    );
  }

  override down(): void {
    this.addSql(`drop index sync_runs_scheduled_slot_idx;`);
    this.addSql(`alter table sync_runs drop column scheduled_for;`);
    this.addSql(`drop index crm_connections_next_sync_idx;`);
    this.addSql(`alter table crm_connections drop column next_sync_at;`);
  }
}
