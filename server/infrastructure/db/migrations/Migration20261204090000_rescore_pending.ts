import { Migration } from '@mikro-orm/migrations';

/**
 * Rescoring that survives a crash.
 *
 * - `rescore_marks`: a row per contact whose signals changed since its score was computed, written
 *   in the statement that stores the signal and removed by the rescoring that read it. A process
 *   killed between storing activities and rescoring leaves the mark, and the next cycle (or the
 *   scheduled rescoring) finishes the job. A table apart from `contacts`, so storing a signal never
 *   locks a contact row that a page of contacts is updating.
 * - The host feed's change marker ignores the rescoring's claim alone (`rescored_at`): the feed
 *   shows a contact when something the host can see changed.
 */
export class Migration20261204090000RescorePending extends Migration {
  override name = 'Migration20261204090000_rescore_pending';

  override up(): void {
    this.addSql(`
      create table rescore_marks (
        contact_id uuid primary key references contacts (id) on update cascade on delete cascade,
        organisation_id uuid not null references organisations (id) on delete cascade,
        marked_at timestamptz not null);`);
    this.addSql(`create index rescore_marks_organisation_idx on rescore_marks (organisation_id);`);
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

  override down(): void {
    this.addSql(`
      create or replace function contacts_changed_xid() returns trigger language plpgsql as $$
      begin
        new.changed_xid := pg_current_xact_id();
        return new;
      end $$;`);
    this.addSql(`drop table rescore_marks;`);
  }
}
