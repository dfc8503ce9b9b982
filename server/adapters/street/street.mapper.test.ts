import { describe, expect, it } from 'vitest';
import { CanonicalContactSchema } from '../../../shared/contact.ts';
import {
  applicantsOf,
  indexIncluded,
  toCanonicalActivity,
  toCanonicalContact,
  toStreetAttributes,
} from './street.mapper.ts';
import {
  StreetActivitySchema,
  StreetPersonSchema,
  type StreetApplicant,
  type StreetPerson,
} from './street.schemas.ts';

const PERSON_ID = '3cad33f0-8d94-4502-aad3-d6d66f3c11de';

function person(attributes: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): StreetPerson {
  return StreetPersonSchema.parse({
    type: 'person',
    id: PERSON_ID,
    attributes: {
      title: 'Mrs',
      first_name: ' Priya ',
      last_name: 'Shah',
      full_name: 'Priya Shah',
      address: {
        building_number: '19',
        building_name: 'Flat 2',
        street: 'Lansdowne Road',
        line_1: '19 Lansdowne Road',
        line_2: 'Didsbury',
        line_3: 'Manchester',
        line_4: 'Greater Manchester',
        town: 'Manchester',
        postcode: 'm20 6hq',
        country: 'United Kingdom',
        udprn: 23747771,
      },
      telephone_numbers: [
        { value: '0161 496 0137', primary: false },
        { value: '+44 (0)7700 900123', primary: true },
      ],
      email_addresses: [
        { value: 'p.shah@work.example.co.uk', primary: false },
        { value: '  Priya.Shah@Example.COM ', primary: true },
        { value: 'not an email', primary: false },
      ],
      marketing_consent: true,
      statuses: { vendor: null, landlord: null, tenant: null },
      created_at: '2020-01-02T03:04:05.000000Z',
      updated_at: '2025-02-01T10:11:12.345678Z',
      ...attributes,
    },
    relationships: { applicants: { data: [] } },
    ...extra,
  });
}

function applicant(kind: 'sales' | 'lettings', extra: Record<string, unknown> = {}): StreetApplicant {
  return {
    type: 'applicant',
    id: `app-${kind}`,
    attributes: {
      applicant_type: kind,
      active: true,
      requirements: {
        min_price: kind === 'sales' ? 250_000 : 1_200,
        max_price: kind === 'sales' ? 325_000 : 1_500,
        min_bedrooms: 2,
        areas: ['Didsbury'],
      },
      ...extra,
    },
  };
}

describe('Street mapper: normalisation', () => {
  it('maps a person to a valid canonical contact: primary email and phone first, normalised', () => {
    const contact = toCanonicalContact(person());
    expect(() => CanonicalContactSchema.parse(contact)).not.toThrow();
    expect(contact).toMatchObject({
      title: 'Mrs',
      firstName: 'Priya',
      lastName: 'Shah',
      marketingConsent: 'granted',
      active: true,
    });
    expect(contact.emails).toEqual(['priya.shah@example.com', 'p.shah@work.example.co.uk']);
    expect(contact.phones).toEqual(['+447700900123', '+441614960137']);
    expect(contact.address).toEqual({
      lines: ['Flat 2', '19 Lansdowne Road', 'Didsbury'],
      town: 'Manchester',
      postcode: 'M20 6HQ',
      countryCode: 'GB',
      uprn: null,
      udprn: '23747771',
    });
    expect(contact.provenance).toEqual({
      provider: 'street',
      externalId: PERSON_ID,
      modifiedAt: '2025-02-01T10:11:12.345Z',
      etag: null,
    });
  });

  it('maps consent true / false / null, blank names, missing addresses and soft deletion', () => {
    expect(toCanonicalContact(person({ marketing_consent: false })).marketingConsent).toBe('denied');
    expect(toCanonicalContact(person({ marketing_consent: null })).marketingConsent).toBe('not_asked');
    const sparse = toCanonicalContact(
      person({ title: '', address: null, telephone_numbers: null, email_addresses: [] }),
    );
    expect(sparse).toMatchObject({ title: null, address: null, phones: [], emails: [] });
    expect(
      toCanonicalContact(person({ address: { line_1: '', postcode: null, country: 'United Kingdom' } }))
        .address,
    ).toBeNull();
    expect(
      toCanonicalContact(
        person({
          address: { line_1: '1 Rue de Rivoli', town: 'Paris', postcode: '75001', country: 'France' },
        }),
      ).address?.countryCode,
    ).toBeNull();
    expect(
      toCanonicalContact(person({}, { meta: { deleted_at: '2025-02-02T00:00:00.000000Z' } })).active,
    ).toBe(false);
  });

  it('refuses a person without a valid updated_at at the schema, so the adapter can reject it', () => {
    const parsed = StreetPersonSchema.safeParse({
      type: 'person',
      id: PERSON_ID,
      attributes: { first_name: 'A', updated_at: 'last Tuesday' },
    });
    expect(parsed.success).toBe(false);
  });
});

