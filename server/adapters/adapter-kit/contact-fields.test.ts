import { describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  canonicalContact,
  canonicalLineAddress,
  consentFromFlag,
  primaryFirst,
} from './contact-fields.ts';

describe('canonicalAddress', () => {
  it('drops blank lines, trims and normalises the postcode', () => {
    expect(
      canonicalAddress(
        {
          lines: [' 1 Mill Lane ', '', null, 'Acomb'],
          town: ' York ',
          postcode: 'yo17hh',
          countryCode: 'GB',
        },
        false,
      ),
    ).toEqual({
      lines: ['1 Mill Lane', 'Acomb'],
      town: 'York',
      postcode: 'YO1 7HH',
      countryCode: 'GB',
      uprn: null,
      udprn: null,
    });
  });

  it('is null when nothing locates a place, a town alone only where the CRM allows it', () => {
    const townOnly = { lines: [' '], town: 'York', postcode: ' ', countryCode: null };
    expect(canonicalAddress(townOnly, false)).toBeNull();
    expect(canonicalAddress(townOnly, true)?.town).toBe('York');
  });
});

describe('canonicalLineAddress', () => {
  it('reads the three lines, town, postcode and UPRN, with the country the CRM names', () => {
    const lines = { line1: '1 Mill Lane', line2: ' ', line3: 'Acomb' };
    const address = { ...lines, town: 'York', postcode: 'yo17hh', uprn: '42' };
    expect(canonicalLineAddress(address, ' GB ', false)).toEqual({
      lines: ['1 Mill Lane', 'Acomb'],
      town: 'York',
      postcode: 'YO1 7HH',
      countryCode: 'GB',
      uprn: '42',
      udprn: null,
    });
    expect(canonicalLineAddress(null, 'GB', true)).toBeNull();
    expect(canonicalLineAddress({ town: 'York' }, null, false)).toBeNull();
  });
});

describe('consentFromFlag', () => {
  it('reads unset as never asked', () => {
    expect([true, false, null, undefined].map(consentFromFlag)).toEqual([
      'granted',
      'denied',
      'not_asked',
      'not_asked',
    ]);
  });
});

describe('canonicalContact', () => {
  it('drops blank names and unusable or repeated emails and phones, and suggests the nurture category', () => {
    const profile = {
      applicantType: 'buyer' as const,
      tenancyStatus: null,
      propertyInterest: null,
      isVendor: false,
      isLandlord: false,
    };
    const contact = canonicalContact({
      title: ' ',
      firstName: ' Ada ',
      lastName: null,
      emails: [' Ada@Example.com ', 'ada@example.com', 'not an email', null],
      phones: ['07700 900123', '+447700900123', undefined],
      address: null,
      marketingConsent: 'granted',
      profile,
      active: true,
      provenance: {
        provider: 'custom',
        externalId: 'c1',
        modifiedAt: '2025-01-01T00:00:00.000Z',
        etag: null,
      },
    });
    expect(contact).toMatchObject({
      title: null,
      firstName: 'Ada',
      lastName: null,
      emails: ['ada@example.com'],
      phones: ['+447700900123'],
      nurtureCategory: 'Buyer',
    });
  });
});

describe('primaryFirst', () => {
  it('moves the primary entries first and keeps the CRM order within each group', () => {
    const entries = [
      { id: 'a', primary: false },
      { id: 'b', primary: true },
      { id: 'c', primary: false },
    ];
    expect(primaryFirst(entries, (entry) => entry.primary).map((entry) => entry.id)).toEqual(['b', 'a', 'c']);
  });
});
