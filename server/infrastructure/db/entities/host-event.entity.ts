import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/** An event for the host application (hot lead, contact changed), delivered with retries. */
export const HostEvent = defineEntity({
  name: 'HostEvent',
  tableName: 'host_events',
  properties: {
    ...baseProperties,
    organisationId: p.uuid(),
    type: p.text(),
    payload: p.json<Record<string, unknown>>(),
    status: p.text().$type<'pending' | 'delivered' | 'failed'>().default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().onCreate(() => new Date()),
    lastError: p.text().nullable(),
    deliveredAt: p.datetime().nullable(),
  },
});
