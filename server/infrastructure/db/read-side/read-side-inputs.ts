import { z } from 'zod';
import { decodeCursor, type PageRequest } from './query-support.ts';

/** Shared zod pieces of the read-side routers (audit log, conflicts, alerts, contacts). */
export const MAX_PAGE_SIZE = 200;

/** The microsecond UTC timestamps keyset cursors carry (see MICROSECOND_TIMESTAMP). */
const CURSOR_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real instant PostgreSQL accepts: the calendar fields round-trip through a Date unchanged. */
function isCursorTimestamp(value: string): boolean {
  const match = CURSOR_TIMESTAMP.exec(value);
  if (!match || Number(match[1]) < 1) return false;
  const date = new Date(`${value.slice(0, 19)}Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === value.slice(0, 19);
}

const CURSOR_MESSAGE =
  'cursor is not one Propsync gave out: pass back the nextCursor of the previous page, or leave it out for the first page';

/** Opaque (base64url JSON), checked here so a forged one is refused before it reaches a query. */
const cursorOf = (valid: (parts: string[]) => boolean, length: number) =>
  z
    .string()
    .max(512)
    .refine((cursor) => {
      const parts = decodeCursor(cursor, length);
      return parts !== null && valid(parts);
    }, CURSOR_MESSAGE)
    .nullish();

/** Lists newest first, keyset-paged on (timestamp, id): sync cycles, conflicts, alerts. */
export const KeysetCursorInput = cursorOf(([at, id]) => isCursorTimestamp(at!) && UUID.test(id!), 2);
/** A cycle's record log, paged on the log row's numeric id. */
export const LogCursorInput = cursorOf(([id]) => /^\d{1,18}$/.test(id!), 1);

export const PageInput = {
  /** Opaque: pass back the `nextCursor` of the previous page. */
  cursor: KeysetCursorInput,
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
};

/** A list input parted into its filters and its page (the cursor and limit of `PageInput`). */
export function filtersAndPage<Input extends PageRequest>(
  input: Input,
): [Omit<Input, 'cursor' | 'limit'>, PageRequest] {
  const { cursor, limit, ...filters } = input;
  return [filters, { cursor, limit }];
}

/** Paging of a cycle's record log. */
export const LogPageInput = { ...PageInput, cursor: LogCursorInput };

/** An ISO timestamp with an offset, or a date (`2026-11-23`, read as that UTC day). */
export const DateBoundInput = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
