import { Migration } from '@mikro-orm/migrations';

/**
 * Rescoring that survives a crash.
 *
 * - `contacts.signals_changed_at`: set in the statement that stores a contact's new signal, cleared
 *   once a rescoring has read that state. A process killed between storing activities and
 *   rescoring leaves the mark, and the next cycle (or the scheduled rescoring) finishes the job.
 * - The host feed's change marker ignores rescoring bookkeeping alone (a claim, a mark): the feed
 *   shows a contact when something the host can see changed.
 */
export class Migration20261204090000RescorePending extends Migration {
  override name = 'Migration20261204090000_rescore_pending';

  override up(): void {
    this.addSql(`alter table contacts add column signals_changed_at timestamptz;`);
    this.addSql(
      `create index contacts_rescore_pending_idx on contacts (organisation_id) where signals_changed_at is not null;`,
    );
    this.addSql(`
      create or replace function contacts_changed_xid() returns trigger language plpgsql as $$
      begin
        if to_jsonb(new) - array['rescored_at', 'signals_changed_at', 'changed_xid']
           = to_jsonb(old) - array['rescored_at', 'signals_changed_at', 'changed_xid'] then
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
        new.changed_xid := pg_current_xact_id();
        return new;
      end $$;`);
    this.addSql(`drop index contacts_rescore_pending_idx;`);
    this.addSql(`alter table contacts drop column signals_changed_at;`);
  }
}
