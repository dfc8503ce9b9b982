import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import { canonicalPerson } from '../../test-support/contacts.ts';
import { DEFAULT_FIELD_POLICY } from '../domain/conflict-resolution.ts';
import { contactContentHash } from '../domain/contact-normalisation.ts';
import type { MatchCandidate } from '../domain/deduplication.ts';
import {
  identityKeys,
  identityKeysToMatch,
  planPage,
  type ContactLink,
  type PlanInput,
} from './reconcile-page.ts';

/** The page plan decides everything about a page without a database: these pin each decision. */

const NOW = new Date('2026-11-20T09:00:00.000Z');

function person(externalId: string, overrides: Partial<CanonicalContact> = {}): CanonicalContact {
  return canonicalPerson('reapit', externalId, overrides);
}

/** The link Propsync keeps after reconciling `stored`, with Propsync's current values `current`. */
function linkTo(
  contactId: string,
  stored: CanonicalContact,
  platform: { current?: Partial<CanonicalContact>; fieldModifiedAt?: Record<string, string> } = {},
): ContactLink {
  const { provenance, ...snapshot } = stored;
  const current = { ...snapshot, ...platform.current };
  return {
    externalId: provenance.externalId,
    contactId,
    contentHash: contactContentHash(stored),
    crmModifiedAt: provenance.modifiedAt,
    reconciledAt: '2026-11-01T10:05:00.000Z',
    snapshot,
    current: {
      title: current.title,
      firstName: current.firstName,
      lastName: current.lastName,
      emails: current.emails,
      phones: current.phones,
      address: current.address,
      nurtureCategory: current.nurtureCategory,
      marketingConsent: current.marketingConsent,
    },
    fieldModifiedAt: platform.fieldModifiedAt ?? {},
  };
}

function candidateOf(contactId: string, contact: CanonicalContact): MatchCandidate {
  return { ...identityKeys(contact), contactId };
}

function plan(overrides: Partial<PlanInput> & { contacts?: CanonicalContact[] }) {
  let next = 0;
  const { contacts = [], ...rest } = overrides;
  return planPage({
    page: { contacts, rejected: [] },
    links: [],
    candidates: [],
    policy: DEFAULT_FIELD_POLICY,
    windowStart: '2026-11-19T09:00:00.000Z',
    newContactId: () => `new-${++next}`,
    now: NOW,
    ...rest,
  });
}

