import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOf, stampedOnCreate } from './base.ts';
import { connectionOwned } from './owners.ts';

/** A verified inbound webhook, stored before it is acknowledged and processed from the queue. */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    id: baseProperties.id,
    ...connectionOwned,
    deliveryKey: p.text(),
    eventType: p.text(),
    payload: p.json<Record<string, unknown>>(),
    receivedAt: stampedOnCreate,
    status: p.text().$type<'pending' | 'processed' | 'failed'>().default('pending'),
    attempts: p.integer().default(0),
    processedAt: p.datetime().nullable(),
    error: p.text().nullable(),
  },
  uniques: [
    {
      name: 'webhook_deliveries_connection_id_delivery_key_key',
      properties: ['connectionId', 'deliveryKey'],
    },
  ],
  indexes: [
    {
      name: 'webhook_deliveries_pending_idx',
      properties: ['connectionId', 'receivedAt'],
      where: `status <> 'processed'`,
    },
  ],
  checks: [
    {
      name: 'webhook_deliveries_status_check',
      expression: oneOf('status', ['pending', 'processed', 'failed']),
    },
  ],
});
