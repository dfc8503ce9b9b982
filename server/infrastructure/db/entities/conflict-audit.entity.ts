import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOfCheck } from './base.ts';
import { Contact } from './contact.entity.ts';
import { CrmConnection } from './crm-connection.entity.ts';
import { Organisation } from './organisation.entity.ts';
import { SyncRun } from './sync-run.entity.ts';

export type FieldResolution = { field: string; winner: 'crm' | 'platform'; rule: string };

/**
 * Append-only: the database refuses UPDATE, DELETE and TRUNCATE on this table, except the one-time
 * redaction of an offboarded agency's rows (contact and both versions emptied, `redactedAt` set).
 */
export const ConflictAudit = defineEntity({
  name: 'ConflictAudit',
  tableName: 'conflict_audit',
  properties: {
    ...baseProperties,
    // No cascades: deleting what an audit row points at must fail rather than rewrite history.
    organisationId: p.manyToOne(Organisation).mapToPk().fieldName('organisation_id'),
    connectionId: p
      .manyToOne(CrmConnection)
      .mapToPk()
      .fieldName('connection_id')
      .nullable()
      .deleteRule('no action'),
    /** Null once redacted by offboarding. */
    contactId: p.manyToOne(Contact).mapToPk().fieldName('contact_id').nullable().deleteRule('no action'),
    syncRunId: p.manyToOne(SyncRun).mapToPk().fieldName('sync_run_id').nullable().deleteRule('no action'),
    crmVersion: p.json<Record<string, unknown>>(),
    platformVersion: p.json<Record<string, unknown>>(),
    crmModifiedAt: p.datetime(),
    platformModifiedAt: p.datetime(),
    differingFields: p.array(),
    resolutions: p.json<FieldResolution[]>(),
    winner: p.text().$type<'crm' | 'platform' | 'mixed'>(),
    redactedAt: p.datetime().nullable(),
  },
  indexes: [
    {
      name: 'conflict_audit_organisation_idx',
      columns: [{ name: 'organisation_id' }, { name: 'created_at', sort: 'desc' }],
    },
    // Deleting an expired sync run checks this foreign key; the retention keeps runs the audit names.
    { name: 'conflict_audit_sync_run_idx', properties: ['syncRunId'] },
  ],
  checks: [oneOfCheck('conflict_audit', 'winner', ['crm', 'platform', 'mixed'])],
  triggers: [
    {
      // The guard function (conflict_audit_is_immutable) and its statement-level TRUNCATE twin live in
      // the migrations: the schema comparison sees row triggers only, by name.
      name: 'conflict_audit_no_update_or_delete',
      timing: 'before',
      events: ['update', 'delete'],
      expression: `create trigger conflict_audit_no_update_or_delete before update or delete on conflict_audit
        for each row execute function conflict_audit_is_immutable()`,
    },
  ],
});
