import { Migration } from '@mikro-orm/migrations';

/**
 * Agencies are provisioned and offboarded by the host (`agencies.*`).
 *
 * - `external_ref`: the host's own id for the agency, so `agencies.create` is idempotent; unique
 *   among agencies not offboarded (an offboarded agency may be onboarded again as a new one).
 * - `offboarded_at`: an offboarded agency stays as a tombstone the audit trail points at; its
 *   tokens are refused.
 * - Offboarding keeps the conflict audit as a record of what happened without the person: the
 *   audit stays append-only (no DELETE, no TRUNCATE, no rewriting), with one narrow exception.
 *   Inside a transaction that declared the agency being offboarded
 *   (`set_config('propsync.offboarding_organisation', <id>, true)`), a row of that agency may be
 *   redacted exactly once: the contact link and both versions (the personal data) are emptied
 *   and `redacted_at` is set, while the fields that differed, the winner, the rule per field, both
 *   times, the connection and the cycle stay byte-for-byte. Any other change is still refused.
 */
export class Migration20261202120000AgencyProvisioning extends Migration {
  override name = 'Migration20261202120000_agency_provisioning';

  override up(): void {
    this.addSql(`alter table organisations add column external_ref text;`);
    this.addSql(`alter table organisations add column offboarded_at timestamptz;`);
    this.addSql(
      `create unique index organisations_external_ref_idx on organisations (external_ref) where external_ref is not null and offboarded_at is null;`,
    );
    this.addSql(`alter table conflict_audit alter column contact_id drop not null;`);
    this.addSql(`alter table conflict_audit add column redacted_at timestamptz;`);
    this.addSql(`
      create or replace function conflict_audit_is_immutable() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE'
          and old.redacted_at is null
          and old.organisation_id::text = current_setting('propsync.offboarding_organisation', true)
          and new.redacted_at is not null
          and new.contact_id is null
          and new.crm_version = '{}'::jsonb
          and new.platform_version = '{}'::jsonb
          and (new.id, new.organisation_id, new.connection_id, new.sync_run_id, new.crm_modified_at,
               new.platform_modified_at, new.differing_fields, new.resolutions, new.winner, new.created_at)
            is not distinct from
              (old.id, old.organisation_id, old.connection_id, old.sync_run_id, old.crm_modified_at,
               old.platform_modified_at, old.differing_fields, old.resolutions, old.winner, old.created_at)
        then
          return new;
        end if;
        raise exception 'conflict_audit is append-only: % is not allowed', tg_op using errcode = 'P0001';
      end;
      $$;`);
  }

  override down(): void {
    this.addSql(`
      create or replace function conflict_audit_is_immutable() returns trigger language plpgsql as $$
      begin
        raise exception 'conflict_audit is append-only: % is not allowed', tg_op using errcode = 'P0001';
      end;
      $$;`);
    this.addSql(`alter table conflict_audit drop column redacted_at;`);
    this.addSql(`alter table conflict_audit alter column contact_id set not null;`);
    this.addSql(`drop index organisations_external_ref_idx;`);
    this.addSql(`alter table organisations drop column offboarded_at;`);
    this.addSql(`alter table organisations drop column external_ref;`);
  }
}
