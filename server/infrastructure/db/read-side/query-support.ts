/** Helpers shared by the read-side query modules: filters, keyset pages, timestamps, cursors, LIKE patterns. */
import { z } from 'zod';
import type { Page } from '../../../../shared/api/page.dto.ts';
import type { Sql, SqlParam } from '../sql.ts';

/** The row of a `select count(*)::int as count` (the total a page reports). */
export const CountRow = z.object({ count: z.number() });

/** Timestamps leave the server as ISO strings, the same shape tRPC would serialise a Date to. */
export function toIso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function toIsoRequired(value: Date | string): string {
  return toIso(value) ?? String(value);
}

/**
 * Opaque keyset cursors: the client passes back what it was given and never builds one. Parts are
 * strings, so microsecond timestamps survive the round trip (a JS Date would round them to ms and
 * skip or repeat rows that share a millisecond).
 */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, length: number): string[] | null {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      !Array.isArray(parts) ||
      parts.length !== length ||
      !parts.every((part) => typeof part === 'string')
    ) {
      return null;
    }
    return parts;
  } catch {
    return null;
  }
}

/** `%text%` for ILIKE with the wildcard characters in the user's text matched literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Postgres prints timestamps to the microsecond in UTC with this format. */
export const MICROSECOND_TIMESTAMP = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** A date-only bound (`2026-11-23`) or a full ISO timestamp; a date-only `to` includes that whole day. */
export function isDateOnly(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}

export type { Page };

/** The conditions of a WHERE clause and their parameters, built up one filter at a time. */
export class Conditions {
  readonly #clauses: string[] = [];
  readonly #params: SqlParam[] = [];

  constructor(clause: string, ...params: SqlParam[]) {
    this.add(clause, ...params);
  }

  add(clause: string, ...params: SqlParam[]): this {
    this.#clauses.push(clause);
    this.#params.push(...params);
    return this;
  }

  /** Adds `clause` with `value` as its one parameter, only when a value is given. */
  whenGiven(value: string | undefined, clause: string): this {
    return value ? this.add(clause, value) : this;
  }

  /** `column` from `from` (inclusive) to `to`: exclusive for a timestamp, the whole day for a date. */
  within(column: string, from: string | undefined, to: string | undefined): this {
    this.whenGiven(from, `${column} >= ?::timestamptz`);
    return this.whenGiven(
      to,
      to && isDateOnly(to) ? `${column} < (?::date + 1)::timestamptz` : `${column} < ?::timestamptz`,
    );
  }

  get sql(): string {
    return this.#clauses.join(' and ');
  }

  get params(): SqlParam[] {
    return [...this.#params];
  }
}

/** Which page of a list: the previous answer's cursor (none for the first page) and a page size. */
export type PageRequest = { cursor?: string | null | undefined; limit: number };

/** The order a list pages in, and how its last row becomes the cursor for the next page. */
export type Keyset<Row> = {
  /** The condition selecting the rows after a cursor: one placeholder per cursor part. */
  after: string;
  orderBy: string;
  cursorOf: (row: Row) => string[];
  /** How many parts a cursor has, and whether they are usable; an unusable cursor means page one. */
  parts: number;
  accepts?: (parts: string[]) => boolean;
};

/**
 * Newest first on (time, uuid id). The cursor carries the time to the microsecond (`exactTime`), so
 * pages stay stable while new rows arrive and rows sharing a millisecond are neither skipped nor repeated.
 */
export function newestFirst<Row extends { id: string }>(
  timeColumn: string,
  idColumn: string,
  exactTime: (row: Row) => string,
): Keyset<Row> {
  return {
    after: `(${timeColumn}, ${idColumn}) < (?::timestamptz, ?::uuid)`,
    orderBy: `${timeColumn} desc, ${idColumn} desc`,
    cursorOf: (row) => [exactTime(row), row.id],
    parts: 2,
  };
}

/**
 * One counted page: the total of the rows `where` matches, then up to `page.limit` rows after the
 * cursor (one more is read to learn whether another page follows), each made an item by `toItem`.
 * `countFrom` is the table the count reads; `select` the statement up to its WHERE, over the same alias.
 */
export async function countedPage<RowSchema extends z.ZodType, Item>(
  sql: Sql,
  query: {
    row: RowSchema;
    countFrom: string;
    select: string;
    where: Conditions;
    keyset: Keyset<z.output<RowSchema>>;
    toItem: (row: z.output<RowSchema>) => Item;
  },
  page: PageRequest,
): Promise<Page<Item>> {
  const { keyset } = query;
  const counted = await sql.first(
    CountRow,
    `select count(*)::int as count from ${query.countFrom} where ${query.where.sql}`,
    query.where.params,
  );
  const decoded = page.cursor ? decodeCursor(page.cursor, keyset.parts) : null;
  const cursor = decoded && (keyset.accepts?.(decoded) ?? true) ? decoded : null;
  const rows = await sql.rows(
    query.row,
    `${query.select} where ${query.where.sql}${cursor ? ` and ${keyset.after}` : ''}
     order by ${keyset.orderBy} limit ?`,
    [...query.where.params, ...(cursor ?? []), page.limit + 1],
  );
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map(query.toItem),
    nextCursor: rows.length > page.limit && last ? encodeCursor(keyset.cursorOf(last)) : null,
    totalCount: counted?.count ?? 0,
  };
}
