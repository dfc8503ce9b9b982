import { defineEntity, p } from '@mikro-orm/core';
import { oneOfCheck, stampedOnCreate, uniqueKey, updatedAtProperty } from './base.ts';
import { Contact } from './contact.entity.ts';
import { connectionRowProperties } from './owners.ts';

const OUTBOUND_KINDS = ['journal_entry', 'note', 'metadata', 'contact_update'] as const;
/** `refused`: the CRM refused it for good; it waits for an admin to retry or dismiss it. */
const OUTBOUND_STATUSES = ['pending', 'in_flight', 'done', 'failed', 'refused', 'dismissed'] as const;

/** A write-back to a CRM, kept with its retry state until the CRM has it. */
export const OutboundWrite = defineEntity({
  name: 'OutboundWrite',
  tableName: 'outbound_writes',
  properties: {
    ...connectionRowProperties,
    contactId: p.manyToOne(Contact).mapToPk().fieldName('contact_id').nullable().deleteRule('cascade'),
    kind: p.text().$type<(typeof OUTBOUND_KINDS)[number]>(),
    idempotencyKey: p.text(),
    payload: p.json<Record<string, unknown>>(),
    status: p.text().$type<(typeof OUTBOUND_STATUSES)[number]>().default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: stampedOnCreate,
    lastErrorCode: p.text().nullable(),
    lastError: p.text().nullable(),
    lastStatusCode: p.integer().nullable(),
    externalRef: p.text().nullable(),
    refusedAt: p.datetime().nullable(),
    updatedAt: updatedAtProperty,
  },
  uniques: [uniqueKey('outbound_writes', 'connectionId', 'idempotencyKey')],
  indexes: [
    {
      name: 'outbound_writes_due_idx',
      properties: ['connectionId', 'nextAttemptAt'],
      where: `status in ('pending', 'failed')`,
    },
    {
      // The failed-writes list and counts read refused writes only.
      name: 'outbound_writes_refused_idx',
      properties: ['organisationId', 'refusedAt'],
      where: `status = 'refused'`,
    },
  ],
  checks: [
    oneOfCheck('outbound_writes', 'kind', OUTBOUND_KINDS),
    oneOfCheck('outbound_writes', 'status', OUTBOUND_STATUSES),
  ],
});
