import type { CustomActivityType } from './custom-constants.ts';
import { contactId, isoTime, seqOfId, sequenceId, type JsonObject } from './custom-contact.model.ts';

export interface ActivityProperty {
  id: string;
  address: string;
  postcode: string | null;
}

/** One activity: a diary appointment, an offer, or a logged call, email or note. */
export interface ActivityRecord {
  seq: number;
  id: string;
  created: number;
  modified: number;
  type: CustomActivityType;
  status: string | null;
  contactSeq: number;
  property: ActivityProperty | null;
  startsAt: number | null;
  endsAt: number | null;
  amount: number | null;
  subject: string | null;
  body: string | null;
  direction: 'inbound' | 'outbound' | null;
  occurredAt: number;
  source: 'crm' | 'api';
  externalId: string | null;
}

export const activityId = (seq: number): string => sequenceId('act', seq);
export const seqOfActivityId = (id: string): number | null => seqOfId('act', id);

/** The activity as GET /activities/{id}, lists and webhooks return it. */
export function renderActivity(record: ActivityRecord): JsonObject {
  return {
    id: record.id,
    type: record.type,
    status: record.status,
    contact_id: contactId(record.contactSeq),
    property: record.property === null ? null : { ...record.property },
    starts_at: record.startsAt === null ? null : isoTime(record.startsAt),
    ends_at: record.endsAt === null ? null : isoTime(record.endsAt),
    amount: record.amount,
    currency: record.amount === null ? null : 'GBP',
    subject: record.subject,
    body: record.body,
    direction: record.direction,
    occurred_at: isoTime(record.occurredAt),
    source: record.source,
    external_id: record.externalId,
    created_at: isoTime(record.created),
    updated_at: isoTime(record.modified),
  };
}

/**
 * When what a status describes happened: the booking for booked appointments, the appointment
 * itself once completed or missed, the change otherwise.
 */
export function occurredAtFor(
  record: Pick<ActivityRecord, 'type' | 'status' | 'created' | 'startsAt' | 'endsAt'>,
  changedAt: number,
): number {
  if (record.status === 'booked' || record.status === 'submitted') return record.created;
  if (record.status === 'completed') return record.endsAt ?? changedAt;
  if (record.status === 'no_show') return record.startsAt ?? changedAt;
  return changedAt;
}
