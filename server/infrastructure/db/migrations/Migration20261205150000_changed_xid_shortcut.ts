import { Migration } from '@mikro-orm/migrations';

/**
 * The contacts feed's change marker (`changed_xid`) decided at the cost of a column when it can be:
 * an update that moves `updated_at` changed the row whatever else it did, so the two whole-row
 * jsonb copies (what ignores the rescoring's claim alone, `rescored_at`) are only built for updates
 * that leave it. Same outcome for every update; measured in `npm run bench` (concurrent-import),
 * the comparison was over half the cost of saving a score.
 */
export class Migration20261205150000ChangedXidShortcut extends Migration {
  override name = 'Migration20261205150000_changed_xid_shortcut';

  override up(): void {
    this.addSql(`
      create or replace function contacts_changed_xid() returns trigger language plpgsql as $$
      begin
        if new.updated_at is distinct from old.updated_at then
          new.changed_xid := pg_current_xact_id();
        elsif to_jsonb(new) - array['rescored_at', 'changed_xid'] = to_jsonb(old) - array['rescored_at', 'changed_xid'] then
          new.changed_xid := old.changed_xid;
        else
          new.changed_xid := pg_current_xact_id();
        end if;
        return new;
      end $$;`);
  }

  override down(): void {
    this.addSql(`
      create or replace function contacts_changed_xid() returns trigger language plpgsql as $$
      begin
        if to_jsonb(new) - array['rescored_at', 'changed_xid'] = to_jsonb(old) - array['rescored_at', 'changed_xid'] then
          new.changed_xid := old.changed_xid;
        else
          new.changed_xid := pg_current_xact_id();
        end if;
        return new;
      end $$;`);
  }
}
