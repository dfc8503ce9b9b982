import { Migration } from '@mikro-orm/migrations';

/**
 * Real time: the per-connection webhook secret (encrypted like credentials), the agency's host
 * webhook and scoring policy, and the indexes the delivery and host-event workers poll by.
 */
export class Migration20261123140000RealTime extends Migration {
  override name = 'Migration20261123140000_real_time';

  override up(): void {
    this.addSql(`alter table crm_connections add column webhook_secret jsonb;`);
    this.addSql(`alter table crm_connections drop constraint crm_connections_check;`);
    this.addSql(
      `alter table crm_connections add constraint crm_connections_disconnected_keeps_no_secrets
         check (status <> 'disconnected' or (credentials is null and webhook_secret is null));`,
    );
    this.addSql(`alter table organisations add column host_webhook_url text;`);
    this.addSql(`alter table organisations add column host_webhook_secret jsonb;`);
    this.addSql(`alter table organisations add column scoring_policy jsonb;`);
    this.addSql(
      `create index webhook_deliveries_pending_idx on webhook_deliveries (connection_id, received_at) where status <> 'processed';`,
    );
    this.addSql(
      `create index host_events_due_idx on host_events (next_attempt_at) where status <> 'delivered';`,
    );
    this.addSql(
      `create index activities_organisation_idx on activities (organisation_id, occurred_at desc);`,
    );
  }

  override down(): void {
    this.addSql(`drop index activities_organisation_idx;`);
    this.addSql(`drop index host_events_due_idx;`);
    this.addSql(`drop index webhook_deliveries_pending_idx;`);
    this.addSql(`alter table organisations drop column scoring_policy;`);
    this.addSql(`alter table organisations drop column host_webhook_secret;`);
    this.addSql(`alter table organisations drop column host_webhook_url;`);
    this.addSql(`alter table crm_connections drop constraint crm_connections_disconnected_keeps_no_secrets;`);
    this.addSql(
      `alter table crm_connections add constraint crm_connections_check check (status <> 'disconnected' or credentials is null);`,
    );
    this.addSql(`alter table crm_connections drop column webhook_secret;`);
  }
}
