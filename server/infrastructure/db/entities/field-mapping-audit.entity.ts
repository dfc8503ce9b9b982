import { defineEntity, p } from '@mikro-orm/core';
import type { MappingHistoryEntry, MappingOverrides } from '../../../../shared/api/connection.dto.ts';
import { oneOfCheck } from './base.ts';
import { connectionRowProperties } from './owners.ts';

export const MAPPING_AUDIT_ACTIONS = [
  'confirmed',
  'overrides_changed',
] as const satisfies readonly MappingHistoryEntry['action'][];

/** Who confirmed a connection's field mapping or changed its overrides, when, and what changed. */
export const FieldMappingAudit = defineEntity({
  name: 'FieldMappingAudit',
  tableName: 'field_mapping_audit',
  properties: {
    ...connectionRowProperties,
    action: p.text().$type<MappingHistoryEntry['action']>(),
    actor: p.text(),
    changes: p.json<MappingHistoryEntry['changes']>(),
    /** The overrides in force after this entry: the base of the next confirmation's changes. */
    overrides: p.json<MappingOverrides>(),
  },
  indexes: [
    {
      name: 'field_mapping_audit_connection_idx',
      columns: [{ name: 'connection_id' }, { name: 'created_at', sort: 'desc' }],
    },
  ],
  checks: [oneOfCheck('field_mapping_audit', 'action', MAPPING_AUDIT_ACTIONS)],
});
