import { describe, expect, it } from 'vitest';
import { CanonicalContactSchema } from '../../../shared/contact.ts';
import { createAgentosSimulator } from '../../../simulators/agentos/agentos-simulator.ts';
import {
  appointmentToActivity,
  mapActivity,
  offerToActivity,
  parseExternalId,
  toAgentosPatch,
  toCanonicalContact,
  toExternalId,
  toProfile,
} from './agentos.mapper.ts';
import {
  AgentosContactSchema,
  parseAgentosTime,
  type AgentosContact,
  type AgentosContactType,
} from './agentos.schemas.ts';

const OID = '6F1C2A9E-3B4D-4A1F-8C2E-00000000002A';

function contact(overrides: Partial<AgentosContact> = {}): AgentosContact {
  return AgentosContactSchema.parse({
    OID,
    ETag: 'AAAAAAAPQkE=',
    ContactType: 'Vendor',
    Title: ' Mrs ',
    Forename: 'Aoife',
    Surname: "O'Brien",
    EmailAddress: '  Aoife.OBrien12@Example.CO.UK ',
    MobilePhone: '07700 900123',
    HomePhone: '+44 (0)20 7946 0321',
    WorkPhone: '',
    Address: {
      Number: '12',
      Name: 'Flat 2',
      Street: 'Acacia Avenue',
      Locality: 'Clapham',
      Town: 'London',
      County: 'Greater London',
      Postcode: 'sw41aa',
      Country: 'United Kingdom',
    },
    SaleStatus: 'For Sale',
    ThirdPartyMarketingConsent: true,
    IsArchived: false,
    CreatedDate: '2024-02-01T10:00:00.000Z',
    ModifiedDate: '2026-03-01T09:15:30.250Z',
    ...overrides,
  });
}

describe('agentOS mapper: normalisation', () => {
  it('trims and lower-cases emails, writes phones in E.164, and builds a UK address', () => {
    const canonical = toCanonicalContact(contact(), 'Vendor');
    expect(() => CanonicalContactSchema.parse(canonical)).not.toThrow();
    expect(canonical).toMatchObject({
      title: 'Mrs',
      firstName: 'Aoife',
      lastName: "O'Brien",
      emails: ['aoife.obrien12@example.co.uk'],
      phones: ['+447700900123', '+442079460321'],
      address: {
        lines: ['Flat 2', '12 Acacia Avenue', 'Clapham'],
        town: 'London',
        postcode: 'SW4 1AA',
        countryCode: 'GB',
        uprn: null,
        udprn: null,
      },
      marketingConsent: 'granted',
      active: true,
      provenance: {
        provider: 'agentos',
        externalId: `Vendor:${OID}`,
        modifiedAt: '2026-03-01T09:15:30.250Z',
        etag: 'AAAAAAAPQkE=',
      },
    });
  });

  it('drops unusable values, de-duplicates phones, and reads naive times as UTC', () => {
    const canonical = toCanonicalContact(
      contact({
        EmailAddress: 'not an email',
        MobilePhone: '+44 7700 900123',
        HomePhone: '07700900123',
        WorkPhone: '12345',
        ModifiedDate: '2026-03-01T09:15:30',
        IsArchived: true,
        ThirdPartyMarketingConsent: null,
      }),
      'Vendor',
    );
    expect(canonical.emails).toEqual([]);
    expect(canonical.phones).toEqual(['+447700900123']);
    expect(canonical.provenance.modifiedAt).toBe('2026-03-01T09:15:30.000Z');
    expect(canonical.active).toBe(false);
    expect(canonical.marketingConsent).toBe('not_asked');
    expect(toCanonicalContact(contact({ Address: null }), 'Vendor').address).toBeNull();
    expect(parseAgentosTime('yesterday')).toBeNaN();
  });

  it('maps every record the simulator serves to a valid canonical contact, most with an email and a phone', () => {
    const simulator = createAgentosSimulator({ contactCount: 200, rateLimits: false });
    const contacts = simulator.contactIds().map((id) => {
      const { type } = parseExternalId(id)!;
      return toCanonicalContact(AgentosContactSchema.parse(simulator.getContact(id)), type);
    });
    for (const canonical of contacts) expect(() => CanonicalContactSchema.parse(canonical)).not.toThrow();
    expect(contacts.filter((canonical) => canonical.emails.length > 0).length).toBe(contacts.length);
    expect(contacts.filter((canonical) => canonical.phones.length > 0).length).toBe(contacts.length);
    expect(new Set(contacts.map((canonical) => canonical.nurtureCategory))).toEqual(
      new Set(['Seller', 'Landlord', 'Active Tenant', 'Buyer', 'Tenant']),
    );
    void simulator.close();
  });
});

