import { z } from 'zod';
import { EMAIL_PATTERN, maxText } from './body-schemas.ts';

/**
 * Request inputs several CRMs read the same way: ISO-8601 instants in query strings and bodies,
 * and zod field builders whose messages their APIs share.
 */

/** ISO-8601: a date, or a date and time (seconds and fraction optional) with a zone designator. */
export const ZONED_ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** The instant (ms) of a value matching `pattern`, a date alone meaning midnight UTC; else null. */
export function isoInstant(raw: string, pattern = ZONED_ISO_DATE_TIME): number | null {
  return pattern.test(raw) ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw) : null;
}

/** One of a closed list, the error listing them. */
export const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { message: `must be one of ${values.join(', ')}` });

/** Text that must not be blank (it is trimmed), of at most `max` characters; `name` says which. */
export const requiredText = (name: string, max: number) =>
  z.string().trim().min(1, `${name} is required`).max(max, `must be at most ${max} characters`);

/** A calendar date without a time. */
export const isoDateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)');

/** At most `max` characters: blank, or an email address (surrounding spaces ignored). */
export const blankOrEmail = (max: number) =>
  maxText(max).refine(
    (value) => value.trim() === '' || EMAIL_PATTERN.test(value.trim()),
    'must be a valid email address',
  );

/**
 * A refinement asking that one of `fields` (the email first, then phones) holds text: a new contact
 * must be reachable. The issue points at the first field.
 */
export function reachableThrough<K extends string>(fields: readonly [K, ...K[]], message: string) {
  return (contact: Partial<Record<K, unknown>>, context: z.RefinementCtx): void => {
    const reachable = fields.some((field) => {
      const value = contact[field];
      return typeof value === 'string' && value.trim() !== '';
    });
    if (!reachable) context.addIssue({ code: 'custom', path: [fields[0]], message });
  };
}
