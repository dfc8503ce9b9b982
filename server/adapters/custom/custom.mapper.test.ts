import { describe, expect, it } from 'vitest';
import { CanonicalContactSchema } from '../../../shared/contact.ts';
import { createCustomSimulator } from '../../../simulators/custom/custom-simulator.ts';
import { toCanonicalActivity, toCanonicalContact, toCustomPatch } from './custom.mapper.ts';
import { CustomActivitySchema, CustomContactSchema, type CustomContact } from './custom.schemas.ts';

function contact(overrides: Partial<CustomContact> = {}): CustomContact {
  return CustomContactSchema.parse({
    id: 'con_0000042',
    created_at: '2019-03-01T10:00:00.000Z',
    updated_at: '2025-06-02T09:30:00.000Z',
    etag: '"abc123"',
    title: ' Mrs ',
    first_name: 'Priya',
    last_name: 'Shah',
    emails: [
      { address: 'p.shah@work.example.co.uk', type: 'work', primary: false },
      { address: '  Priya.Shah@Example.COM ', type: 'personal', primary: true },
    ],
    phones: [
      { number: '020 7946 0018', type: 'home', primary: false },
      { number: '(07700) 900 123', type: 'mobile', primary: true },
      { number: '+44 (0)7700 900123', type: 'other', primary: false },
    ],
    address: {
      line1: '14 Mill Lane',
      line2: '',
      line3: null,
      town: 'Leeds',
      county: 'West Yorkshire',
      postcode: 'ls61aa',
      country_code: 'GB',
      uprn: '100023336956',
    },
    marketing_consent: 'granted',
    applicant: null,
    tenancy: null,
    is_vendor: false,
    is_landlord: false,
    archived: false,
    custom_fields: {},
    ...overrides,
  });
}

describe('custom mapper: contacts', () => {
  it('normalises emails and phones (primary first, E.164, duplicates merged) and the address', () => {
    const mapped = toCanonicalContact(contact());
    expect(mapped.title).toBe('Mrs');
    expect(mapped.emails).toEqual(['priya.shah@example.com', 'p.shah@work.example.co.uk']);
    expect(mapped.phones).toEqual(['+447700900123', '+442079460018']);
    expect(mapped.address).toEqual({
      lines: ['14 Mill Lane'],
      town: 'Leeds',
      postcode: 'LS6 1AA',
      countryCode: 'GB',
      uprn: '100023336956',
      udprn: null,
    });
    expect(mapped.provenance).toEqual({
      provider: 'custom',
      externalId: 'con_0000042',
      modifiedAt: '2025-06-02T09:30:00.000Z',
      etag: '"abc123"',
    });
    expect(mapped.marketingConsent).toBe('granted');
    expect(mapped.active).toBe(true);
    expect(() => CanonicalContactSchema.parse(mapped)).not.toThrow();
  });

  it('preserves applicant type, tenancy status and property interest, and suggests the nurture category', () => {
    const buyer = toCanonicalContact(
      contact({
        applicant: {
          type: 'buyer',
          property_interest: '3 bed house in Leeds, up to £325,000',
          max_budget: 325_000,
          min_bedrooms: 3,
        },
      }),
    );
    expect(buyer.profile).toEqual({
      applicantType: 'buyer',
      tenancyStatus: null,
      propertyInterest: '3 bed house in Leeds, up to £325,000',
      isVendor: false,
      isLandlord: false,
    });
    expect(buyer.nurtureCategory).toBe('Buyer');

    const tenant = toCanonicalContact(
      contact({
        applicant: { type: 'tenant', property_interest: null },
        tenancy: { status: 'prospective', property_id: null },
      }),
    );
    expect(tenant.profile).toMatchObject({
      applicantType: 'tenant',
      tenancyStatus: 'prospective',
      propertyInterest: 'renting',
    });
    expect(tenant.nurtureCategory).toBe('Tenant');

    expect(
      toCanonicalContact(contact({ tenancy: { status: 'active', property_id: 'prop_00012' } }))
        .nurtureCategory,
    ).toBe('Active Tenant');
    expect(
      toCanonicalContact(contact({ is_vendor: true, applicant: { type: 'buyer', property_interest: null } }))
        .nurtureCategory,
    ).toBe('Seller');
    expect(toCanonicalContact(contact({ is_landlord: true, is_vendor: true })).nurtureCategory).toBe(
      'Landlord',
    );
    expect(toCanonicalContact(contact()).nurtureCategory).toBe('Unknown');
  });

  it('maps archived contacts as inactive and unknown consent as not asked', () => {
    const mapped = toCanonicalContact(contact({ archived: true, marketing_consent: 'maybe' }));
    expect(mapped.active).toBe(false);
    expect(mapped.marketingConsent).toBe('not_asked');
  });

  it('maps every contact the simulator generates to a valid canonical contact', () => {
    const simulator = createCustomSimulator({ contactCount: 400, rateLimits: false });
    const mapped = simulator
      .contactIds()
      .map((id) => toCanonicalContact(CustomContactSchema.parse(simulator.getContact(id))));
    for (const canonical of mapped) expect(() => CanonicalContactSchema.parse(canonical)).not.toThrow();
    // Every generated person has a mobile, whatever format the CRM stored it in.
    expect(mapped.every((canonical) => canonical.phones[0]?.startsWith('+447'))).toBe(true);
    const categories = new Set(mapped.map((canonical) => canonical.nurtureCategory));
    for (const category of ['Seller', 'Landlord', 'Buyer', 'Tenant', 'Active Tenant'])
      expect(categories).toContain(category);
  });

  it('round-trips: a patch built from the canonical contact, applied to the record, maps back to the same contact', () => {
    const original = contact({ applicant: { type: 'buyer', property_interest: null } });
    const canonical = toCanonicalContact(original);
    const patch = toCustomPatch({
      title: canonical.title,
      firstName: canonical.firstName,
      lastName: canonical.lastName,
      emails: canonical.emails,
      phones: canonical.phones,
      marketingConsent: canonical.marketingConsent,
    });
    expect(patch.phones).toEqual([
      { number: '+447700900123', type: 'mobile', primary: true },
      { number: '+442079460018', type: 'home', primary: false },
    ]);
    const patched = CustomContactSchema.parse({ ...original, ...patch });
    expect(toCanonicalContact(patched)).toEqual(canonical);
    expect(toCustomPatch({ title: 'Dr' })).toEqual({ title: 'Dr' });
  });

  it('leaves records the open API does not describe to the schema (the adapter rejects them)', () => {
    expect(CustomContactSchema.safeParse({ id: 'con_1', emails: [] }).success).toBe(false);
    expect(CustomContactSchema.safeParse({ id: 'con_1', updated_at: 'yesterday' }).success).toBe(false);
    expect(
      CustomContactSchema.safeParse({ id: 'con_1', updated_at: '2025-06-02T09:30:00Z', some_vendor_field: 1 })
        .success,
    ).toBe(true);
  });
});

