import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOfCheck, stampedOnCreate, uniqueKey } from './base.ts';
import { connectionOwned } from './owners.ts';

const DELIVERY_STATUSES = ['pending', 'processed', 'parked', 'dead_lettered'] as const;

/**
 * A verified inbound webhook, stored before it is acknowledged and processed from the queue. One
 * that cannot be applied yet is parked (retried from `nextAttemptAt`) and, past its bound, dead-lettered.
 */
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
    status: p.text().$type<(typeof DELIVERY_STATUSES)[number]>().default('pending'),
    attempts: p.integer().default(0),
    processedAt: p.datetime().nullable(),
    error: p.text().nullable(),
    nextAttemptAt: p.datetime().nullable(),
    /** When it first failed: the start of the bound after which it is dead-lettered. */
    parkedSince: p.datetime().nullable(),
    deadLetteredAt: p.datetime().nullable(),
  },
  uniques: [uniqueKey('webhook_deliveries', 'connectionId', 'deliveryKey')],
  indexes: [
    {
      name: 'webhook_deliveries_pending_idx',
      properties: ['connectionId', 'receivedAt'],
      where: `status <> 'processed'`,
    },
    // The retention's batches: settled deliveries, oldest first.
    {
      name: 'webhook_deliveries_settled_idx',
      properties: ['receivedAt'],
      where: `status in ('processed', 'dead_lettered')`,
    },
  ],
  checks: [oneOfCheck('webhook_deliveries', 'status', DELIVERY_STATUSES)],
});
