import { Migration } from '@mikro-orm/migrations';

/**
 * `activities.withdrawn`: the CRM record reached a "not happening" stage (a viewing cancelled, an
 * offer withdrawn). The row stays for the audit but no longer counts towards the score; once set it
 * is never cleared, so a late replay of an earlier stage cannot revive the signal.
 */
export class Migration20261205120000WithdrawnActivities extends Migration {
  override name = 'Migration20261205120000_withdrawn_activities';

  override up(): void {
    this.addSql(`alter table activities add column withdrawn boolean not null default false;`);
  }

  override down(): void {
    this.addSql(`alter table activities drop column withdrawn;`);
  }
}
