import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import { canonicalPerson } from '../../test-support/contacts.ts';
import { DEFAULT_FIELD_POLICY } from '../domain/conflict-resolution.ts';
import type { PlatformConsent } from '../domain/platform-changes.ts';
import { settleLinkedUpdate, type ContactLink } from './conflict-settlement.ts';
import { identityKeys, planPage } from './reconcile-page.ts';

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

describe('a CRM record joining a contact whose consent the platform recorded', () => {
  it('is written the standing opt-out when it holds "granted"', () => {
    const record = canonicalPerson('alto', 'A7', {
      emails: ['grace@example.com'],
      marketingConsent: 'granted',
      provenance: { provider: 'alto', externalId: 'A7', modifiedAt: '2026-11-20T10:00:00.000Z', etag: null },
    });
    const plan = (platformConsent: PlatformConsent | null) =>
      planPage({
        page: { contacts: [record], rejected: [] },
        links: [],
        candidates: [{ ...identityKeys(agreed), contactId: 'c-1', platformConsent }],
        policy: DEFAULT_FIELD_POLICY,
        windowStart: '2026-11-19T09:00:00.000Z',
        newContactId: () => 'new-1',
        now: new Date('2026-11-20T10:05:00.000Z'),
      });
    const unsubscribed = plan({ status: 'denied', at: '2026-11-01T12:00:00.000Z' });
    expect(unsubscribed.merges).toEqual([{ contactId: 'c-1', contact: record }]);
    expect(unsubscribed.pushes).toEqual([
      expect.objectContaining({
        contactId: 'c-1',
        payload: { externalId: 'A7', etag: null, fields: { marketingConsent: 'denied' } },
      }),
    ]);
    expect(plan(null).pushes).toEqual([]);
    expect(plan({ status: 'granted', at: '2026-11-01T12:00:00.000Z' }).pushes).toEqual([]);
  });
});