describe('custom mapper: activities', () => {
  const base = {
    id: 'act_0000007',
    contact_id: 'con_0000042',
    property: { id: 'prop_00031', address: '3 Park Road, Leeds', postcode: null },
    starts_at: '2025-06-05T10:00:00.000Z',
    occurred_at: '2025-06-01T09:00:00.000Z',
    source: 'crm',
  };

  it('turns viewings, valuations and offers into engagement signals at the stage reached, one id per activity', () => {
    const booked = toCanonicalActivity(
      CustomActivitySchema.parse({ ...base, type: 'viewing', status: 'booked' }),
    );
    expect(booked).toMatchObject({
      type: 'viewing_booked',
      source: 'custom',
      externalId: 'activity:act_0000007',
      contactExternalId: 'con_0000042',
      occurredAt: '2025-06-01T09:00:00.000Z',
      details: { propertyId: 'prop_00031', status: 'booked' },
    });
    // Completed, the same viewing keeps its id: the store upgrades one activity instead of adding one.
    expect(
      toCanonicalActivity(CustomActivitySchema.parse({ ...base, type: 'viewing', status: 'completed' })),
    ).toMatchObject({ type: 'viewing_completed', externalId: 'activity:act_0000007' });
    expect(
      toCanonicalActivity(CustomActivitySchema.parse({ ...base, type: 'valuation', status: 'booked' }))?.type,
    ).toBe('valuation_booked');
    expect(
      toCanonicalActivity(
        CustomActivitySchema.parse({ ...base, type: 'offer', status: 'submitted', amount: 300_000 }),
      ),
    ).toMatchObject({
      type: 'offer_submitted',
      details: { amount: 300_000 },
    });
    expect(
      toCanonicalActivity(CustomActivitySchema.parse({ ...base, type: 'offer', status: 'accepted' }))?.type,
    ).toBe('offer_progressed');
  });

  it('withdraws a cancelled, no-show, rejected or withdrawn record under its id', () => {
    for (const [type, status, stage] of [
      ['viewing', 'cancelled', 'viewing_booked'],
      ['viewing', 'no_show', 'viewing_booked'],
      ['valuation', 'cancelled', 'valuation_booked'],
      ['offer', 'withdrawn', 'offer_submitted'],
      ['offer', 'rejected', 'offer_submitted'],
    ]) {
      expect(toCanonicalActivity(CustomActivitySchema.parse({ ...base, type, status }))).toMatchObject({
        type: stage,
        externalId: `activity:${base.id}`,
        withdrawn: true,
      });
    }
    expect(
      toCanonicalActivity(CustomActivitySchema.parse({ ...base, type: 'viewing', status: 'booked' })),
    ).not.toHaveProperty('withdrawn');
  });

  it("ignores Propsync's own write-back", () => {
    expect(
      toCanonicalActivity(
        CustomActivitySchema.parse({ ...base, type: 'email', status: null, source: 'api' }),
      ),
    ).toBeNull();
  });
});
