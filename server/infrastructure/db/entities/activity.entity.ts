import { defineEntity, p } from '@mikro-orm/core';
import type { ActivityType } from '../../../../shared/activity.ts';
import { baseProperties } from './base.ts';

/** A canonical engagement or CRM event; (source, external id, type) makes it idempotent. */
export const Activity = defineEntity({
  name: 'Activity',
  tableName: 'activities',
  properties: {
    ...baseProperties,
    organisationId: p.uuid(),
    contactId: p.uuid(),
    connectionId: p.uuid().nullable(),
    type: p.text().$type<ActivityType>(),
    source: p.text(),
    externalId: p.text(),
    occurredAt: p.datetime(),
    details: p.json<Record<string, unknown>>(),
  },
});
