import type { CanonicalActivity } from '../../../shared/activity.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { ActivityPage, PageCheckpoint, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { DeltaPosition } from '../adapter-kit/delta-pager.ts';
import type { ProviderHttp } from '../adapter-kit/provider-http.ts';
import { parseAltoTime, rawIdOf, toAppointmentActivity, toOfferActivity } from './alto.mapper.ts';
import { AltoAppointmentSchema, AltoOfferSchema, AltoPageSchema } from './alto.schemas.ts';

/** What one listed record is: its Alto id, modification time and the signal it maps to (or none). */
type ListedRecord = {
  id: string;
  modifiedDate: string | null | undefined;
  activity: CanonicalActivity | null;
};

/**
 * The activity lists (assumed paths, docs/crms/alto.md), read in this order. `kind` prefixes the
 * activity ids (`appointment:<id>`, `offer:<id>`) and so the ids a checkpoint keeps.
 */
const ACTIVITY_LISTS: ReadonlyArray<{
  path: string;
  kind: string;
  read(raw: unknown, now: number): ListedRecord | null;
}> = [
  {
    path: 'appointments/all',
    kind: 'appointment',
    read(raw, now) {
      const parsed = AltoAppointmentSchema.safeParse(raw);
      if (!parsed.success) return null;
      const { id, modifiedDate } = parsed.data;
      return { id, modifiedDate, activity: toAppointmentActivity(parsed.data, now) };
    },
  },
  {
    path: 'offers/all',
    kind: 'offer',
    read(raw, now) {
      const parsed = AltoOfferSchema.safeParse(raw);
      if (!parsed.success) return null;
      const { id, modifiedDate } = parsed.data;
      return { id, modifiedDate, activity: toOfferActivity(parsed.data, [], now) };
    },
  },
];

/** The checkpoint's first id names the list it stands in, e.g. `list:offer`. */
const LIST_MARKER = 'list:';

/**
 * Every appointment and offer changed inside `window`, one list after the other: each list like
 * `/contacts/all`, with `modified-from`/`modified-to` on every request and `next-token` paging.
 *
 * Why `DeltaPosition` and not `pageByModifiedTime`: Alto's `next-token` is a keyset over
 * (modification time, id) (assumed, as for contacts), so a page boundary inside a crowded instant
 * skips nothing and a record edited meanwhile moves behind the cursor; `pageByModifiedTime` steps
 * by page index, which Alto's lists do not take, and its `isolate` mode needs a total Alto does not
 * give. A checkpoint is the list's last modification time and the ids seen at it, led by the list's
 * marker, so resuming skips the lists already read and asks again from that time, skipping those ids.
 */
export async function* syncAltoActivities(
  http: ProviderHttp,
  window: SyncWindow,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<ActivityPage> {
  const resume = resumePoint(window.resumeAfter);
  for (let index = resume.list; index < ACTIVITY_LISTS.length; index++) {
    const list = ACTIVITY_LISTS[index]!;
    const resumeAfter = index === resume.list ? resume.checkpoint : null;
    const position = DeltaPosition.start({ modifiedFrom: window.modifiedFrom, resumeAfter });
    // The token is tied to the filters it was issued for, so `modified-from` stays put while paging.
    const modifiedFrom = position.modifiedAt;
    let nextToken: string | null = null;
    do {
      signal?.throwIfAborted();
      const response = await http.request('GET', list.path, {
        query: {
          'max-results': pageSize,
          'modified-from': modifiedFrom,
          'modified-to': window.modifiedTo,
          'next-token': nextToken,
        },
      });
      const page = AltoPageSchema.safeParse(response.body);
      if (!page.success)
        throw new PropsyncError(
          'ADAPTER.BAD_RESPONSE',
          'Alto answered an activity list with an unexpected shape',
        );
      const activities: CanonicalActivity[] = [];
      const rejected: ActivityPage['rejected'] = [];
      const now = Date.now();
      for (const raw of page.data.items ?? []) {
        const record = list.read(raw, now);
        const modifiedMs = parseAltoTime(record?.modifiedDate);
        if (record === null || Number.isNaN(modifiedMs)) {
          const id = record?.id ?? rawIdOf(raw);
          rejected.push({
            externalId: id === null ? null : `${list.kind}:${id}`,
            reason: `Alto ${list.kind} did not match the expected shape or has no readable modifiedDate`,
          });
          continue;
        }
        const key = { id: `${list.kind}:${record.id}`, modifiedMs };
        if (position.handedOut(key)) continue;
        position.advance(key);
        if (record.activity !== null) activities.push(record.activity);
      }
      yield { activities, rejected, checkpoint: checkpointOf(list.kind, position, window.modifiedFrom) };
      nextToken = page.data.meta?.nextToken ?? null;
    } while (nextToken);
  }
}

/** Which list a checkpoint stands in (the first without a marker) and its position there. */
function resumePoint(checkpoint: PageCheckpoint | null): { list: number; checkpoint: PageCheckpoint | null } {
  if (checkpoint === null) return { list: 0, checkpoint: null };
  const [marker, ...ids] = checkpoint.idsAtModifiedAt;
  const list = ACTIVITY_LISTS.findIndex((candidate) => marker === `${LIST_MARKER}${candidate.kind}`);
  if (list < 0) return { list: 0, checkpoint };
  return { list, checkpoint: { modifiedAt: checkpoint.modifiedAt, idsAtModifiedAt: ids } };
}

/** Before a list's first record the position is the window's start (the epoch for a full import). */
function checkpointOf(kind: string, position: DeltaPosition, windowStart: string | null): PageCheckpoint {
  const at = position.checkpoint();
  return {
    modifiedAt: at?.modifiedAt ?? windowStart ?? new Date(0).toISOString(),
    idsAtModifiedAt: [`${LIST_MARKER}${kind}`, ...(at?.idsAtModifiedAt ?? [])],
  };
}
