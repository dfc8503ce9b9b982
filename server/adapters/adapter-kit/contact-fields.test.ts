import { describe, expect, it } from 'vitest';
import { canonicalAddress, consentFromFlag, primaryFirst } from './contact-fields.ts';

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
