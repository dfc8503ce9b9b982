import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOfCheck, uniqueKey } from './base.ts';
import { Organisation } from './organisation.entity.ts';

export type FieldRule = 'crm_wins' | 'platform_wins' | 'most_recent' | 'deny_wins' | 'forward_only';
export const FIELD_RULES = [
  'crm_wins',
  'platform_wins',
  'most_recent',
  'deny_wins',
  'forward_only',
] as const satisfies readonly FieldRule[];

/** Conflict policy as data: a row with no organisation is the deployment default. */
export const FieldPolicy = defineEntity({
  name: 'FieldPolicy',
  tableName: 'field_policies',
  properties: {
    ...baseProperties,
    organisationId: p
      .manyToOne(Organisation)
      .mapToPk()
      .fieldName('organisation_id')
      .nullable()
      .deleteRule('cascade'),
    field: p.text(),
    rule: p.text().$type<FieldRule>(),
  },
  uniques: [
    // `nulls not distinct`: one deployment default per field as well as one override per agency.
    uniqueKey('field_policies', 'organisationId', 'field'),
  ],
  checks: [oneOfCheck('field_policies', 'rule', FIELD_RULES)],
});