describe('planning a page', () => {
  it('only refreshes the link of a record whose version moved but whose data did not (our own write-back)', () => {
    const stored = person('R9', { emails: ['echo@example.com'] });
    const echoed: CanonicalContact = {
      ...stored,
      provenance: { ...stored.provenance, modifiedAt: '2026-11-20T12:00:00.000Z', etag: 'after-our-write' },
    };
    const result = plan({ contacts: [echoed], links: [linkTo('c-9', stored)] });
    // No field is settled again: the echo must not count as the newest version of every field.
    expect(result.updates).toEqual([]);
    expect(result.audits).toEqual([]);
    expect(result.logRows).toEqual([]);
    expect(result.hostEvents).toEqual([]);
    expect(result.refreshed).toEqual(['R9']);
    expect(result.links).toEqual([
      expect.objectContaining({
        externalId: 'R9',
        contactId: 'c-9',
        etag: 'after-our-write',
        crmModifiedAt: '2026-11-20T12:00:00.000Z',
      }),
    ]);
    expect(result.result).toMatchObject({ updated: 0, unchanged: 1 });
  });

  it("maps each record with the connection's category overrides, so a record seen again after they changed is changed", () => {
    const buyer = person('R7', {
      nurtureCategory: 'Buyer',
      profile: {
        applicantType: 'buyer',
        tenancyStatus: null,
        propertyInterest: 'buying',
        isVendor: false,
        isLandlord: false,
      },
    });
    const categoryOverrides = { 'applicantType:buyer': 'Applicant' } as const;
    const created = plan({ contacts: [buyer], categoryOverrides });
    expect(created.inserts[0]!.contact.nurtureCategory).toBe('Applicant');
    expect(created.links[0]!.snapshot).toMatchObject({ nurtureCategory: 'Applicant' });
    // The same record, unchanged at the CRM, against a link reconciled before the override.
    const again = plan({ contacts: [buyer], links: [linkTo('c-7', buyer)], categoryOverrides });
    expect(again.updates).toEqual([
      { contactId: 'c-7', contact: expect.objectContaining({ nurtureCategory: 'Applicant' }) },
    ]);
    // Without overrides, the adapter's suggestion stands and nothing changed.
    expect(plan({ contacts: [buyer], links: [linkTo('c-7', buyer)] }).unchanged).toEqual(['R7']);
  });

  it('creates a contact for a record nobody knows, links it and logs it', () => {
    const record = person('R1', { emails: ['olivia@example.com'] });
    const result = plan({ contacts: [record] });
    expect(result.inserts).toEqual([{ contactId: 'new-1', contact: record }]);
    expect(result.links).toEqual([
      expect.objectContaining({ contactId: 'new-1', externalId: 'R1', matchedOn: null, active: true }),
    ]);
    expect(result.links[0]!.snapshot).not.toHaveProperty('provenance');
    expect(result.logRows).toEqual([
      { externalId: 'R1', contactId: 'new-1', status: 'created', errorCode: null, error: null },
    ]);
    expect(result.result).toEqual({ created: 1, updated: 0, merged: 0, unchanged: 0, rejected: 0 });
    expect(result.counters).toEqual({
      fetched: 1,
      written: 1,
      unchanged: 0,
      conflicts: 0,
      duplicatesSuppressed: 0,
      errors: 0,
    });
  });

  it('updates a linked contact the CRM changed, and skips versions it already has or that are older', () => {
    const stored = person('R1', { emails: ['olivia@example.com'] });
    const renamed = person('R1', {
      emails: ['olivia@example.com'],
      lastName: 'Brien',
      provenance: { ...stored.provenance, modifiedAt: '2026-11-02T10:00:00.000Z' },
    });
    const same = person('R2');
    const older = person('R3', {
      lastName: 'Old',
      provenance: { ...stored.provenance, externalId: 'R3', modifiedAt: '2026-10-01T10:00:00.000Z' },
    });
    const result = plan({
      contacts: [renamed, same, older],
      links: [linkTo('c-1', stored), linkTo('c-2', same), linkTo('c-3', person('R3'))],
    });
    expect(result.updates).toEqual([{ contactId: 'c-1', contact: renamed }]);
    expect(result.unchanged).toEqual(['R2', 'R3']);
    expect(result.inserts).toEqual([]);
    expect(result.logRows.map((row) => row.status)).toEqual(['updated']);
    expect(result.result).toMatchObject({ updated: 1, unchanged: 2 });
  });

  it('logs a linked record the CRM archived as deactivated', () => {
    const stored = person('R1');
    const archived = person('R1', { active: false });
    const result = plan({ contacts: [archived], links: [linkTo('c-1', stored)] });
    expect(result.logRows).toEqual([expect.objectContaining({ contactId: 'c-1', status: 'deactivated' })]);
    expect(result.hostEvents).toEqual([{ type: 'contact.deactivated', contactId: 'c-1', externalId: 'R1' }]);
  });

  it('keeps the last occurrence of a record the page holds twice', () => {
    const first = person('R1', { lastName: 'First' });
    const last = person('R1', { lastName: 'Last' });
    const result = plan({ contacts: [first, last] });
    expect(result.inserts).toEqual([{ contactId: 'new-1', contact: last }]);
    expect(result.counters.fetched).toBe(1);
  });

  it('folds records of one page that are one person into one new contact', () => {
    const first = person('R1', { emails: ['olivia@example.com'], phones: ['+447700900001'] });
    const second = person('R2', {
      firstName: null,
      emails: ['olivia@example.com', 'o.obrien@example.com'],
      phones: ['+447700900002'],
    });
    const result = plan({ contacts: [first, second] });
    expect(result.inserts).toHaveLength(1);
    expect(result.inserts[0]!.contact).toMatchObject({
      firstName: 'Olivia',
      emails: ['olivia@example.com', 'o.obrien@example.com'],
      phones: ['+447700900001', '+447700900002'],
    });
    // The merge is into a contact this page creates: nothing to merge into an existing row.
    expect(result.merges).toEqual([]);
    expect(result.links).toEqual([
      expect.objectContaining({ externalId: 'R1', contactId: 'new-1', matchedOn: null }),
      expect.objectContaining({ externalId: 'R2', contactId: 'new-1', matchedOn: ['email'] }),
    ]);
    expect(result.logRows.map((row) => row.status)).toEqual(['created', 'merged']);
    expect(result.result).toMatchObject({ created: 1, merged: 1 });
    expect(result.counters.duplicatesSuppressed).toBe(1);
  });

  it('links a new record to the existing contact deduplication finds, folding what the page knows of them', () => {
    const existing = person('A1', { emails: ['olivia@example.com'] });
    const fromReapit = person('R1', { emails: ['olivia@example.com'], phones: ['+447700900001'] });
    const alsoHer = person('R2', { emails: ['olivia@example.com'], phones: ['+447700900002'] });
    const result = plan({ contacts: [fromReapit, alsoHer], candidates: [candidateOf('c-9', existing)] });
    expect(result.inserts).toEqual([]);
    expect(result.merges).toEqual([
      {
        contactId: 'c-9',
        contact: expect.objectContaining({ phones: ['+447700900001', '+447700900002'] }),
      },
    ]);
    expect(result.mergeApart).toBe(false);
    expect(result.links.map((link) => [link.externalId, link.contactId, link.matchedOn])).toEqual([
      ['R1', 'c-9', ['email', 'name']],
      ['R2', 'c-9', ['email', 'name']],
    ]);
  });

  it('writes the merge apart when the page also updates the contact it merges into', () => {
    const stored = person('R1', { emails: ['olivia@example.com'] });
    const changed = person('R1', { emails: ['olivia@example.com'], title: 'Dr' });
    const duplicate = person('R2', { emails: ['olivia@example.com'], phones: ['+447700900001'] });
    const result = plan({
      contacts: [changed, duplicate],
      links: [linkTo('c-1', stored)],
      candidates: [candidateOf('c-1', stored)],
    });
    expect(result.updates.map((update) => update.contactId)).toEqual(['c-1']);
    expect(result.merges.map((merge) => merge.contactId)).toEqual(['c-1']);
    expect(result.mergeApart).toBe(true);
  });

  it('settles a conflict by the field policy, audits it and pushes what Propsync keeps back to the CRM', () => {
    const stored = person('R1', { emails: ['olivia@example.com'] });
    const fromCrm = person('R1', {
      emails: ['olivia@example.com'],
      firstName: 'Liv',
      marketingConsent: 'not_asked',
      provenance: { ...stored.provenance, modifiedAt: '2026-11-02T10:00:00.000Z' },
    });
    const link = linkTo('c-1', stored, {
      current: { firstName: 'Olive', marketingConsent: 'denied' },
      fieldModifiedAt: {
        firstName: '2026-11-01T12:00:00.000Z',
        marketingConsent: '2026-11-01T12:00:00.000Z',
      },
    });
    const result = plan({ contacts: [fromCrm], links: [link] });
    // The CRM owns the name; an opt-out anywhere is an opt-out everywhere.
    expect(result.updates[0]!.contact).toMatchObject({ firstName: 'Liv', marketingConsent: 'denied' });
    expect(result.audits).toEqual([
      expect.objectContaining({
        contactId: 'c-1',
        differingFields: ['firstName', 'marketingConsent'],
        winner: 'mixed',
        platformModifiedAt: '2026-11-01T12:00:00.000Z',
      }),
    ]);
    expect(result.pushes).toEqual([
      {
        contactId: 'c-1',
        idempotencyKey: expect.stringMatching(/^contact-update:R1:/),
        payload: { externalId: 'R1', etag: null, fields: { marketingConsent: 'denied' } },
      },
    ]);
    expect(result.counters.conflicts).toBe(1);
    // The link keeps the CRM's record as the base of the next check, not the settled values.
    expect(result.links[0]!.snapshot).toMatchObject({ firstName: 'Liv', marketingConsent: 'not_asked' });
  });

  it('takes the CRM change as it is when Propsync changed nothing', () => {
    const stored = person('R1');
    const fromCrm = person('R1', { marketingConsent: 'denied' });
    const result = plan({ contacts: [fromCrm], links: [linkTo('c-1', stored)] });
    expect(result.updates).toEqual([{ contactId: 'c-1', contact: fromCrm }]);
    expect(result.audits).toEqual([]);
    expect(result.pushes).toEqual([]);
  });

  it('tells the host of changes after the first import, never during it', () => {
    const contacts = [
      person('R1', { emails: ['a@example.com'] }),
      person('R2', { emails: ['a@example.com'] }),
    ];
    expect(plan({ contacts, windowStart: null }).hostEvents).toEqual([]);
    expect(plan({ contacts }).hostEvents).toEqual([
      { type: 'contact.created', contactId: 'new-1', externalId: 'R1' },
      { type: 'contact.merged', contactId: 'new-1', externalId: 'R2' },
    ]);
  });

  it('records rejected records as errors of the run, in the log and never as host events', () => {
    const result = plan({
      page: { contacts: [person('R1')], rejected: [{ externalId: 'R9', reason: 'no name, email or phone' }] },
    });
    expect(result.logRows).toContainEqual({
      externalId: 'R9',
      contactId: null,
      status: 'error',
      errorCode: 'ADAPTER.BAD_RESPONSE',
      error: 'no name, email or phone',
    });
    expect(result.errors).toEqual([
      {
        code: 'ADAPTER.BAD_RESPONSE',
        message: 'no name, email or phone',
        statusCode: null,
        externalId: 'R9',
        retryState: 'gave_up',
        at: NOW.toISOString(),
      },
    ]);
    expect(result.hostEvents.map((event) => event.externalId)).toEqual(['R1']);
    expect(result.counters).toMatchObject({ fetched: 2, written: 1, errors: 1 });
    expect(result.result.rejected).toBe(1);
  });

  it('looks dedup candidates up only for the records that have no link', () => {
    const linked = person('R1', { emails: ['linked@example.com'] });
    const fresh = person('R2', { emails: ['fresh@example.com'] });
    expect(identityKeysToMatch([linked, fresh], [linkTo('c-1', linked)])).toEqual([identityKeys(fresh)]);
  });
});

