/** Helpers shared by the read-side query modules: timestamps, opaque cursors, LIKE patterns. */
import { z } from 'zod';
import type { Page } from '../../../../shared/api/page.dto.ts';

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
