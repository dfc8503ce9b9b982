import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MARKETING_CONSENTS } from '../../../shared/contact.ts';
import { DEFAULT_FIELD_POLICY } from './conflict-resolution.ts';
import { refusedPlatformFields, standingMarketingConsent, type PlatformConsent } from './platform-changes.ts';

const RUNS = { numRuns: 1_000, seed: 424242 };
const UNSUBSCRIBED: PlatformConsent = { status: 'denied', at: '2026-11-10T09:00:00.000Z' };
const CONSENTED: PlatformConsent = { status: 'granted', at: '2026-11-10T09:00:00.000Z' };
const before = '2026-11-09T09:00:00.000Z';
const after = '2026-11-11T09:00:00.000Z';

describe('marketing consent against the platform record: deny-wins both ways', () => {
  it('keeps a platform opt-out against a later "granted" from a CRM', () => {
    expect(standingMarketingConsent(UNSUBSCRIBED, { consent: 'granted', modifiedAt: after })).toBe('denied');
    expect(standingMarketingConsent(UNSUBSCRIBED, { consent: 'not_asked', modifiedAt: after })).toBe(
      'denied',
    );
  });

  it('lets a CRM opt-out newer than the platform consent win, and an older one give way to it', () => {
    expect(standingMarketingConsent(CONSENTED, { consent: 'denied', modifiedAt: after })).toBe('denied');
    expect(standingMarketingConsent(CONSENTED, { consent: 'denied', modifiedAt: before })).toBe('granted');
    expect(standingMarketingConsent(CONSENTED, { consent: 'not_asked', modifiedAt: after })).toBe('granted');
  });

  it('leaves the CRM value as it is when the platform recorded nothing', () => {
    for (const consent of MARKETING_CONSENTS)
      expect(standingMarketingConsent(null, { consent, modifiedAt: after })).toBe(consent);
  });

  const instant = fc
    .integer({ min: Date.parse('2020-01-01'), max: Date.parse('2030-01-01') })
    .map((ms) => new Date(ms).toISOString());
  const platform = fc.record({ status: fc.constantFrom('granted' as const, 'denied' as const), at: instant });
  const crm = fc.record({ consent: fc.constantFrom(...MARKETING_CONSENTS), modifiedAt: instant });

  it('property: the result is denied exactly when one side denied and no newer consent of the other lifts it', () => {
    fc.assert(
      fc.property(platform, crm, (mine, theirs) => {
        const standing = standingMarketingConsent(mine, theirs);
        const crmDeniedLater =
          theirs.consent === 'denied' && Date.parse(theirs.modifiedAt) > Date.parse(mine.at);
        expect(standing === 'denied').toBe(mine.status === 'denied' || crmDeniedLater);
        // The platform's record is explicit: "not asked" never comes out of it.
        expect(standing).not.toBe('not_asked');
      }),
      RUNS,
    );
  });

  it('property: a platform opt-out survives any sequence of CRM records', () => {
    fc.assert(
      fc.property(fc.array(crm, { maxLength: 20 }), (records) => {
        for (const record of records) expect(standingMarketingConsent(UNSUBSCRIBED, record)).toBe('denied');
      }),
      RUNS,
    );
  });
});

describe('fields the platform may change', () => {
  it('are the writable fields the policy gives the platform; the rest are refused with their reason', () => {
    const policy = { ...DEFAULT_FIELD_POLICY, phones: 'platform_wins' as const };
    expect(refusedPlatformFields(['phones'], policy)).toEqual([]);
    expect(refusedPlatformFields(['phones', 'firstName', 'marketingConsent', 'intentScore'], policy)).toEqual(
      [
        {
          field: 'firstName',
          reason: "its rule in the agency's field policy is crm_wins, not platform_wins",
        },
        { field: 'marketingConsent', reason: 'consent is recorded with contacts.recordConsent' },
        { field: 'intentScore', reason: 'not a contact field Propsync writes to the CRMs' },
      ],
    );
  });
});
