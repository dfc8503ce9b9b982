import type { z } from 'zod';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import { CanonicalContactSchema, type CanonicalContact } from '../../../shared/contact.ts';
import type { ActivityPage, ContactPage } from '../../core/ports/crm-adapter.ts';

export type MappedContact = { ok: true; contact: CanonicalContact } | { ok: false; reason: string };

/** A raw activity record read: its activity (null when its stage signals nothing), or why it cannot be. */
export type MappedActivity = { ok: true; activity: CanonicalActivity | null } | { ok: false; reason: string };

/**
 * A page's records as contacts; each that cannot be one is rejected with the id it would have had
 * (`idOf`, asked only then) and why, so it is reported, never dropped.
 */
export function contactsOf<R>(
  records: Iterable<R>,
  map: (record: R) => MappedContact,
  idOf: (record: R) => string | null,
): Pick<ContactPage, 'contacts' | 'rejected'> {
  const page: Pick<ContactPage, 'contacts' | 'rejected'> = { contacts: [], rejected: [] };
  for (const record of records) {
    const mapped = map(record);
    if (mapped.ok) page.contacts.push(mapped.contact);
    else page.rejected.push({ externalId: idOf(record), reason: mapped.reason });
  }
  return page;
}

/** A page's records as activities (those that signal something), with rejections as `contactsOf`'s. */
export function activitiesOf<R>(
  records: Iterable<R>,
  read: (record: R) => MappedActivity,
  idOf: (record: R) => string | null,
): Pick<ActivityPage, 'activities' | 'rejected'> {
  const page: Pick<ActivityPage, 'activities' | 'rejected'> = { activities: [], rejected: [] };
  for (const record of records) {
    const mapped = read(record);
    if (!mapped.ok) page.rejected.push({ externalId: idOf(record), reason: mapped.reason });
    else if (mapped.activity !== null) page.activities.push(mapped.activity);
  }
  return page;
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
