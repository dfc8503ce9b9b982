import { defineEntity, p } from '@mikro-orm/core';
import { oneOfCheck, stampedOnCreate } from './base.ts';
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
  indexes: [
    { name: 'host_events_due_idx', properties: ['nextAttemptAt'], where: `status <> 'delivered'` },
    // The retention's batches: delivered events and those given up on (retried no more), oldest first.
    {
      name: 'host_events_settled_idx',
      properties: ['createdAt'],
      where: `status = 'delivered' or next_attempt_at = 'infinity'`,
    },
  ],
  checks: [oneOfCheck('host_events', 'status', ['pending', 'delivered', 'failed'])],
});