describe('Street mapper: property profile and nurture category', () => {
  it.each([
    ['a current vendor', { statuses: { vendor: 'Current', landlord: null, tenant: null } }, [], 'Seller'],
    [
      'a current landlord (who also sells)',
      { statuses: { vendor: 'Current', landlord: 'Current', tenant: null } },
      [],
      'Landlord',
    ],
    [
      'a current tenant',
      { statuses: { vendor: null, landlord: null, tenant: 'Current' } },
      [],
      'Active Tenant',
    ],
    ['a sales applicant', {}, ['sales'], 'Buyer'],
    ['a lettings applicant', {}, ['lettings'], 'Tenant'],
    [
      'a previous vendor only',
      { statuses: { vendor: 'Previous', landlord: null, tenant: null } },
      [],
      'Unknown',
    ],
  ] as const)('suggests the category for %s', (_label, attributes, kinds, category) => {
    const contact = toCanonicalContact(
      person(attributes),
      kinds.map((kind) => applicant(kind)),
    );
    expect(contact.nurtureCategory).toBe(category);
  });

  it('preserves applicant type, tenancy status and property interest', () => {
    const profile = toCanonicalContact(
      person({ statuses: { vendor: null, landlord: null, tenant: 'Previous' } }),
      [applicant('lettings')],
    ).profile;
    expect(profile).toEqual({
      applicantType: 'tenant',
      tenancyStatus: 'former',
      propertyInterest: 'renting: 2+ bedrooms in Didsbury, £1,200–£1,500 pcm',
      isVendor: false,
      isLandlord: false,
    });
    const both = toCanonicalContact(person(), [applicant('lettings'), applicant('sales')]).profile;
    expect(both.applicantType).toBe('buyer');
    expect(both.propertyInterest).toBe(
      'renting: 2+ bedrooms in Didsbury, £1,200–£1,500 pcm; buying: 2+ bedrooms in Didsbury, £250,000–£325,000',
    );
    // Inactive applicants count only when no active one is left.
    expect(
      toCanonicalContact(person(), [applicant('sales', { active: false }), applicant('lettings')]).profile
        .applicantType,
    ).toBe('tenant');
  });

  it('finds the applicants a person names among the side-loaded resources', () => {
    const withApplicants = person(
      {},
      { relationships: { applicants: { data: [{ type: 'applicant', id: 'app-sales' }] } } },
    );
    const included = indexIncluded([
      applicant('sales'),
      applicant('lettings'),
      { type: 'property', id: 'p1' },
    ]);
    expect(applicantsOf(withApplicants, included).map((found) => found.id)).toEqual(['app-sales']);
  });
});

describe('Street mapper: write-back round trip', () => {
  it('turns canonical fields into PATCH attributes that map back to the same values', () => {
    const attributes = toStreetAttributes({
      title: 'Dr',
      firstName: 'Priya',
      emails: ['priya@example.com', 'p@work.example.com'],
      phones: ['+447700900999'],
      marketingConsent: 'denied',
    });
    expect(attributes).toEqual({
      title: 'Dr',
      first_name: 'Priya',
      email_addresses: [
        { value: 'priya@example.com', primary: true },
        { value: 'p@work.example.com', primary: false },
      ],
      telephone_numbers: [{ value: '+447700900999', primary: true }],
      marketing_consent: false,
    });
    const original = person();
    const roundTripped = toCanonicalContact(person({ ...original.attributes, ...attributes }));
    expect(roundTripped).toMatchObject({
      title: 'Dr',
      firstName: 'Priya',
      lastName: 'Shah',
      emails: ['priya@example.com', 'p@work.example.com'],
      phones: ['+447700900999'],
      marketingConsent: 'denied',
    });
    expect(toStreetAttributes({})).toEqual({});
    // A null name is never sent: Street would refuse a blank name.
    expect(toStreetAttributes({ lastName: null, marketingConsent: 'not_asked' })).toEqual({
      marketing_consent: null,
    });
  });
});

