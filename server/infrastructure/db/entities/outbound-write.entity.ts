import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, updatedAtProperty } from './base.ts';

/** A write-back to a CRM, kept with its retry state until the CRM has it. */
export const OutboundWrite = defineEntity({
  name: 'OutboundWrite',
  tableName: 'outbound_writes',
  properties: {
    ...baseProperties,
    organisationId: p.uuid(),
    connectionId: p.uuid(),
    contactId: p.uuid().nullable(),
    kind: p.text().$type<'journal_entry' | 'note' | 'metadata' | 'contact_update'>(),
    idempotencyKey: p.text(),
    payload: p.json<Record<string, unknown>>(),
    status: p.text().$type<'pending' | 'in_flight' | 'done' | 'failed'>().default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().onCreate(() => new Date()),
    lastErrorCode: p.text().nullable(),
    lastError: p.text().nullable(),
    lastStatusCode: p.integer().nullable(),
    externalRef: p.text().nullable(),
    updatedAt: updatedAtProperty,
  },
});
