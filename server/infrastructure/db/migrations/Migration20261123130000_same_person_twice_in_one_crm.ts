import { Migration } from '@mikro-orm/migrations';

/**
 * A CRM can hold one person as several records (agentOS keeps a record per list; agents enter
 * duplicates). Those records all link to the one Propsync contact, so a contact may have several
 * external ids from the same provider. An external id stays unique within its connection.
 */
export class Migration20261123130000SamePersonTwiceInOneCrm extends Migration {
  override name = 'Migration20261123130000_same_person_twice_in_one_crm';

  override up(): void {
    this.addSql(
      `alter table contact_external_ids drop constraint contact_external_ids_contact_id_provider_key;`,
    );
    this.addSql(
      `create index contact_external_ids_contact_idx on contact_external_ids (contact_id, provider);`,
    );
  }

  override down(): void {
    this.addSql(`drop index contact_external_ids_contact_idx;`);
    this.addSql(
      `alter table contact_external_ids add constraint contact_external_ids_contact_id_provider_key unique (contact_id, provider);`,
    );
  }
}
