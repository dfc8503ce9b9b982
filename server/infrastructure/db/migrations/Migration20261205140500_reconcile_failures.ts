import { Migration } from '@mikro-orm/migrations';

/**
 * `crm_connections.reconcile_failures`: reconciliations in a row that failed for a passing reason
 * (the CRM unavailable, a timeout). Each is retried sooner than the normal interval, with a backoff
 * that grows with this count (`reconciliationRetryDelayMs`); a run that ends otherwise resets it.
 */
export class Migration20261205140500ReconcileFailures extends Migration {
  override name = 'Migration20261205140500_reconcile_failures';

  override up(): void {
    this.addSql(`alter table crm_connections add column reconcile_failures integer not null default 0;`);
  }

  override down(): void {
    this.addSql(`alter table crm_connections drop column reconcile_failures;`);
  }
}
