import type { ActivityType, CanonicalActivity } from '../../../shared/activity.ts';
import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import type { ActivityPage, PageCheckpoint, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { CursorTrail } from '../adapter-kit/cursor-trail.ts';
import { DeltaPosition } from '../adapter-kit/delta-pager.ts';
import type { HttpResponse, ProviderHttp } from '../adapter-kit/provider-http.ts';
import { parseAltoTime, rawIdOf, toAppointmentActivity } from './alto.mapper.ts';
import { AltoAppointmentSchema, AltoPageSchema } from './alto.schemas.ts';

/**
 * What Alto's polling can bring (docs/crms/alto.md, "Which lists Propsync polls"): valuations,
 * found by creation. Viewings and offers come only from webhooks.
 */
export const ALTO_POLLED_ACTIVITY_TYPES = ['valuation_booked'] as const satisfies readonly ActivityType[];

/** `GET /appointments/valuations` needs a creation range; a full import looks back this far. */
const FULL_IMPORT_LOOKBACK_DAYS = 90;
const DAY_MS = 86_400_000;

/**
 * Statuses a documented list may answer for an account that may not read it: 403 "Invalid scope
 * or AgencyRef" (the integration lacks `alto/read:appointments`), 404 (the route not enabled).
 */
const REFUSED_STATUSES = [403, 404];

/**
 * Valuations created inside `window` (`GET /appointments/valuations`, the one documented list
 * Propsync polls: docs/crms/alto.md), mapped one record to one activity (`appointment:<id>`).
 * The list filters by creation, not modification, so a valuation edited or cancelled later is
 * not listed again: webhooks carry that.
 *
 * Why `DeltaPosition` over creation time and not `pageByModifiedTime`: `next-token` is a keyset
 * over (createdDate, id) (assumed, like contacts), so a page boundary inside a crowded instant skips
 * nothing; `pageByModifiedTime` steps by page index, which Alto's lists do not take, and its
 * `isolate` mode needs a total Alto does not give. The checkpoint's `modifiedAt` is the last
 * creation time read: resuming asks again from it (inclusive) and skips the ids seen at it.
 *
 * A refusal (403/404) does not fail the cycle: it is one rejected entry in the sync log, and the
 * cycle goes on with what webhooks bring.
 */
export async function* syncAltoActivities(
  http: ProviderHttp,
  window: SyncWindow,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<ActivityPage> {
  const createdFrom =
    window.modifiedFrom ??
    new Date(Date.parse(window.modifiedTo) - FULL_IMPORT_LOOKBACK_DAYS * DAY_MS).toISOString();
  const position = DeltaPosition.start({ modifiedFrom: createdFrom, resumeAfter: window.resumeAfter });
  // The token is tied to the filters it was issued for, so `created-from` stays put while paging.
  const from = position.modifiedAt;
  const trail = new CursorTrail("Alto's valuations list (next-token)");
  let nextToken: string | null = null;
  do {
    signal?.throwIfAborted();
    const response: HttpResponse = await http.request('GET', 'appointments/valuations', {
      query: {
        'created-from': from,
        'created-to': window.modifiedTo,
        'max-results': pageSize,
        'next-token': nextToken,
      },
      acceptStatuses: REFUSED_STATUSES,
    });
    if (REFUSED_STATUSES.includes(response.status)) {
      yield {
        activities: [],
        rejected: [refusal(response.status)],
        checkpoint: checkpointOf(position, createdFrom),
      };
      return;
    }
    const page = expectAnswer(
      AltoPageSchema,
      response.body,
      'Alto answered the valuations list with an unexpected shape',
    );
    const activities: CanonicalActivity[] = [];
    const rejected: ActivityPage['rejected'] = [];
    const now = Date.now();
    for (const raw of page.items ?? []) {
      const parsed = AltoAppointmentSchema.safeParse(raw);
      const createdMs = parsed.success ? parseAltoTime(parsed.data.createdDate) : Number.NaN;
      if (!parsed.success || Number.isNaN(createdMs)) {
        const id = parsed.success ? parsed.data.id : rawIdOf(raw);
        rejected.push({
          externalId: id === null ? null : `appointment:${id}`,
          reason: 'Alto valuation did not match the expected shape or has no readable createdDate',
        });
        continue;
      }
      const key = { id: `appointment:${parsed.data.id}`, modifiedMs: createdMs };
      if (position.handedOut(key)) continue;
      position.advance(key);
      const activity = toAppointmentActivity(parsed.data, now);
      if (activity !== null) activities.push(activity);
    }
    yield { activities, rejected, checkpoint: checkpointOf(position, createdFrom) };
    nextToken = trail.follow(page.meta?.nextToken);
  } while (nextToken);
}

/** Before the first record the position is the window's start. */
function checkpointOf(position: DeltaPosition, createdFrom: string): PageCheckpoint {
  return position.checkpoint() ?? { modifiedAt: createdFrom, idsAtModifiedAt: [] };
}

function refusal(status: number): ActivityPage['rejected'][number] {
  const why =
    status === 403 ? 'lacks the alto/read:appointments scope' : 'does not have the valuations list enabled';
  return {
    externalId: null,
    reason: `Alto refused the valuations list (${status}): this integration ${why}; valuations come only from webhooks until Alto grants it`,
  };
}
