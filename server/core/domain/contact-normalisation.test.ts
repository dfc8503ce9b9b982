import { describe, expect, it } from 'vitest';
import {
  nameKey,
  normaliseEmail,
  normalisePhone,
  normalisePostcode,
  suggestNurtureCategory,
} from './contact-normalisation.ts';

describe('normalisePhone', () => {
  it.each([
    ['07700 900123', '+447700900123'],
    ['+44 7700 900123', '+447700900123'],
    ['07700900123', '+447700900123'],
    ['(07700) 900 123', '+447700900123'],
    ['+44 (0)7700 900123', '+447700900123'],
    ['0044 7700 900123', '+447700900123'],
    ['020 7946 0123', '+442079460123'],
    ['+33 1 23 45 67 89', '+33123456789'],
  ])('turns %s into %s', (raw, expected) => {
    expect(normalisePhone(raw)).toBe(expected);
  });

  it.each(['', 'n/a', '12345', '07700 9001'])('rejects %j', (raw) => {
    expect(normalisePhone(raw)).toBeNull();
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases', () =>
    expect(normaliseEmail('  Ada.Lovelace@Example.CO.UK ')).toBe('ada.lovelace@example.co.uk'));
  it('rejects what is not an email', () => expect(normaliseEmail('ada at example')).toBeNull());
});

describe('normalisePostcode', () => {
  it('formats UK postcodes', () => {
    expect(normalisePostcode('sw1a1aa')).toBe('SW1A 1AA');
    expect(normalisePostcode(' M1  1AE ')).toBe('M1 1AE');
  });
});

describe('nameKey', () => {
  it('ignores accents, punctuation and case', () => {
    expect(nameKey('Zoë', "O'Brien")).toBe('zoe obrien');
    expect(nameKey('ZOE', 'OBrien')).toBe('zoe obrien');
  });
  it('needs both names', () => expect(nameKey('Ada', null)).toBeNull());
});

describe('suggestNurtureCategory', () => {
  const none = {
    applicantType: null,
    tenancyStatus: null,
    propertyInterest: null,
    isVendor: false,
    isLandlord: false,
  } as const;
  it('prefers the strongest intent', () => {
    expect(suggestNurtureCategory({ ...none, isVendor: true, applicantType: 'buyer' })).toBe('Seller');
    expect(suggestNurtureCategory({ ...none, isLandlord: true })).toBe('Landlord');
    expect(suggestNurtureCategory({ ...none, tenancyStatus: 'active' })).toBe('Active Tenant');
    expect(suggestNurtureCategory({ ...none, applicantType: 'tenant' })).toBe('Tenant');
    expect(suggestNurtureCategory(none)).toBe('Unknown');
  });

  it("takes an admin's override for the fact in place of its suggestion, in the same order of strength", () => {
    const overrides = {
      'applicantType:buyer': 'Applicant',
      'tenancyStatus:former': 'Tenant',
    } as const;
    expect(suggestNurtureCategory({ ...none, applicantType: 'buyer' }, overrides)).toBe('Applicant');
    // A tenancy status outranks an applicant type; landlords and sellers stay what they are.
    expect(
      suggestNurtureCategory({ ...none, applicantType: 'buyer', tenancyStatus: 'former' }, overrides),
    ).toBe('Tenant');
    expect(suggestNurtureCategory({ ...none, applicantType: 'buyer', isVendor: true }, overrides)).toBe(
      'Seller',
    );
    expect(suggestNurtureCategory({ ...none, applicantType: 'tenant' }, overrides)).toBe('Tenant');
    expect(suggestNurtureCategory({ ...none, tenancyStatus: 'active' }, overrides)).toBe('Active Tenant');
  });
});
