import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOf } from './base.ts';
import { Organisation } from './organisation.entity.ts';

/** An event for the host application (hot lead, contact changed), delivered with retries. */
export const HostEvent = defineEntity({
  name: 'HostEvent',
  tableName: 'host_events',
  properties: {
    ...baseProperties,
    organisationId: p.manyToOne(Organisation).mapToPk().fieldName('organisation_id').deleteRule('cascade'),
    type: p.text(),
    payload: p.json<Record<string, unknown>>(),
    status: p.text().$type<'pending' | 'delivered' | 'failed'>().default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    lastError: p.text().nullable(),
    deliveredAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'host_events_due_idx', properties: ['nextAttemptAt'], where: `status <> 'delivered'` }],
  checks: [
    { name: 'host_events_status_check', expression: oneOf('status', ['pending', 'delivered', 'failed']) },
  ],
});
