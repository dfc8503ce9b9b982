import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

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
    organisationId: p.uuid(),
    connectionId: p.uuid().nullable(),
    /** Null once redacted by offboarding. */
    contactId: p.uuid().nullable(),
    syncRunId: p.uuid().nullable(),
    crmVersion: p.json<Record<string, unknown>>(),
    platformVersion: p.json<Record<string, unknown>>(),
    crmModifiedAt: p.datetime(),
    platformModifiedAt: p.datetime(),
    differingFields: p.array(),
    resolutions: p.json<FieldResolution[]>(),
    winner: p.text().$type<'crm' | 'platform' | 'mixed'>(),
    redactedAt: p.datetime().nullable(),
  },
});