describe('agentOS mapper: property facts and nurture category', () => {
  const cases: Array<[AgentosContactType, Partial<AgentosContact>, string, Record<string, unknown>]> = [
    [
      'Vendor',
      { SaleStatus: 'Under Offer' },
      'Seller',
      { isVendor: true, propertyInterest: 'Selling (Under Offer)' },
    ],
    [
      'Landlord',
      { PropertyCount: 3 },
      'Landlord',
      { isLandlord: true, propertyInterest: 'Letting 3 properties' },
    ],
    [
      'Tenant',
      { TenancyStatus: 'Current' },
      'Active Tenant',
      { tenancyStatus: 'active', applicantType: null },
    ],
    [
      'Tenant',
      { TenancyStatus: 'Prospective' },
      'Tenant',
      { tenancyStatus: 'prospective', applicantType: 'tenant' },
    ],
    ['Tenant', { TenancyStatus: 'Former' }, 'Unknown', { tenancyStatus: 'former', applicantType: null }],
    [
      'SalesApplicant',
      {
        Requirements: { MinBedrooms: 3, MaxPrice: 450_000, Areas: ['Clapham'], BuyingPosition: 'Chain free' },
      },
      'Buyer',
      {
        applicantType: 'buyer',
        propertyInterest: 'To buy: 3+ bedrooms in Clapham up to £450,000 (Chain free)',
      },
    ],
    [
      'LettingsApplicant',
      { Requirements: { MinBedrooms: 0, MaxRentPcm: 1850, Areas: ['Leeds'] } },
      'Tenant',
      { applicantType: 'tenant', propertyInterest: 'To rent: in Leeds up to £1,850 pcm' },
    ],
  ];

  it.each(cases)('%s %o → %s', (type, fields, category, profile) => {
    const record = contact({ SaleStatus: null, ...fields });
    expect(toProfile(record, type)).toMatchObject(profile);
    const canonical = toCanonicalContact(record, type);
    expect(canonical.nurtureCategory).toBe(category);
    expect(canonical.profile).toMatchObject(profile);
    expect(canonical.provenance.externalId).toBe(`${type}:${OID}`);
  });
});

