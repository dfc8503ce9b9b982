import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOf } from './base.ts';
import { CrmConnection } from './crm-connection.entity.ts';
import { Organisation } from './organisation.entity.ts';

/** A verified inbound webhook, stored before it is acknowledged and processed from the queue. */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    id: baseProperties.id,
    connectionId: p.manyToOne(CrmConnection).mapToPk().fieldName('connection_id').deleteRule('cascade'),
    organisationId: p.manyToOne(Organisation).mapToPk().fieldName('organisation_id').deleteRule('cascade'),
    deliveryKey: p.text(),
    eventType: p.text(),
    payload: p.json<Record<string, unknown>>(),
    receivedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
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
