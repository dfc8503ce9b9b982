import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, updatedAtProperty } from './base.ts';

/** An agency: the tenant everything else belongs to. */
export const Organisation = defineEntity({
  name: 'Organisation',
  tableName: 'organisations',
  properties: {
    ...baseProperties,
    name: p.text(),
    syncIntervalMinutes: p.integer().default(15),
    updatedAt: updatedAtProperty,
  },
});