describe('agentOS mapper: writing back', () => {
  it('round-trips canonical fields through a PATCH body', () => {
    const original = toCanonicalContact(contact(), 'Vendor');
    const patch = toAgentosPatch({
      title: 'Dr',
      firstName: 'Aoife',
      lastName: 'Byrne',
      emails: ['aoife.byrne@example.com'],
      phones: ['+447700900999'],
      marketingConsent: 'denied',
    });
    expect(patch).toEqual({
      Title: 'Dr',
      Forename: 'Aoife',
      Surname: 'Byrne',
      EmailAddress: 'aoife.byrne@example.com',
      MobilePhone: '+447700900999',
      ThirdPartyMarketingConsent: false,
    });
    const updated = toCanonicalContact(contact(patch as Partial<AgentosContact>), 'Vendor');
    expect(updated).toMatchObject({
      title: 'Dr',
      lastName: 'Byrne',
      emails: ['aoife.byrne@example.com'],
      marketingConsent: 'denied',
    });
    expect(updated.phones[0]).toBe('+447700900999');
    expect(updated.address).toEqual(original.address);
  });

  it("reads and writes the primary phone in the field the admin chose (the mapping review's alternatives)", () => {
    expect(toCanonicalContact(contact(), 'Vendor').phones).toEqual(['+447700900123', '+442079460321']);
    expect(toCanonicalContact(contact(), 'Vendor', 'HomePhone').phones).toEqual([
      '+442079460321',
      '+447700900123',
    ]);
    expect(toAgentosPatch({ phones: ['+442079460999'] }, 'HomePhone')).toEqual({
      HomePhone: '+442079460999',
    });
  });

  it('sends only the fields given, and never clears the required surname', () => {
    expect(toAgentosPatch({ title: null })).toEqual({ Title: null });
    expect(toAgentosPatch({ lastName: null, emails: [] })).toEqual({ EmailAddress: null });
    expect(toAgentosPatch({ marketingConsent: 'not_asked' })).toEqual({ ThirdPartyMarketingConsent: null });
  });

  it('builds and parses external ids, refusing anything that is not <ContactType>:<OID>', () => {
    expect(parseExternalId(toExternalId('LettingsApplicant', OID))).toEqual({
      type: 'LettingsApplicant',
      oid: OID,
    });
    expect(parseExternalId(OID)).toBeNull();
    expect(parseExternalId(`Branch:${OID}`)).toBeNull();
    expect(parseExternalId('Tenant:')).toBeNull();
  });
});

