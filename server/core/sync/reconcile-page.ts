import type { CanonicalContact } from '../../../shared/contact.ts';
import type { FieldPolicy } from '../domain/conflict-resolution.ts';
import {
  contactContentHash,
  nameKey,
  withCategoryOverrides,
  type CategoryOverrides,
} from '../domain/contact-normalisation.ts';
import {
  findMatch,
  type IdentityKeys,
  type MatchCandidate,
  type MatchField,
} from '../domain/deduplication.ts';
import type { ContactPage, PageResult, RunError } from '../ports/sync-store.ts';
import type { PlatformConsent } from '../domain/platform-changes.ts';
import {
  consentPushForNewLink,
  settleLinkedUpdate,
  type ConflictAudit,
  type ContactLink,
  type ContactPush,
} from './conflict-settlement.ts';

/**
 * How one page of CRM records reconciles with what Propsync holds, decided without a database:
 * the store reads the page's links, the dedup candidates and the field policy, asks for a plan,
 * and writes the plan in one statement.
 */

export type { ConflictAudit, ContactLink, ContactPush };

export type PlanInput = {
  page: Pick<ContactPage, 'contacts' | 'rejected'>;
  /** The links this connection already has to records of the page. */
  links: ContactLink[];
  /**
   * Existing contacts of the agency that may be the page's new records (see identityKeysToMatch),
   * with the platform's consent record where the host recorded one.
   */
  candidates: Array<MatchCandidate & { platformConsent?: PlatformConsent | null }>;
  policy: FieldPolicy;
  /**
   * The admin's nurture categories for this connection (its mapping review), applied to each record
   * before anything else: the link's snapshot and content hash are of the record as overridden, so
   * a record seen again after the overrides changed counts as changed.
   */
  categoryOverrides?: CategoryOverrides;
  /** The run's window start: null during a first import. */
  windowStart: string | null;
  newContactId: () => string;
  now: Date;
};

/** A contact row to write: its id and the values it gets. */
export type ContactValues = { contactId: string; contact: CanonicalContact };

/** A CRM record's link to its contact, inserted or refreshed. */
export type LinkWrite = {
  contactId: string;
  externalId: string;
  active: boolean;
  crmModifiedAt: string;
  etag: string | null;
  contentHash: string;
  /** The record as reconciled: the base of the next conflict check. */
  snapshot: Record<string, unknown>;
  /** What deduplication matched on, for records linked to a contact that was already there. */
  matchedOn: MatchField[] | null;
};

export type ContactOutcome = 'created' | 'updated' | 'deactivated' | 'merged';

export type SyncLogEntry =
  | { externalId: string; contactId: string; status: ContactOutcome; errorCode: null; error: null }
  | { externalId: string | null; contactId: null; status: 'error'; errorCode: string; error: string };

export type HostEvent = { type: `contact.${ContactOutcome}`; contactId: string; externalId: string };

/** What the page adds to the run's counters. */
export type RunCounters = {
  fetched: number;
  written: number;
  unchanged: number;
  conflicts: number;
  duplicatesSuppressed: number;
  errors: number;
};

export type PagePlan = {
  /** New contacts; several records of the page that are one person become one contact. */
  inserts: ContactValues[];
  /** Linked contacts the CRM changed, with their values after conflict resolution. */
  updates: ContactValues[];
  /** Contacts that were already there and that records of the page turned out to be: existing values win. */
  merges: ContactValues[];
  /**
   * A contact both merged into and updated by this page: one statement cannot change a row twice,
   * so the merges are written first, on their own.
   */
  mergeApart: boolean;
  links: LinkWrite[];
  audits: ConflictAudit[];
  pushes: ContactPush[];
  logRows: SyncLogEntry[];
  hostEvents: HostEvent[];
  /** The page's rejected records, as run errors. */
  errors: Array<RunError & { at: string }>;
  /** Records skipped because Propsync already has this version, or a newer one. */
  /** Records whose data is unchanged but whose version moved: only their links are written (token, time). */
  refreshed: string[];
  unchanged: string[];
  counters: RunCounters;
  result: PageResult;
};

/** The page's records, once each: the last occurrence of a record in a page is its newest state. */
export function newestRecords(contacts: CanonicalContact[]): CanonicalContact[] {
  return [...new Map(contacts.map((contact) => [contact.provenance.externalId, contact])).values()];
}

/** The identity keys of the page's records that have no link yet: what the dedup candidates are looked up by. */
export function identityKeysToMatch(contacts: CanonicalContact[], links: ContactLink[]): IdentityKeys[] {
  const linked = new Set(links.map((link) => link.externalId));
  return newestRecords(contacts)
    .filter((contact) => !linked.has(contact.provenance.externalId))
    .map(identityKeys);
}

