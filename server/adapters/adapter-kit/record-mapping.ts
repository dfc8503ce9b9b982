import type { z } from 'zod';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import { CanonicalContactSchema, type CanonicalContact } from '../../../shared/contact.ts';
import type { ContactPage } from '../../core/ports/crm-adapter.ts';

export type MappedContact = { ok: true; contact: CanonicalContact } | { ok: false; reason: string };

/** A raw activity record read: its activity (null when its stage signals nothing), or why it cannot be. */
export type MappedActivity = { ok: true; activity: CanonicalActivity | null } | { ok: false; reason: string };

/** What one record became (null: nothing to keep), or why it cannot be read. */
type Read<T> = { ok: true; value: T | null } | { ok: false; reason: string };

/** The id a record would have had, to report it rejected. */
type IdOf<R> = (record: R) => string | null;

/**
 * A page's records read one by one: what each became, and each that cannot be read rejected with
 * the id it would have had (`idOf`, asked only then) and why, so it is reported, never dropped.
 */
function readPage<R, T>(records: Iterable<R>, read: (record: R) => Read<T>, idOf: IdOf<R>) {
  const values: T[] = [];
  const rejected: ContactPage['rejected'] = [];
  for (const record of records) {
    const result = readSafely(read, record);
    if (!result.ok) rejected.push({ externalId: idOf(record), reason: result.reason });
    else if (result.value !== null) values.push(result.value);
  }
  return { values, rejected };
}

/**
 * A mapper that throws on a record it did not foresee (an unreadable date, say) rejects that record
 * alone: it never fails the page, the cycle or the connection. The error's kind is named, never its text.
 */
function readSafely<R, T>(read: (record: R) => Read<T>, record: R): Read<T> {
  try {
    return read(record);
  } catch (error) {
    const kind = error instanceof Error ? error.name : typeof error;
    return { ok: false, reason: `The record could not be mapped (the mapping failed with ${kind})` };
  }
}

const contactRead = (mapped: MappedContact): Read<CanonicalContact> =>
  mapped.ok ? { ok: true, value: mapped.contact } : mapped;
const activityRead = (mapped: MappedActivity): Read<CanonicalActivity> =>
  mapped.ok ? { ok: true, value: mapped.activity } : mapped;

/** A page's records as contacts, and the records that cannot be contacts (`readPage`). */
export function contactsOf<R>(records: Iterable<R>, map: (record: R) => MappedContact, idOf: IdOf<R>) {
  const { values, rejected } = readPage(records, (record) => contactRead(map(record)), idOf);
  return { contacts: values, rejected };
}

/** A page's records as the activities that signal something, and the records that cannot be read. */
export function activitiesOf<R>(records: Iterable<R>, read: (record: R) => MappedActivity, idOf: IdOf<R>) {
  const { values, rejected } = readPage(records, (record) => activityRead(read(record)), idOf);
  return { activities: values, rejected };
}

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