describe('page plan properties', () => {
  const externalId = fc.constantFrom('R1', 'R2', 'R3', 'R4', 'R5', 'R6');
  const email = fc.constantFrom('a@example.com', 'b@example.com', 'c@example.com');
  const record = fc
    .record({
      externalId,
      emails: fc.uniqueArray(email, { maxLength: 2 }),
      lastName: fc.constantFrom("O'Brien", 'Smith', null),
      active: fc.boolean(),
      day: fc.integer({ min: 1, max: 9 }),
    })
    .map(({ externalId, emails, lastName, active, day }) =>
      person(externalId, {
        emails,
        lastName,
        active,
        provenance: {
          provider: 'reapit',
          externalId,
          modifiedAt: `2026-11-0${day}T10:00:00.000Z`,
          etag: null,
        },
      }),
    );
  const scenario = fc.record({
    contacts: fc.array(record, { maxLength: 12 }),
    stored: fc.array(record, { maxLength: 6 }),
    candidates: fc.array(fc.record({ id: fc.constantFrom('c-a', 'c-b'), emails: fc.uniqueArray(email) }), {
      maxLength: 2,
    }),
    rejected: fc.array(fc.record({ externalId: fc.option(externalId), reason: fc.constant('unmappable') }), {
      maxLength: 3,
    }),
    windowStart: fc.option(fc.constant('2026-11-01T00:00:00.000Z')),
  });

  it('puts every record of the page in exactly one place, and the counters add up', () => {
    fc.assert(
      fc.property(scenario, ({ contacts, stored, candidates, rejected, windowStart }) => {
        const links = [
          ...new Map(stored.map((contact) => [contact.provenance.externalId, contact])).values(),
        ].map((contact) => linkTo(`c-${contact.provenance.externalId}`, contact));
        const result = plan({
          page: { contacts, rejected },
          links,
          candidates: candidates.map(({ id, emails }) => candidateOf(id, person('X', { emails }))),
          windowStart,
        });
        const distinct = new Set(contacts.map((contact) => contact.provenance.externalId));
        const written = result.links.map((link) => link.externalId);
        const placed = [...written, ...result.unchanged];
        expect(placed.sort()).toEqual([...distinct].sort());
        const { created, updated, merged, unchanged } = result.result;
        expect(created + updated + merged + unchanged).toBe(distinct.size);
        expect(result.inserts).toHaveLength(created);
        expect(result.updates).toHaveLength(updated);
        expect(result.counters).toEqual({
          fetched: distinct.size + rejected.length,
          written: written.length - result.refreshed.length,
          unchanged,
          conflicts: result.audits.length,
          duplicatesSuppressed: merged,
          errors: rejected.length,
        });
        // A record only refreshed (same data, newer version) is neither logged nor announced.
        expect(result.logRows).toHaveLength(written.length - result.refreshed.length + rejected.length);
        expect(result.hostEvents).toHaveLength(
          windowStart === null ? 0 : written.length - result.refreshed.length,
        );
        // A merge lands on a contact this page creates or on a candidate, and only candidates are merged into.
        const inserted = new Set(result.inserts.map((insert) => insert.contactId));
        const candidateIds = new Set<string>(candidates.map((candidate) => candidate.id));
        for (const link of result.links.filter((link) => link.matchedOn !== null))
          expect(inserted.has(link.contactId) || candidateIds.has(link.contactId)).toBe(true);
        for (const merge of result.merges) expect(candidateIds.has(merge.contactId)).toBe(true);
        const updatedIds = new Set(result.updates.map((update) => update.contactId));
        expect(result.mergeApart).toBe(result.merges.some((merge) => updatedIds.has(merge.contactId)));
      }),
      { numRuns: 500, seed: 424242 },
    );
  });
});
