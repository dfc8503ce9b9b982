import type { PageCheckpoint, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { relatedIds, toCanonicalActivity, type IncludedIndex } from './street.mapper.ts';
import { StreetActivitySchema, type StreetActivity } from './street.schemas.ts';
import type { MappedActivity } from '../adapter-kit/record-mapping.ts';

/*
 * Street's viewings, valuations and offers as the adapter reads them (docs/crms/street.md,
 * activities): where each list is, whose each record is, and how a read over the four lists
 * records where it stands.
 */

/**
 * Where each activity resource is read, and what to side-load to learn whose it is. Polling reads
 * the lists in this order, one after the other; appointments with their cancelled ones (Street
 * leaves them out by default), as a cancellation withdraws the signal.
 */
export const ACTIVITY_ENDPOINTS: Record<
  StreetActivity['type'],
  { path: string; via: 'applicant' | 'owner'; filters?: Record<string, string> }
> = {
  viewing: { path: 'viewings', via: 'applicant', filters: { 'filter[cancelled]': 'with' } },
  valuation: { path: 'valuations', via: 'owner', filters: { 'filter[cancelled]': 'with' } },
  sales_offer: { path: 'sales-offers', via: 'applicant' },
  lettings_offer: { path: 'lettings-offers', via: 'applicant' },
};
export const ACTIVITY_LISTS = Object.keys(ACTIVITY_ENDPOINTS) as Array<StreetActivity['type']>;

/**
 * The person behind an activity: the first of its applicant's or owner's `people` (one CRM
 * record is one signal, so a joint applicant's activity counts for its lead person).
 */
export function personBehind(
  activity: StreetActivity,
  via: 'applicant' | 'owner',
  included: IncludedIndex,
): string | null {
  for (const party of relatedIds(activity, via)) {
    const resource = included.get(`${party.type}:${party.id}`) as
      Parameters<typeof relatedIds>[0] | undefined;
    const [person] = resource ? relatedIds(resource, 'people') : [];
    if (person) return person.id;
  }
  return null;
}

/** A listed activity → its signal (a withdrawal for a cancelled one), or why it cannot be read. */
export function mapActivity(
  raw: unknown,
  type: StreetActivity['type'],
  included: IncludedIndex,
  fallbackTime: string,
): MappedActivity {
  const parsed = StreetActivitySchema.safeParse(raw);
  if (!parsed.success || parsed.data.type !== type)
    return { ok: false, reason: `Street ${type.replace('_', ' ')} did not match the expected shape` };
  const personId = personBehind(parsed.data, ACTIVITY_ENDPOINTS[type].via, included);
  const signal = toCanonicalActivity(parsed.data, personId ?? '', fallbackTime);
  // A withdrawal naming nobody withdraws nothing anyone was credited with: nothing to report.
  if (signal === null || (signal.withdrawn && personId === null)) return { ok: true, activity: null };
  if (personId === null)
    return {
      ok: false,
      reason: `Street ${type.replace('_', ' ')} names no person behind its ${ACTIVITY_ENDPOINTS[type].via}`,
    };
  return { ok: true, activity: signal };
}

/** Marks a time earlier than any record, for a list read from its start in a full import. */
const BEGINNING = new Date(0).toISOString();

/**
 * The checkpoint of an activity page: the pager's position in list `type`, each id written as
 * `<type>:<uuid>` (the activity's own external id); with no id at the position yet, a lone
 * `<type>:` still names the list. Never null, so a resumed read knows which list it was in.
 */
export function encodeActivityCheckpoint(
  type: StreetActivity['type'],
  position: PageCheckpoint | null,
  window: SyncWindow,
): PageCheckpoint {
  const ids = position?.idsAtModifiedAt ?? [];
  return {
    modifiedAt: position?.modifiedAt ?? window.modifiedFrom ?? BEGINNING,
    idsAtModifiedAt: ids.length === 0 ? [`${type}:`] : ids.map((id) => `${type}:${id}`),
  };
}

/** Which list a checkpoint stopped in, and the position in it; unreadable → from the first list's start. */
export function decodeActivityCheckpoint(checkpoint: PageCheckpoint | null): {
  type: StreetActivity['type'];
  position: PageCheckpoint | null;
} {
  const type = checkpoint?.idsAtModifiedAt[0]?.split(':')[0] as StreetActivity['type'] | undefined;
  if (checkpoint === null || type === undefined || !ACTIVITY_LISTS.includes(type))
    return { type: ACTIVITY_LISTS[0]!, position: null };
  const prefix = `${type}:`;
  return {
    type,
    position: {
      modifiedAt: checkpoint.modifiedAt,
      idsAtModifiedAt: checkpoint.idsAtModifiedAt
        .filter((id) => id.startsWith(prefix) && id.length > prefix.length)
        .map((id) => id.slice(prefix.length)),
    },
  };
}
