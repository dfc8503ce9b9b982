import { Migration } from '@mikro-orm/migrations';

/**
 * The host's contacts feed (`contacts.list`): a keyset that no concurrent sync can make skip or
 * repeat a contact. Timestamps cannot give that (a transaction that commits late may carry an
 * earlier time than rows already read), so each contact carries the transaction ids that created
 * and last changed it, and a reader only goes up to the oldest transaction still running
 * (`pg_snapshot_xmin`): everything below it has committed, and nothing new can appear below it.
 */
export class Migration20261203130000ContactFeed extends Migration {
  override name = 'Migration20261203130000_contact_feed';

  override up(): void {
    this.addSql(`alter table contacts add column created_xid xid8 not null default pg_current_xact_id();`);
    this.addSql(`alter table contacts add column changed_xid xid8 not null default pg_current_xact_id();`);
    this.addSql(`
      create function contacts_changed_xid() returns trigger language plpgsql as $$
      begin
        new.changed_xid := pg_current_xact_id();
        return new;
      end $$;`);
    this.addSql(
      `create trigger contacts_changed_xid before update on contacts for each row execute function contacts_changed_xid();`,
    );
    this.addSql(`create index contacts_feed_full_idx on contacts (organisation_id, created_xid, id);`);
    this.addSql(`create index contacts_feed_changes_idx on contacts (organisation_id, changed_xid, id);`);
  }

  override down(): void {
    this.addSql(`drop trigger contacts_changed_xid on contacts;`);
    this.addSql(`drop function contacts_changed_xid();`);
    this.addSql(`alter table contacts drop column changed_xid;`);
    this.addSql(`alter table contacts drop column created_xid;`);
  }
}
