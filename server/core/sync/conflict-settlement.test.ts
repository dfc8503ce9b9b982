import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import { canonicalPerson } from '../../test-support/contacts.ts';
import { DEFAULT_FIELD_POLICY } from '../domain/conflict-resolution.ts';
import { fieldPolicyFrom, settleLinkedUpdate, type ContactLink } from './conflict-settlement.ts';

/** When a CRM change meets Propsync's own edits: what counts as Propsync's edit, and which rules apply. */

const stored = canonicalPerson('reapit', 'R1', { emails: ['grace@example.com'], phones: ['+447700900001'] });
const fromCrm: CanonicalContact = {
  ...stored,
  firstName: 'Gracie',
  provenance: { ...stored.provenance, modifiedAt: '2026-11-03T10:00:00.000Z' },
};

function link(current: Record<string, unknown>, fieldModifiedAt: Record<string, string>): ContactLink {
  const { provenance: _provenance, ...snapshot } = stored;
  return {
    externalId: 'R1',
    contactId: 'c-1',
    contentHash: 'stored-hash',
    crmModifiedAt: stored.provenance.modifiedAt,
    reconciledAt: '2026-11-02T00:00:00.000Z',
    snapshot,
    current: { ...snapshot, intentScore: 10, ...current },
    fieldModifiedAt,
  };
}

describe('settling a CRM change to a contact Propsync may have changed', () => {
  it('does not count a field Propsync edited back to the agreed value as its change', () => {
    const settled = settleLinkedUpdate(
      link({}, { phones: '2026-11-02T12:00:00.000Z' }),
      fromCrm,
      DEFAULT_FIELD_POLICY,
    );
    expect(settled).toEqual({ values: fromCrm, audit: null, push: null });
  });

  it('counts a Propsync-only field only when edited since the last reconciliation', () => {
    const before = settleLinkedUpdate(
      link({ intentScore: 40 }, { intentScore: '2026-11-01T12:00:00.000Z' }),
      fromCrm,
      DEFAULT_FIELD_POLICY,
    );
    expect(before.audit).toBeNull();
    const since = settleLinkedUpdate(
      link({ intentScore: 40 }, { intentScore: '2026-11-02T12:00:00.000Z' }),
      fromCrm,
      DEFAULT_FIELD_POLICY,
    );
    expect(since.values).toEqual(fromCrm);
    expect(since.audit).toMatchObject({
      contactId: 'c-1',
      differingFields: ['firstName', 'intentScore'],
      resolutions: expect.arrayContaining([
        { field: 'intentScore', winner: 'platform', rule: 'platform_wins' },
        { field: 'firstName', winner: 'crm', rule: 'only_crm_changed' },
      ]),
    });
    // The score is Propsync's and never a CRM field: nothing to push.
    expect(since.push).toBeNull();
  });

  it('keys a push by the record and the values, so the same change queues once', () => {
    const propsyncPhone = link({ phones: ['+447700900999'] }, { phones: '2026-11-02T12:00:00.000Z' });
    const first = settleLinkedUpdate(propsyncPhone, fromCrm, DEFAULT_FIELD_POLICY);
    const again = settleLinkedUpdate(propsyncPhone, fromCrm, DEFAULT_FIELD_POLICY);
    expect(first.values.phones).toEqual(['+447700900999']);
    expect(first.push).toEqual(again.push);
    expect(first.push!.payload).toEqual({
      externalId: 'R1',
      etag: null,
      fields: { phones: ['+447700900999'] },
    });
  });
});

describe('the field policy in force', () => {
  it("starts from the defaults and lets later rows (the agency's, after the global ones) win", () => {
    const policy = fieldPolicyFrom([
      { field: 'marketingConsent', rule: 'crm_wins' },
      { field: 'marketingConsent', rule: 'most_recent' },
    ]);
    expect(policy).toEqual({ ...DEFAULT_FIELD_POLICY, marketingConsent: 'most_recent' });
  });
});