export function planPage(input: PlanInput): PagePlan {
  const overrides = input.categoryOverrides ?? {};
  const incoming = newestRecords(input.page.contacts).map((contact) =>
    withCategoryOverrides(contact, overrides),
  );
  const { fresh, changed, touched, unchanged } = sortRecords(incoming, input.links);
  const { inserts, merged, mergesIntoExisting } = deduplicate(fresh, input.candidates, input.newContactId);

  const updates: Array<ContactValues & { hash: string; record: CanonicalContact }> = [];
  const audits: ConflictAudit[] = [];
  const pushes: ContactPush[] = [];
  for (const { contact, hash, link } of changed) {
    const settlement = settleLinkedUpdate(link, contact, input.policy);
    updates.push({ contactId: link.contactId, contact: settlement.values, hash, record: contact });
    if (settlement.audit) audits.push(settlement.audit);
    if (settlement.push) pushes.push(settlement.push);
  }
  // A record joining a contact that already exists meets the platform's consent record too.
  const platformConsents = new Map(input.candidates.map((each) => [each.contactId, each.platformConsent]));
  for (const { contactId, record } of merged) {
    const platformConsent = platformConsents.get(contactId);
    const push = platformConsent ? consentPushForNewLink(contactId, record, platformConsent) : null;
    if (push) pushes.push(push);
  }

  const links: LinkWrite[] = [
    ...inserts.map(({ contactId, record, hash }) => linkWrite(contactId, record, hash, null)),
    ...updates.map(({ contactId, record, hash }) => linkWrite(contactId, record, hash, null)),
    ...merged.map(({ contactId, record, hash, matchedOn }) => linkWrite(contactId, record, hash, matchedOn)),
  ];
  // Same data, newer version (our own write-back moved it): only the link's token and time move.
  const refreshedLinks = touched.map(({ contact, hash, link }) =>
    linkWrite(link.contactId, contact, hash, null),
  );
  const contactEntries: SyncLogEntry[] = [
    ...inserts.map(({ contactId, record }) => logEntry(contactId, record, 'created')),
    ...updates.map(({ contactId, record }) =>
      logEntry(contactId, record, record.active ? 'updated' : 'deactivated'),
    ),
    ...merged.map(({ contactId, record }) => logEntry(contactId, record, 'merged')),
  ];
  const rejected = input.page.rejected;
  const logRows: SyncLogEntry[] = [
    ...contactEntries,
    ...rejected.map((record): SyncLogEntry => ({
      externalId: record.externalId,
      contactId: null,
      status: 'error',
      errorCode: 'ADAPTER.BAD_RESPONSE',
      error: record.reason,
    })),
  ];
  const errors = rejected.map((record) => ({
    code: 'ADAPTER.BAD_RESPONSE',
    message: record.reason,
    statusCode: null,
    externalId: record.externalId,
    retryState: 'gave_up' as const,
    at: input.now.toISOString(),
  }));
  return {
    inserts: inserts.map(({ contactId, stored }) => ({ contactId, contact: stored })),
    updates: updates.map(({ contactId, contact }) => ({ contactId, contact })),
    merges: [...mergesIntoExisting].map(([contactId, contact]) => ({ contactId, contact })),
    mergeApart: updates.some((update) => mergesIntoExisting.has(update.contactId)),
    links: [...links, ...refreshedLinks],
    audits,
    pushes,
    logRows,
    hostEvents: hostEventsFor(contactEntries, input.windowStart),
    errors,
    unchanged: unchanged.map((contact) => contact.provenance.externalId),
    refreshed: touched.map(({ contact }) => contact.provenance.externalId),
    counters: {
      fetched: incoming.length + rejected.length,
      written: links.length,
      unchanged: unchanged.length + touched.length,
      conflicts: audits.length,
      duplicatesSuppressed: merged.length,
      errors: rejected.length,
    },
    result: {
      created: inserts.length,
      updated: updates.length,
      merged: merged.length,
      unchanged: unchanged.length + touched.length,
      rejected: rejected.length,
    },
  };
}

/** The host hears about changes after the first import: during it, every record would be an event. */
function hostEventsFor(entries: SyncLogEntry[], windowStart: string | null): HostEvent[] {
  if (windowStart === null) return [];
  return entries.flatMap((entry) =>
    entry.status === 'error'
      ? []
      : [
          {
            type: `contact.${entry.status}` as const,
            contactId: entry.contactId,
            externalId: entry.externalId,
          },
        ],
  );
}

type HashedRecord = { contact: CanonicalContact; hash: string };

/**
 * New records, changed linked records, records whose data is unchanged but whose version moved
 * (`touched`: a write-back of ours, say), and records Propsync already has.
 */
