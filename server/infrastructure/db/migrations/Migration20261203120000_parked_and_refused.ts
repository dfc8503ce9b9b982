import { Migration } from '@mikro-orm/migrations';

/**
 * Nothing blocks, nothing is silent.
 *
 * - A webhook delivery that cannot be applied yet is `parked` (retried from `next_attempt_at`, never
 *   blocking later deliveries of its connection); past its bound it is `dead_lettered` with an alert.
 *   `parked_since` is when it first failed, the start of that bound. The unused `failed` becomes
 *   `dead_lettered`.
 * - A write-back the CRM refuses for good is `refused` (never claimed again) until an admin retries
 *   it (back to `pending`) or dismisses it (`dismissed`).
 * - Two alert kinds name these: `delivery_dead_lettered` and `write_refused`.
 */
export class Migration20261203120000ParkedAndRefused extends Migration {
  override name = 'Migration20261203120000_parked_and_refused';

  override up(): void {
    this.addSql(`alter table webhook_deliveries drop constraint webhook_deliveries_status_check;`);
    this.addSql(`update webhook_deliveries set status = 'dead_lettered' where status = 'failed';`);
    this.addSql(
      `alter table webhook_deliveries add constraint webhook_deliveries_status_check
         check (status in ('pending', 'processed', 'parked', 'dead_lettered'));`,
    );
    this.addSql(`alter table webhook_deliveries add column next_attempt_at timestamptz;`);
    this.addSql(`alter table webhook_deliveries add column parked_since timestamptz;`);
    this.addSql(`alter table webhook_deliveries add column dead_lettered_at timestamptz;`);

    this.addSql(`alter table outbound_writes drop constraint outbound_writes_status_check;`);
    this.addSql(
      `alter table outbound_writes add constraint outbound_writes_status_check
         check (status in ('pending', 'in_flight', 'done', 'failed', 'refused', 'dismissed'));`,
    );
    this.addSql(`alter table outbound_writes add column refused_at timestamptz;`);
    this.addSql(
      `create index outbound_writes_refused_idx on outbound_writes (organisation_id, refused_at) where status = 'refused';`,
    );

    this.addSql(`alter table alerts drop constraint alerts_kind_check;`);
    this.addSql(
      `alter table alerts add constraint alerts_kind_check check (kind in ('credentials_rejected', 'permission_denied',
         'connection_failing', 'webhook_registration_failed', 'rate_limited', 'hot_lead', 'sync_failed',
         'delivery_dead_lettered', 'write_refused'));`,
    );
  }

  override down(): void {
    this.addSql(`delete from alerts where kind in ('delivery_dead_lettered', 'write_refused');`);
    this.addSql(`alter table alerts drop constraint alerts_kind_check;`);
    this.addSql(
      `alter table alerts add constraint alerts_kind_check check (kind in ('credentials_rejected', 'permission_denied',
         'connection_failing', 'webhook_registration_failed', 'rate_limited', 'hot_lead', 'sync_failed'));`,
    );
    this.addSql(`drop index outbound_writes_refused_idx;`);
    this.addSql(`alter table outbound_writes drop column refused_at;`);
    this.addSql(`update outbound_writes set status = 'failed' where status in ('refused', 'dismissed');`);
    this.addSql(`alter table outbound_writes drop constraint outbound_writes_status_check;`);
    this.addSql(
      `alter table outbound_writes add constraint outbound_writes_status_check
         check (status in ('pending', 'in_flight', 'done', 'failed'));`,
    );
    this.addSql(`alter table webhook_deliveries drop column dead_lettered_at;`);
    this.addSql(`alter table webhook_deliveries drop column parked_since;`);
    this.addSql(`alter table webhook_deliveries drop column next_attempt_at;`);
    this.addSql(`alter table webhook_deliveries drop constraint webhook_deliveries_status_check;`);
    this.addSql(
      `update webhook_deliveries set status = 'failed' where status in ('parked', 'dead_lettered');`,
    );
    this.addSql(
      `alter table webhook_deliveries add constraint webhook_deliveries_status_check
         check (status in ('pending', 'processed', 'failed'));`,
    );
  }
}