describe('agentOS mapper: activities as engagement signals', () => {
  const attendee = { ContactType: 'SalesApplicant', OID, Name: 'Mr Sam Hart' };
  const base = {
    OID: 'APPT-1',
    StartDateTime: '2026-04-02T10:00:00Z',
    ModifiedDate: '2026-03-30T08:00:00Z',
    Attendees: [attendee],
  };

  it('turns an appointment into one signal at the stage it reached, under one id whatever the stage', () => {
    const booked = appointmentToActivity({ ...base, SystemType: 'Viewing', Status: 'Booked' });
    expect(booked).toEqual(
      expect.objectContaining({
        type: 'viewing_booked',
        source: 'agentos',
        contactExternalId: `SalesApplicant:${OID}`,
        externalId: 'appointment:APPT-1',
        occurredAt: '2026-04-02T10:00:00.000Z',
      }),
    );
    const completed = appointmentToActivity({ ...base, SystemType: 'Viewing', Status: 'Completed' });
    expect(completed).toMatchObject({ type: 'viewing_completed', externalId: booked!.externalId });
    expect(appointmentToActivity({ ...base, SystemType: 'SalesAppraisal', Status: 'Booked' })?.type).toBe(
      'valuation_booked',
    );
    expect(appointmentToActivity({ ...base, SystemType: 'ViewAndValue', Status: 'Booked' })?.type).toBe(
      'valuation_booked',
    );
  });

  it('withdraws a cancelled or no-show appointment under its id', () => {
    const booked = appointmentToActivity({ ...base, SystemType: 'Viewing', Status: 'Booked' });
    expect(booked).not.toHaveProperty('withdrawn');
    expect(appointmentToActivity({ ...base, SystemType: 'Viewing', Status: 'Cancelled' })).toMatchObject({
      type: 'viewing_booked',
      externalId: booked!.externalId,
      withdrawn: true,
    });
    expect(appointmentToActivity({ ...base, SystemType: 'Viewing', Status: 'NoShow' })).toMatchObject({
      externalId: booked!.externalId,
      withdrawn: true,
    });
    expect(
      appointmentToActivity({ ...base, SystemType: 'SalesAppraisal', Status: 'Cancelled' }),
    ).toMatchObject({
      type: 'valuation_booked',
      withdrawn: true,
    });
    // An inspection was never a signal: cancelling it withdraws nothing.
    expect(
      appointmentToActivity({ ...base, SystemType: 'InterimInspection', Status: 'Cancelled' }),
    ).toBeNull();
  });

  it('skips inspections and appointments with no contact', () => {
    expect(appointmentToActivity({ ...base, SystemType: 'InterimInspection', Status: 'Booked' })).toBeNull();
    expect(
      appointmentToActivity({
        ...base,
        SystemType: 'Viewing',
        Attendees: [{ ContactType: 'Staff', OID: 'S-1' }],
      }),
    ).toBeNull();
  });

  it('attributes an appointment with several attendees to the one it is about', () => {
    const landlord = { ContactType: 'Landlord', OID: 'L-1' };
    const vendor = { ContactType: 'Vendor', OID: 'V-1' };
    expect(
      appointmentToActivity({ ...base, SystemType: 'Viewing', Attendees: [vendor, attendee] })
        ?.contactExternalId,
    ).toBe(`SalesApplicant:${OID}`);
    expect(
      appointmentToActivity({ ...base, SystemType: 'SalesAppraisal', Attendees: [landlord, vendor] })
        ?.contactExternalId,
    ).toBe('Vendor:V-1');
    // Nobody on a fitting list: the first contact.
    expect(
      appointmentToActivity({ ...base, SystemType: 'Viewing', Attendees: [landlord, vendor] })
        ?.contactExternalId,
    ).toBe('Landlord:L-1');
  });

  it('turns an offer into submitted or progressed under one id whatever its status', () => {
    const offer = {
      OID: 'OFFER-1',
      Applicant: attendee,
      Amount: 410_000,
      DateOffered: '2026-03-10',
      ModifiedDate: '2026-03-12T12:00:00Z',
    };
    expect(offerToActivity({ ...offer, Status: 'Submitted' })).toMatchObject({
      type: 'offer_submitted',
      externalId: 'offer:OFFER-1',
      occurredAt: '2026-03-10T00:00:00.000Z',
    });
    expect(offerToActivity({ ...offer, Status: 'Accepted' })).toMatchObject({
      type: 'offer_progressed',
      externalId: 'offer:OFFER-1',
      occurredAt: '2026-03-12T12:00:00.000Z',
    });
    for (const Status of ['Withdrawn', 'Rejected'])
      expect(offerToActivity({ ...offer, Status })).toMatchObject({
        type: 'offer_submitted',
        externalId: 'offer:OFFER-1',
        withdrawn: true,
      });
  });

  it('dates an offer whose DateOffered is not a date by its last change, instead of throwing on the whole page', () => {
    for (const DateOffered of ['31/12/2025', 'yesterday', ' ']) {
      const raw = {
        OID: 'OFFER-3',
        Applicant: attendee,
        Status: 'Submitted',
        DateOffered,
        ModifiedDate: '2026-03-12T12:00:00Z',
      };
      expect(mapActivity('offer', raw), DateOffered).toMatchObject({
        ok: true,
        activity: {
          type: 'offer_submitted',
          externalId: 'offer:OFFER-3',
          occurredAt: '2026-03-12T12:00:00.000Z',
        },
      });
    }
  });

  it('reads raw records: no signal is not an error, an unreadable record is one with a reason', () => {
    expect(mapActivity('appointment', { ...base, SystemType: 'Viewing', Status: 'Booked' })).toMatchObject({
      ok: true,
      activity: { externalId: 'appointment:APPT-1' },
    });
    expect(
      mapActivity('appointment', { ...base, SystemType: 'InterimInspection', Status: 'Booked' }),
    ).toEqual({
      ok: true,
      activity: null,
    });
    expect(mapActivity('appointment', { ...base, SystemType: 'Viewing', Status: 'Cancelled' })).toMatchObject(
      {
        ok: true,
        activity: { externalId: 'appointment:APPT-1', withdrawn: true },
      },
    );
    expect(mapActivity('offer', { OID: 'OFFER-2', Status: 'Submitted', ModifiedDate: 'yesterday' })).toEqual({
      ok: false,
      reason: expect.stringContaining('agentOS offer did not match the expected shape'),
    });
  });
});
