import { Migration } from '@mikro-orm/migrations';

/**
 * Growth that stays bounded (README "Retention").
 *
 * - `crm_sync_log` becomes range-partitioned by `created_at`, one partition per UTC month
 *   (`crm_sync_log_y2026m12`), plus `crm_sync_log_default` for rows no month partition covers, so an
 *   insert never fails. Expiring a month is a `drop table`, not a DELETE. The primary key becomes
 *   `(id, created_at)` (a partitioned table's keys must hold the partition key); `id` is still the
 *   number (now drawn from a sequence the column owns) that orders a run's log. Existing rows are moved
 *   into month partitions.
 * - `maintenance_slots`: one row per periodic maintenance job, claimed like a sync slot, so each
 *   period's run happens in exactly one process.
 * - Partial indexes the retention's batched deletes read (finished runs, settled deliveries and host
 *   events), and `conflict_audit (sync_run_id)`: deleting a run checks the audit's foreign key.
 */
/**
 * The log's columns and constraints but its id and key, the same before and after partitioning.
 * The partitioned id takes its values from a sequence the column owns rather than an identity:
 * PostgreSQL allows an identity on a partitioned table only from version 17, and a `DATABASE_URL`
 * server may be older (Debian 12 ships 15).
 */
const IDENTITY_ID = `id bigint generated always as identity`;
const SEQUENCE_ID = `id bigint not null default nextval('crm_sync_log_id_seq')`;
const LOG_COLUMNS = `
  sync_run_id uuid,
  connection_id uuid not null,
  organisation_id uuid not null,
  entity_type text not null,
  direction text not null,
  external_id text,
  internal_id uuid,
  status text not null,
  error_code text,
  error text,
  status_code integer,
  created_at timestamptz not null default now(),
  -- Named as before: the renamed table still holds the old names until it is dropped.
  constraint crm_sync_log_sync_run_id_fkey foreign key (sync_run_id) references sync_runs (id) on delete cascade,
  constraint crm_sync_log_connection_id_fkey foreign key (connection_id) references crm_connections (id)
    on delete cascade,
  constraint crm_sync_log_organisation_id_fkey foreign key (organisation_id) references organisations (id)
    on delete cascade,
  constraint crm_sync_log_entity_type_check
    check (entity_type in ('contact', 'activity', 'journal_entry', 'note', 'metadata', 'webhook')),
  constraint crm_sync_log_direction_check check (direction in ('inbound', 'outbound')),
  constraint crm_sync_log_status_check check (status in ('created', 'updated', 'unchanged', 'merged',
    'deactivated', 'skipped', 'error', 'reimported'))`;

export class Migration20261205090000BoundedGrowth extends Migration {
  override name = 'Migration20261205090000_bounded_growth';

  override up(): void {
    this.#setLogAside('crm_sync_log_unpartitioned');
    this.addSql(`create sequence crm_sync_log_id_seq as bigint;`);
    this.addSql(`
      create table crm_sync_log (${SEQUENCE_ID}, ${LOG_COLUMNS},
        constraint crm_sync_log_pkey primary key (id, created_at)
      ) partition by range (created_at);`);
    this.addSql(`alter sequence crm_sync_log_id_seq owned by crm_sync_log.id;`);
    this.addSql(`create table crm_sync_log_default partition of crm_sync_log default;`);
    this.#indexLog();
    // A partition for every month the log already has, and for this month and the next two (the
    // retention job keeps making them ahead: retention.ts).
    this.addSql(`
      do $$
      declare
        month_start timestamp;
      begin
        for month_start in
          select distinct date_trunc('month', created_at at time zone 'UTC') from crm_sync_log_unpartitioned
          union
          select date_trunc('month', now() at time zone 'UTC') + make_interval(months => ahead)
            from generate_series(0, 2) as ahead
        loop
          execute format('create table %I partition of crm_sync_log for values from (%L) to (%L)',
            'crm_sync_log_' || to_char(month_start, '"y"YYYY"m"MM'),
            month_start at time zone 'UTC', (month_start + interval '1 month') at time zone 'UTC');
        end loop;
      end;
      $$;`);
    this.#copyLogFrom('crm_sync_log_unpartitioned');

    this.addSql(`
      create table maintenance_slots (
        job text primary key,
        next_run_at timestamptz not null
      );`);

    this.addSql(
      `create index sync_runs_finished_idx on sync_runs (finished_at) where finished_at is not null;`,
    );
    this.addSql(
      `create index webhook_deliveries_settled_idx on webhook_deliveries (received_at) where status in ('processed', 'dead_lettered');`,
    );
    this.addSql(
      `create index host_events_settled_idx on host_events (created_at) where status = 'delivered' or next_attempt_at = 'infinity';`,
    );
    this.addSql(`create index conflict_audit_sync_run_idx on conflict_audit (sync_run_id);`);
  }

  override down(): void {
    this.addSql(`drop index conflict_audit_sync_run_idx;`);
    this.addSql(`drop index host_events_settled_idx;`);
    this.addSql(`drop index webhook_deliveries_settled_idx;`);
    this.addSql(`drop index sync_runs_finished_idx;`);
    this.addSql(`drop table maintenance_slots;`);

    this.#setLogAside('crm_sync_log_partitioned');
    this.addSql(
      `create table crm_sync_log (${IDENTITY_ID}, ${LOG_COLUMNS}, constraint crm_sync_log_pkey primary key (id));`,
    );
    this.#copyLogFrom('crm_sync_log_partitioned', { overridingIdentity: true });
    this.#indexLog();
  }

  /** Renames the log, its key, indexes and identity, freeing their names for the new table. */
  #setLogAside(name: string): void {
    this.addSql(`alter table crm_sync_log rename to ${name};`);
    this.addSql(`alter index crm_sync_log_pkey rename to ${name}_pkey;`);
    this.addSql(`alter index crm_sync_log_run_idx rename to ${name}_run_idx;`);
    this.addSql(`alter index crm_sync_log_connection_status_idx rename to ${name}_connection_status_idx;`);
    this.addSql(`alter sequence crm_sync_log_id_seq rename to ${name}_id_seq;`);
  }

  #indexLog(): void {
    this.addSql(`create index crm_sync_log_run_idx on crm_sync_log (sync_run_id, id);`);
    this.addSql(
      `create index crm_sync_log_connection_status_idx on crm_sync_log (connection_id, status, created_at desc);`,
    );
  }

  /** Copies every row, ids included, then drops the old table; the id's sequence carries on after them. */
  #copyLogFrom(name: string, options: { overridingIdentity?: boolean } = {}): void {
    this.addSql(`
      insert into crm_sync_log ${options.overridingIdentity ? 'overriding system value' : ''}
      select id, sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, internal_id,
        status, error_code, error, status_code, created_at
      from ${name};`);
    this.addSql(
      `select setval(pg_get_serial_sequence('crm_sync_log', 'id'), coalesce((select max(id) from crm_sync_log), 0) + 1, false);`,
    );
    this.addSql(`drop table ${name};`);
  }
}
