import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import { canonicalPerson } from '../../test-support/contacts.ts';
import { DEFAULT_FIELD_POLICY } from '../domain/conflict-resolution.ts';
import type { PlatformConsent } from '../domain/platform-changes.ts';
import { settleLinkedUpdate, type ContactLink } from './conflict-settlement.ts';

/** A CRM record arriving for a contact whose consent the platform recorded: deny-wins in the page plan. */

const agreed = canonicalPerson('reapit', 'R1', { emails: ['grace@example.com'], marketingConsent: 'denied' });
const { provenance: _provenance, ...snapshot } = agreed;

function link(current: 'granted' | 'denied', platformConsent: PlatformConsent | null): ContactLink {
  return {
    externalId: 'R1',
    contactId: 'c-1',
    contentHash: 'agreed-hash',
    crmModifiedAt: agreed.provenance.modifiedAt,
    reconciledAt: '2026-11-02T00:00:00.000Z',
    // The platform's opt-out was written back and read again: both sides agreed on it.
    snapshot,
    current: { ...snapshot, marketingConsent: current },
    fieldModifiedAt: { marketingConsent: '2026-11-01T12:00:00.000Z' },
    platformConsent,
  };
}

const fromCrm = (
  marketingConsent: CanonicalContact['marketingConsent'],
  modifiedAt: string,
): CanonicalContact => ({
  ...agreed,
  marketingConsent,
  provenance: { ...agreed.provenance, modifiedAt, etag: 'etag-2' },
});

describe('a CRM record meeting the platform consent record', () => {
  it('keeps a platform opt-out against a later "granted", writes it back and audits it', () => {
    const settled = settleLinkedUpdate(
      link('denied', { status: 'denied', at: '2026-11-01T12:00:00.000Z' }),
      fromCrm('granted', '2026-11-05T10:00:00.000Z'),
      DEFAULT_FIELD_POLICY,
    );
    expect(settled.values.marketingConsent).toBe('denied');
    expect(settled.push?.payload).toEqual({
      externalId: 'R1',
      etag: 'etag-2',
      fields: { marketingConsent: 'denied' },
    });
    expect(settled.audit).toMatchObject({
      differingFields: ['marketingConsent'],
      resolutions: [{ field: 'marketingConsent', winner: 'platform', rule: 'deny_wins' }],
      winner: 'platform',
      platformModifiedAt: '2026-11-01T12:00:00.000Z',
    });
  });

  it('lets a CRM opt-out newer than the platform consent win, without writing back', () => {
    const settled = settleLinkedUpdate(
      {
        ...link('granted', { status: 'granted', at: '2026-11-03T12:00:00.000Z' }),
        snapshot: { ...snapshot, marketingConsent: 'granted' },
      },
      fromCrm('denied', '2026-11-05T10:00:00.000Z'),
      DEFAULT_FIELD_POLICY,
    );
    expect(settled.values.marketingConsent).toBe('denied');
    expect(settled.push).toBeNull();
    expect(settled.audit?.resolutions).toEqual([
      { field: 'marketingConsent', winner: 'crm', rule: 'deny_wins' },
    ]);
  });

  it('changes nothing when the CRM agrees with the platform', () => {
    const settled = settleLinkedUpdate(
      link('denied', { status: 'denied', at: '2026-11-01T12:00:00.000Z' }),
      { ...fromCrm('denied', '2026-11-05T10:00:00.000Z'), firstName: 'Gracie' },
      DEFAULT_FIELD_POLICY,
    );
    expect(settled).toMatchObject({ audit: null, push: null });
    expect(settled.values.firstName).toBe('Gracie');
  });
});
