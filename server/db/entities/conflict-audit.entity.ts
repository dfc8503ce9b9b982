import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

export type FieldResolution = { field: string; winner: 'crm' | 'platform'; rule: string };

/** Append-only: the database refuses UPDATE, DELETE and TRUNCATE on this table. */
export const ConflictAudit = defineEntity({
  name: 'ConflictAudit',
  tableName: 'conflict_audit',
  properties: {
    ...baseProperties,
    organisationId: p.uuid(),
    connectionId: p.uuid().nullable(),
    contactId: p.uuid(),
    syncRunId: p.uuid().nullable(),
    crmVersion: p.json<Record<string, unknown>>(),
    platformVersion: p.json<Record<string, unknown>>(),
    crmModifiedAt: p.datetime(),
    platformModifiedAt: p.datetime(),
    differingFields: p.array(),
    resolutions: p.json<FieldResolution[]>(),
    winner: p.text().$type<'crm' | 'platform' | 'mixed'>(),
  },
});
