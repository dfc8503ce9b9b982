import { Migration } from '@mikro-orm/migrations';

/**
 * Changes the host platform makes itself (`contacts.recordConsent`, `contacts.update`), one row each:
 * the audit of who, what, when and from where, and the CRM connections it was queued to. A consent
 * row is also the platform's consent record the sync's deny-wins rule reads (the newest `occurred_at`
 * of the channel stands). Rows go with their contact.
 */
export class Migration20261204120000PlatformConsent extends Migration {
  override name = 'Migration20261204120000_platform_consent';

  override up(): void {
    this.addSql(`
      create table platform_changes (
        id uuid primary key default gen_random_uuid(),
        created_at timestamptz not null default now(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        contact_id uuid not null references contacts (id) on delete cascade,
        kind text not null check (kind in ('consent', 'fields')),
        channel text check (channel in ('email', 'sms', 'phone', 'post')),
        status text check (status in ('granted', 'denied')),
        fields jsonb not null,
        source text not null,
        actor text not null,
        occurred_at timestamptz not null,
        queued_connections text[] not null default '{}',
        constraint platform_changes_consent_check check ((kind = 'consent') = (channel is not null and status is not null))
      );`);
    this.addSql(
      `create index platform_changes_consent_idx on platform_changes (contact_id, channel, occurred_at) where kind = 'consent';`,
    );
  }

  override down(): void {
    this.addSql(`drop table platform_changes;`);
  }
}
