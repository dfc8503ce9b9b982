import { defineEntity, p } from '@mikro-orm/core';
import { oneOf, stampedOnCreate } from './base.ts';
import { organisationRowProperties } from './owners.ts';

/** An event for the host application (hot lead, contact changed), delivered with retries. */
export const HostEvent = defineEntity({
  name: 'HostEvent',
  tableName: 'host_events',
  properties: {
    ...organisationRowProperties,
    type: p.text(),
    payload: p.json<Record<string, unknown>>(),
    status: p.text().$type<'pending' | 'delivered' | 'failed'>().default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: stampedOnCreate,
    lastError: p.text().nullable(),
    deliveredAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'host_events_due_idx', properties: ['nextAttemptAt'], where: `status <> 'delivered'` }],
  checks: [
    { name: 'host_events_status_check', expression: oneOf('status', ['pending', 'delivered', 'failed']) },
  ],
});
