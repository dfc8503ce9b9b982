import type { z } from 'zod';
import { CanonicalContactSchema, type CanonicalContact } from '../../../shared/contact.ts';

export type MappedContact = { ok: true; contact: CanonicalContact } | { ok: false; reason: string };

/** How a CRM's mapping failures read in the sync log. */
export type MappingWords = {
  /** E.g. "Loop contact did not match the expected shape". */
  unreadable: string;
  /** E.g. "Loop contact could not be mapped". */
  unmappable: string;
  /** What names the issue's place when it is the record as a whole, e.g. "record". */
  whole: string;
};

/**
 * A raw record read with the CRM's schema, mapped, and checked against the canonical model; or the
 * reason it cannot be a contact (stored as a rejected record, never dropped).
 */
export function mapToCanonical<T>(
  raw: unknown,
  schema: z.ZodType<T>,
  toCanonical: (record: T) => CanonicalContact,
  words: MappingWords,
): MappedContact {
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, reason: describeIssue(words.unreadable, parsed.error, words.whole) };
  const contact = CanonicalContactSchema.safeParse(toCanonical(parsed.data));
  if (!contact.success)
    return { ok: false, reason: describeIssue(words.unmappable, contact.error, words.whole) };
  return { ok: true, contact: contact.data };
}

/** `<what>: <path> <message>` of the schema's first issue. */
export function describeIssue(what: string, error: z.ZodError, whole: string): string {
  const issue = error.issues[0];
  return `${what}: ${issue?.path.join('.') || whole} ${issue?.message ?? ''}`.trim();
}
