import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

export type FieldRule = 'crm_wins' | 'platform_wins' | 'most_recent' | 'deny_wins' | 'forward_only';

/** Conflict policy as data: a row with no organisation is the deployment default. */
export const FieldPolicy = defineEntity({
  name: 'FieldPolicy',
  tableName: 'field_policies',
  properties: {
    ...baseProperties,
    organisationId: p.uuid().nullable(),
    field: p.text(),
    rule: p.text().$type<FieldRule>(),
  },
});
