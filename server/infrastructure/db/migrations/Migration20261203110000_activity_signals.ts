import { Migration } from '@mikro-orm/migrations';

/**
 * Activities polled from the CRMs, and scores that live in time.
 *
 * - `activities.signal_key`: one CRM record is one signal whatever its stage (a viewing booked then
 *   completed, an offer submitted then accepted), so uniqueness is (source, external id, stage
 *   family) and a later stage updates the row. Email events keep one row per type (a message sent,
 *   opened and clicked are three signals): their key is their type.
 * - `contacts.rescored_at`: the scheduled rescoring claims each scored contact once per period.
 */
export class Migration20261203110000ActivitySignals extends Migration {
  override name = 'Migration20261203110000_activity_signals';

  override up(): void {
    this.addSql(`alter table activities add column signal_key text;`);
    this.addSql(`
      update activities set signal_key = case
        when type in ('viewing_booked', 'viewing_completed') then 'viewing'
        when type in ('offer_submitted', 'offer_progressed') then 'offer'
        else type end;`);
    // Rows of one record at two stages become one: the later stage stays.
    this.addSql(`
      delete from activities a using activities b
      where a.organisation_id = b.organisation_id and a.source = b.source and a.external_id = b.external_id
        and a.signal_key = b.signal_key and a.id <> b.id
        and (a.type < b.type or (a.type = b.type and a.id < b.id));`);
    this.addSql(`alter table activities alter column signal_key set not null;`);
    this.addSql(
      `alter table activities drop constraint activities_organisation_id_source_external_id_type_key;`,
    );
    this.addSql(
      `alter table activities add constraint activities_organisation_id_source_external_id_signal_key_key unique (organisation_id, source, external_id, signal_key);`,
    );
    this.addSql(`alter table contacts add column rescored_at timestamptz;`);
    this.addSql(
      `create index contacts_rescore_due_idx on contacts (rescored_at) where intent_score > 0 or hot_lead_at is not null;`,
    );
  }

  override down(): void {
    this.addSql(`drop index contacts_rescore_due_idx;`);
    this.addSql(`alter table contacts drop column rescored_at;`);
    this.addSql(
      `alter table activities drop constraint activities_organisation_id_source_external_id_signal_key_key;`,
    );
    this.addSql(
      `alter table activities add constraint activities_organisation_id_source_external_id_type_key unique (organisation_id, source, external_id, type);`,
    );
    this.addSql(`alter table activities drop column signal_key;`);
  }
}