function sortRecords(incoming: CanonicalContact[], links: ContactLink[]) {
  const byExternalId = new Map(links.map((link) => [link.externalId, link]));
  const fresh: HashedRecord[] = [];
  const changed: Array<HashedRecord & { link: ContactLink }> = [];
  const touched: Array<HashedRecord & { link: ContactLink }> = [];
  const unchanged: CanonicalContact[] = [];
  for (const contact of incoming) {
    const hash = contactContentHash(contact);
    const link = byExternalId.get(contact.provenance.externalId);
    if (!link) fresh.push({ contact, hash });
    else if (isOlder(contact, link)) unchanged.push(contact);
    else if (link.contentHash !== hash) changed.push({ contact, hash, link });
    else if (isNewer(contact, link)) touched.push({ contact, hash, link });
    else unchanged.push(contact);
  }
  return { fresh, changed, touched, unchanged };
}

function isNewer(contact: CanonicalContact, link: ContactLink): boolean {
  return (
    link.crmModifiedAt === null ||
    Date.parse(contact.provenance.modifiedAt) > new Date(link.crmModifiedAt).getTime()
  );
}

/** Never let an older version of a record overwrite a newer one. */
function isOlder(contact: CanonicalContact, link: ContactLink): boolean {
  return (
    link.crmModifiedAt !== null &&
    Date.parse(contact.provenance.modifiedAt) < new Date(link.crmModifiedAt).getTime()
  );
}

/**
 * The same person from another CRM (or an earlier page) is linked, not copied; records of this
 * page can be one person too (agentOS lists one person per list; CRMs hold data-entry duplicates),
 * so earlier new records of the page are candidates as well.
 */
function deduplicate(fresh: HashedRecord[], candidates: MatchCandidate[], newContactId: () => string) {
  const inserts: Array<{
    contactId: string;
    record: CanonicalContact;
    hash: string;
    stored: CanonicalContact;
  }> = [];
  const merged: Array<{
    contactId: string;
    record: CanonicalContact;
    hash: string;
    matchedOn: MatchField[];
  }> = [];
  const pageCandidates: MatchCandidate[] = [];
  const insertIndex = new Map<string, number>();
  for (const { contact, hash } of fresh) {
    const keys = identityKeys(contact);
    const match = findMatch(keys, [...candidates, ...pageCandidates]);
    if (!match) {
      const contactId = newContactId();
      insertIndex.set(contactId, inserts.length);
      inserts.push({ contactId, record: contact, hash, stored: contact });
      pageCandidates.push({ ...keys, contactId });
      continue;
    }
    merged.push({ contactId: match.contactId, record: contact, hash, matchedOn: match.matchedOn });
    const pageInsert = insertIndex.get(match.contactId);
    if (pageInsert !== undefined) {
      const target = inserts[pageInsert]!;
      target.stored = foldContact(target.stored, contact);
      const candidate = pageCandidates.find((entry) => entry.contactId === match.contactId)!;
      Object.assign(candidate, identityKeys(target.stored));
    }
  }
  // Another CRM (or an earlier page) brought this person first: keep its values, add what these records know besides.
  const mergesIntoExisting = new Map<string, CanonicalContact>();
  for (const { contactId, record } of merged) {
    if (insertIndex.has(contactId)) continue;
    const earlier = mergesIntoExisting.get(contactId);
    mergesIntoExisting.set(contactId, earlier ? foldContact(earlier, record) : record);
  }
  return { inserts, merged, mergesIntoExisting };
}

/** One person seen twice: the first record's values win, emails and phones are the union. */
export function foldContact(first: CanonicalContact, second: CanonicalContact): CanonicalContact {
  return {
    ...first,
    title: first.title ?? second.title,
    firstName: first.firstName ?? second.firstName,
    lastName: first.lastName ?? second.lastName,
    emails: [...new Set([...first.emails, ...second.emails])],
    phones: [...new Set([...first.phones, ...second.phones])],
    address: first.address ?? second.address,
  };
}

export function identityKeys(contact: CanonicalContact): IdentityKeys {
  return {
    emails: contact.emails,
    phones: contact.phones,
    nameKey: nameKey(contact.firstName, contact.lastName),
    postcode: contact.address?.postcode ?? null,
    uprn: contact.address?.uprn ?? null,
    udprn: contact.address?.udprn ?? null,
  };
}

function linkWrite(
  contactId: string,
  contact: CanonicalContact,
  hash: string,
  matchedOn: MatchField[] | null,
): LinkWrite {
  const { provenance, ...snapshot } = contact;
  return {
    contactId,
    externalId: provenance.externalId,
    active: contact.active,
    crmModifiedAt: provenance.modifiedAt,
    etag: provenance.etag,
    contentHash: hash,
    snapshot,
    matchedOn,
  };
}

function logEntry(contactId: string, contact: CanonicalContact, status: ContactOutcome): SyncLogEntry {
  return { externalId: contact.provenance.externalId, contactId, status, errorCode: null, error: null };
}
