import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import type { ActivityPage, PageCheckpoint, SyncWindow } from '../../core/ports/crm-adapter.ts';
import { pageByModifiedTime, type DeltaKey } from '../adapter-kit/delta-pager.ts';
import type { ProviderHttp } from '../adapter-kit/provider-http.ts';
import { SIGNAL_APPOINTMENT_TYPES, toReapitActivity, type ReapitActivityKind } from './reapit.mapper.ts';
import { ReapitPageSchema, isLastPage } from './reapit.schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/**
 * The lists activities come from, read one after the other in this order (docs/crms/reapit.md,
 * activities). Appointments: only the signal types, unconfirmed ones included (a viewing awaiting
 * confirmation is booked all the same) and cancelled ones too (a cancellation withdraws the signal).
 */
const ACTIVITY_LISTS: ReadonlyArray<{
  kind: ReapitActivityKind;
  path: string;
  filters: Record<string, string[] | boolean>;
}> = [
  {
    kind: 'appointment',
    path: 'appointments',
    filters: { typeId: [...SIGNAL_APPOINTMENT_TYPES], includeUnconfirmed: true, includeCancelled: true },
  },
  { kind: 'offer', path: 'offers', filters: {} },
];

/** Whatever a list's record looks like, what the pager needs of it: its id and modification time. */
type ListedRecord = { raw: unknown; key: DeltaKey | null };

/**
 * Reads every appointment and offer changed inside `window`, list after list, each by keyset paging
 * over `sortBy=modified` (adapter-kit/delta-pager.ts). A page's checkpoint names its list: its first
 * id is the list's marker `<kind>:` and the ids seen at the instant follow as `<kind>:<Reapit id>`,
 * so a resumed cycle goes back to that list at that point, and reads the lists after it whole.
 */
export async function* syncReapitActivities(
  http: ProviderHttp,
  window: SyncWindow,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<ActivityPage> {
  const resume = resumePoint(window.resumeAfter);
  for (const [index, list] of ACTIVITY_LISTS.entries()) {
    if (index < resume.listIndex) continue;
    const pages = pageByModifiedTime<ListedRecord>({
      window: {
        modifiedFrom: window.modifiedFrom,
        resumeAfter: index === resume.listIndex ? resume.checkpoint : null,
      },
      pageSize,
      listing: `Reapit's ${list.path} list`,
      // Many records can share one modification instant (a bulk edit, an import). Reapit filters
      // by an inclusive modifiedFrom/modifiedTo and reports totalCount, so a crowded instant is
      // read on its own, page by page (`isolate`): paging on through an open-ended request would
      // skip a record whenever one at that instant is edited away meanwhile.
      crowdedInstant: 'isolate',
      ...(signal ? { signal } : {}),
      fetchPage: async ({ modifiedFrom, pageIndex, onlyAtModifiedFrom }) => {
        const response = await http.request('GET', list.path, {
          query: {
            ...list.filters,
            pageSize,
            pageNumber: pageIndex + 1,
            sortBy: 'modified',
            modifiedFrom,
            modifiedTo:
              onlyAtModifiedFrom && modifiedFrom
                ? endOfInstant(modifiedFrom, window.modifiedTo)
                : window.modifiedTo,
          },
        });
        const page = expectAnswer(
          ReapitPageSchema,
          response.body,
          'Reapit answered with an unexpected page shape',
        );
        return {
          records: page._embedded.map((raw) => ({ raw, key: keyOf(raw) })),
          isLast: isLastPage(page, pageIndex + 1, pageSize),
          total: page.totalCount ?? null,
        };
      },
      keyOf: (record) => record.key,
    });
    for await (const page of pages) {
      const asOf = new Date().toISOString();
      const activities: ActivityPage['activities'] = [];
      const rejected: ActivityPage['rejected'] = [];
      for (const { record } of page.records) {
        const mapped = toReapitActivity(list.kind, record.raw, asOf);
        const id = record.key?.id ?? idOf(record.raw);
        if ('error' in mapped)
          rejected.push({ externalId: id === null ? null : `${list.kind}:${id}`, reason: mapped.error });
        else if (mapped.activity) activities.push(mapped.activity);
      }
      yield { activities, rejected, checkpoint: listCheckpoint(index, page.checkpoint, window) };
    }
  }
}

/** The pager's checkpoint within list `index`, marked with the list. */
function listCheckpoint(
  index: number,
  checkpoint: PageCheckpoint | null,
  window: SyncWindow,
): PageCheckpoint | null {
  const { kind } = ACTIVITY_LISTS[index]!;
  // Nothing handed out yet in a full import: the first list starts over anyway; a later one must
  // still say the lists before it are done.
  if (checkpoint === null && index === 0) return null;
  return {
    modifiedAt: checkpoint?.modifiedAt ?? window.modifiedFrom ?? new Date(0).toISOString(),
    idsAtModifiedAt: [`${kind}:`, ...(checkpoint?.idsAtModifiedAt ?? []).map((id) => `${kind}:${id}`)],
  };
}

/**
 * Which list a stored checkpoint is in, and the pager's checkpoint within it. One that names no
 * list (not written by this reader) reads the whole window again: a repeat is harmless (the core
 * stores each activity once), a skip is not.
 */
function resumePoint(resumeAfter: PageCheckpoint | null): {
  listIndex: number;
  checkpoint: PageCheckpoint | null;
} {
  const marker = resumeAfter?.idsAtModifiedAt[0];
  const listIndex = ACTIVITY_LISTS.findIndex((list) => marker === `${list.kind}:`);
  if (!resumeAfter || !marker || listIndex < 0) return { listIndex: 0, checkpoint: null };
  return {
    listIndex,
    checkpoint: {
      modifiedAt: resumeAfter.modifiedAt,
      idsAtModifiedAt: resumeAfter.idsAtModifiedAt
        .slice(1)
        .filter((id) => id.startsWith(marker))
        .map((id) => id.slice(marker.length)),
    },
  };
}

/**
 * The last tick of the millisecond `instant` names (`…123Z` → `…1239999Z`), capped at the window's
 * end: Reapit keeps modification times to a tenth of a microsecond, so asking for the instant
 * alone (`modifiedTo = modifiedFrom`) would miss records later within the same millisecond.
 */
function endOfInstant(instant: string, windowEnd: string): string {
  const ms = Date.parse(instant);
  return Date.parse(windowEnd) <= ms ? windowEnd : new Date(ms).toISOString().replace('Z', '9999Z');
}

function keyOf(raw: unknown): DeltaKey | null {
  const id = idOf(raw);
  const modified = raw && typeof raw === 'object' ? (raw as { modified?: unknown }).modified : undefined;
  const modifiedMs = typeof modified === 'string' ? parseCrmTime(modified) : Number.NaN;
  return id !== null && !Number.isNaN(modifiedMs) ? { id, modifiedMs } : null;
}

function idOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : null;
}
