import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

/** A verified inbound webhook, stored before it is acknowledged and processed from the queue. */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    id: baseProperties.id,
    connectionId: p.uuid(),
    organisationId: p.uuid(),
    deliveryKey: p.text(),
    eventType: p.text(),
    payload: p.json<Record<string, unknown>>(),
    receivedAt: p.datetime().onCreate(() => new Date()),
    status: p.text().$type<'pending' | 'processed' | 'failed'>().default('pending'),
    attempts: p.integer().default(0),
    processedAt: p.datetime().nullable(),
    error: p.text().nullable(),
  },
});
