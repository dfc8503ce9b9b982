import { defineEntity, p } from '@mikro-orm/core';
import { ACTIVITY_TYPES, type ActivityType } from '../../../../shared/activity.ts';
import { oneOfCheck, PROVIDER_ID_FORMAT, uniqueKey } from './base.ts';
import { contactOwned } from './contact.entity.ts';
import { formerConnection, organisationRowProperties } from './owners.ts';

/**
 * A canonical engagement or CRM event; (source, external id, signal key) makes it idempotent. The
 * signal key is the stage family (a CRM record is one signal as it progresses), else the type.
 */
export const Activity = defineEntity({
  name: 'Activity',
  tableName: 'activities',
  properties: {
    ...organisationRowProperties,
    ...contactOwned,
    connectionId: formerConnection,
    type: p.text().$type<ActivityType>(),
    signalKey: p.text(),
    source: p.text(),
    externalId: p.text(),
    occurredAt: p.datetime(),
    details: p.json<Record<string, unknown>>().defaultRaw(`'{}'::jsonb`),
    /** The record will not happen (cancelled, withdrawn): kept for the audit, no longer counted. */
    withdrawn: p.boolean().default(false),
  },
  uniques: [uniqueKey('activities', 'organisationId', 'source', 'externalId', 'signalKey')],
  indexes: [
    {
      name: 'activities_contact_idx',
      columns: [{ name: 'contact_id' }, { name: 'occurred_at', sort: 'desc' }],
    },
    {
      name: 'activities_organisation_idx',
      columns: [{ name: 'organisation_id' }, { name: 'occurred_at', sort: 'desc' }],
    },
  ],
  checks: [
    oneOfCheck('activities', 'type', ACTIVITY_TYPES),
    { name: 'activities_source_format', expression: `source ~ ${PROVIDER_ID_FORMAT}` },
  ],
});