describe('Street mapper: activities', () => {
  const activity = (type: string, status: string) =>
    StreetActivitySchema.parse({
      type,
      id: 'act-1',
      attributes: {
        status,
        created_at: '2025-02-01T09:00:00.000000Z',
        updated_at: '2025-02-03T12:00:00.000000Z',
        amount: type.endsWith('offer') ? 350_000 : undefined,
      },
    });
  const signal = (type: string, status: string) => {
    const mapped = toCanonicalActivity(activity(type, status), PERSON_ID, '2025-02-04T00:00:00Z');
    return mapped && `${mapped.type}@${mapped.externalId}`;
  };

  it('turns each viewing, valuation and offer into one signal under one id, typed by the stage it reached', () => {
    expect(signal('viewing', 'unconfirmed')).toBe('viewing_booked@viewing:act-1');
    expect(signal('viewing', 'confirmed')).toBe('viewing_booked@viewing:act-1');
    expect(signal('viewing', 'completed')).toBe('viewing_completed@viewing:act-1');
    expect(signal('valuation', 'booked')).toBe('valuation_booked@valuation:act-1');
    expect(signal('valuation', 'completed')).toBe('valuation_booked@valuation:act-1');
    expect(signal('sales_offer', 'pending')).toBe('offer_submitted@sales_offer:act-1');
    expect(signal('sales_offer', 'put_to_vendor')).toBe('offer_progressed@sales_offer:act-1');
    expect(signal('lettings_offer', 'accepted')).toBe('offer_progressed@lettings_offer:act-1');
  });

  it('withdraws cancelled, rejected, missed and withdrawn records under their id', () => {
    const withdrawal = (type: string, status: string) => {
      const mapped = toCanonicalActivity(activity(type, status), PERSON_ID, '2025-02-04T00:00:00Z');
      return mapped && `${mapped.type}@${mapped.externalId}${mapped.withdrawn ? ' withdrawn' : ''}`;
    };
    for (const status of ['cancelled', 'rejected', 'missed'])
      expect(withdrawal('viewing', status)).toBe('viewing_booked@viewing:act-1 withdrawn');
    expect(withdrawal('viewing', 'confirmed')).toBe('viewing_booked@viewing:act-1');
    expect(withdrawal('valuation', 'cancelled')).toBe('valuation_booked@valuation:act-1 withdrawn');
    expect(withdrawal('sales_offer', 'rejected')).toBe('offer_submitted@sales_offer:act-1 withdrawn');
    expect(withdrawal('lettings_offer', 'withdrawn')).toBe('offer_submitted@lettings_offer:act-1 withdrawn');
  });

  it('dates bookings and submissions by creation, completion and progress by update, for the given person', () => {
    const booked = toCanonicalActivity(activity('viewing', 'confirmed'), PERSON_ID, '2025-02-04T00:00:00Z');
    expect(booked).toMatchObject({
      occurredAt: '2025-02-01T09:00:00.000Z',
      source: 'street',
      contactExternalId: PERSON_ID,
      details: { status: 'confirmed' },
    });
    const completed = toCanonicalActivity(
      activity('viewing', 'completed'),
      PERSON_ID,
      '2025-02-04T00:00:00Z',
    );
    expect(completed?.occurredAt).toBe('2025-02-03T12:00:00.000Z');
    const offer = toCanonicalActivity(activity('sales_offer', 'pending'), PERSON_ID, '2025-02-04T00:00:00Z');
    expect(offer).toMatchObject({
      occurredAt: '2025-02-01T09:00:00.000Z',
      details: { amount: 350_000, market: 'sales' },
    });
  });
});
