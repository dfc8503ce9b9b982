import { Migration } from '@mikro-orm/migrations';

/** What a redaction empties: the contact link and both versions; `redacted_at` records it. */
const REDACTED = `'{contact_id,crm_version,platform_version,redacted_at}'::text[]`;

/**
 * The audit's redaction rule, with `allowed` naming who may redact a row. Every column but the
 * redacted ones must stay as it was, so a column added later is protected without a new rule.
 */
function conflictAuditGuard(allowed: string): string {
  return `
    create or replace function conflict_audit_is_immutable() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.redacted_at is null and (${allowed})
        and new.redacted_at is not null and new.contact_id is null
        and new.crm_version = '{}'::jsonb and new.platform_version = '{}'::jsonb
        and to_jsonb(new) - ${REDACTED} = to_jsonb(old) - ${REDACTED}
      then
        return new;
      end if;
      raise exception 'conflict_audit is append-only: % is not allowed', tg_op using errcode = 'P0001';
    end;
    $$;`;
}

const OFFBOARDING = `old.organisation_id::text = current_setting('propsync.offboarding_organisation', true)`;
const ERASING = `old.contact_id::text = current_setting('propsync.erasing_contact', true)`;

/**
 * The right to erasure, and deletions the CRM made while its webhook was lost.
 *
 * - `erasure_tombstones`: the erased person's identifiers as keyed hashes (HMAC with a server
 *   secret, so a leaked table cannot be reversed by trying emails): each CRM record (its
 *   connection and id) and each normalised email and phone, the rows of one erasure sharing its
 *   `erasure_id`. A sync does not import a record that matches one unless the CRM changed the
 *   record after the erasure; `reimported_at` records that.
 * - The conflict audit may also be redacted, once per row, for the contact being erased, inside
 *   the transaction that declared it (`set_config('propsync.erasing_contact', <id>, true)`), under
 *   the same rule as offboarding: only the contact link and both versions are emptied. The rule now
 *   compares every other column as a whole, so it also covers columns added later.
 * - `crm_sync_log.status` 'reimported': a record of an erased person imported again.
 * - The reconciliation: `contact_external_ids.reconcile_misses` counts consecutive complete
 *   listings of the CRM that did not list the record; `crm_connections.next_reconcile_at` is the
 *   connection's next reconciliation, claimed by one process.
 */
export class Migration20261204100000Erasure extends Migration {
  override name = 'Migration20261204100000_erasure';

  override up(): void {
    this.addSql(`
      create table erasure_tombstones (
        id uuid primary key default gen_random_uuid(),
        erasure_id uuid not null,
        organisation_id uuid not null references organisations (id) on delete cascade,
        connection_id uuid references crm_connections (id) on delete cascade,
        kind text not null check (kind in ('record', 'email', 'phone')),
        key_hash text not null,
        erased_at timestamptz not null,
        reimported_at timestamptz,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index erasure_tombstones_key_idx on erasure_tombstones (organisation_id, key_hash);`);
    this.addSql(conflictAuditGuard(`${OFFBOARDING} or ${ERASING}`));
    this.addSql(`alter table crm_sync_log drop constraint crm_sync_log_status_check;`);
    this.addSql(
      `alter table crm_sync_log add constraint crm_sync_log_status_check check (status in ('created', 'updated',
         'unchanged', 'merged', 'deactivated', 'skipped', 'error', 'reimported'));`,
    );
    this.addSql(`alter table contact_external_ids add column reconcile_misses integer not null default 0;`);
    this.addSql(`alter table crm_connections add column next_reconcile_at timestamptz;`);
  }

  override down(): void {
    this.addSql(`alter table crm_connections drop column next_reconcile_at;`);
    this.addSql(`alter table contact_external_ids drop column reconcile_misses;`);
    this.addSql(`delete from crm_sync_log where status = 'reimported';`);
    this.addSql(`alter table crm_sync_log drop constraint crm_sync_log_status_check;`);
    this.addSql(
      `alter table crm_sync_log add constraint crm_sync_log_status_check check (status in ('created', 'updated',
         'unchanged', 'merged', 'deactivated', 'skipped', 'error'));`,
    );
    this.addSql(conflictAuditGuard(OFFBOARDING));
    this.addSql(`drop table erasure_tombstones;`);
  }
}
