import { Migration } from '@mikro-orm/migrations';

/**
 * Deduplication looks contacts up by email and phone (GIN indexes) for every page it imports. With
 * GIN's pending-list ("fastupdate"), each lookup also reads every recent insert not yet merged into
 * the index, so lookups slowed as an import grew; writing straight into the index keeps them flat.
 */
export class Migration20261123160000DedupIndexTuning extends Migration {
  override name = 'Migration20261123160000_dedup_index_tuning';

  override up(): void {
    this.addSql(`alter index contacts_emails_idx set (fastupdate = off);`);
    this.addSql(`alter index contacts_phones_idx set (fastupdate = off);`);
  }

  override down(): void {
    this.addSql(`alter index contacts_emails_idx reset (fastupdate);`);
    this.addSql(`alter index contacts_phones_idx reset (fastupdate);`);
  }
}
