import { describe, expect, it } from 'vitest';
import { CanonicalContactSchema } from '../../../shared/contact.ts';
import {
  describeInterest,
  toAddress,
  toAppointmentActivity,
  toCanonicalContact,
  toOfferActivity,
  toPersonPatch,
  toPreferencesRequest,
  type AltoContactRecord,
} from './alto.mapper.ts';
import {
  AltoAppointmentSchema,
  AltoContactListItemSchema,
  AltoContactSchema,
  AltoOfferSchema,
  type AltoPerson,
} from './alto.schemas.ts';

function listItem(overrides: Record<string, unknown> = {}) {
  return AltoContactListItemSchema.parse({
    id: '20000042',
    contactType: { category: 'Client', persona: [] },
    contactInformation: [
      {
        title: 'Mrs',
        foreName: 'Ada',
        surname: 'Lovelace',
        phoneNumber: '07700 900123',
        emailAddress: ' ADA@Example.COM ',
      },
    ],
    isActive: true,
    potentialVendor: false,
    potentialLandlord: false,
    createdAt: '2019-03-01T10:00:00.0000000+00:00',
    modifiedAt: '2025-06-01T09:30:15.1230000+00:00',
    applicantRequirements: [],
    ...overrides,
  });
}

function fullContact(overrides: Record<string, unknown> = {}) {
  return AltoContactSchema.parse({
    id: '20000042',
    address: {
      subDwelling: 'Flat 3',
      nameNumber: 'Rose Court, 12',
      street: 'High Street',
      locality: 'Battersea',
      town: 'London',
      county: 'Greater London',
      postcode: 'sw111aa',
      countryCode: 'gb',
      uprn: '100023336956',
    },
    people: [
      {
        id: '1',
        title: 'Mrs',
        forename: 'Ada',
        surname: 'Lovelace',
        phoneNumbers: [
          { preferenceOrder: 2, type: 'Home', number: '(020) 7946 0123', description: 'Evenings' },
          { preferenceOrder: 1, type: 'Mobile', number: '+44 (0)7700 900123' },
        ],
        emailAddresses: [{ preferenceOrder: 1, type: 'Personal', address: 'Ada@Example.com ' }],
      },
      {
        id: '2',
        title: 'Mr',
        forename: 'William',
        surname: 'Lovelace',
        phoneNumbers: [],
        emailAddresses: [{ preferenceOrder: 1, address: 'w@example.com' }],
      },
    ],
    category: 'Client',
    archived: false,
    potentialVendor: false,
    potentialLandlord: false,
    applicantRequirements: [],
    modifiedDate: '2025-06-01T09:30:15.1230000+00:00',
    ...overrides,
  });
}

function record(
  list: Record<string, unknown> = {},
  contact: Record<string, unknown> | null = {},
): AltoContactRecord {
  return {
    listItem: listItem(list),
    contact: contact === null ? null : fullContact(contact),
    preferences: null,
  };
}

describe('Alto mapper: normalisation', () => {
  it('maps the lead person, E.164 phones in preference order, trimmed lower-case emails and the address', () => {
    const contact = toCanonicalContact(record());
    expect(() => CanonicalContactSchema.parse(contact)).not.toThrow();
    expect(contact).toMatchObject({
      title: 'Mrs',
      firstName: 'Ada',
      lastName: 'Lovelace',
      emails: ['ada@example.com'],
      phones: ['+447700900123', '+442079460123'],
      active: true,
      marketingConsent: 'not_asked',
      provenance: {
        provider: 'alto',
        externalId: '20000042',
        modifiedAt: '2025-06-01T09:30:15.123Z',
        etag: null,
      },
    });
    // The partner on the same record is another person: not merged into the lead's identity.
    expect(contact.emails).not.toContain('w@example.com');
    expect(contact.address).toEqual({
      lines: ['Flat 3', 'Rose Court', '12 High Street', 'Battersea'],
      town: 'London',
      postcode: 'SW11 1AA',
      countryCode: 'GB',
      uprn: '100023336956',
      udprn: null,
    });
  });

  it('falls back to the list item when the full contact could not be fetched', () => {
    const contact = toCanonicalContact(record({}, null));
    expect(contact).toMatchObject({
      firstName: 'Ada',
      emails: ['ada@example.com'],
      phones: ['+447700900123'],
      address: null,
    });
  });

  it('marks archived or inactive contacts inactive and takes the later modification time', () => {
    expect(toCanonicalContact(record({ isActive: false })).active).toBe(false);
    expect(toCanonicalContact(record({}, { archived: true })).active).toBe(false);
    const newer = toCanonicalContact(record({}, { modifiedDate: '2025-06-02T00:00:00.0000000+00:00' }));
    expect(newer.provenance.modifiedAt).toBe('2025-06-02T00:00:00.000Z');
    expect(() => toCanonicalContact(record({ modifiedAt: 'not a date' }, null))).toThrow(/modification time/);
  });

  it('reads general-marketing consent from the preferences when they were read', () => {
    const withConsent = (optInStatus: string) =>
      toCanonicalContact({
        ...record(),
        preferences: [
          { type: 'PropertyMatching', optInStatus: 'Granted' },
          { type: 'GeneralMarketing', optInStatus },
        ],
      });
    expect(withConsent('Denied').marketingConsent).toBe('denied');
    expect(withConsent('Granted').marketingConsent).toBe('granted');
    expect(withConsent('Unknown').marketingConsent).toBe('not_asked');
  });

  it('keeps a plain house name or number on the right line', () => {
    expect(
      toAddress({ nameNumber: '7', street: 'Mill Lane', town: 'York', postcode: 'YO1 7HH' })?.lines,
    ).toEqual(['7 Mill Lane']);
    expect(
      toAddress({ nameNumber: 'The Old Forge', street: 'Mill Lane', postcode: 'yo17hh' })?.lines,
    ).toEqual(['The Old Forge', 'Mill Lane']);
    expect(toAddress({ nameNumber: ' ', street: null, postcode: null, town: null })).toBeNull();
  });
});

describe('Alto mapper: property profile and nurture category', () => {
  const category = (list: Record<string, unknown>, contact: Record<string, unknown> | null = {}) =>
    toCanonicalContact(record(list, contact));

  it('suggests Landlord, Seller, Active Tenant, Buyer and Tenant from personas, flags and requirements', () => {
    expect(category({ contactType: { persona: ['Landlord', 'Applicant'] } }).nurtureCategory).toBe(
      'Landlord',
    );
    expect(category({ contactType: { persona: ['Vendor'] } }).nurtureCategory).toBe('Seller');
    expect(category({ potentialVendor: true }).nurtureCategory).toBe('Seller');
    expect(category({}, { potentialLandlord: true }).profile.isLandlord).toBe(true);
    expect(category({ contactType: { persona: ['Tenant'] } }).profile.tenancyStatus).toBe('active');
    expect(category({ contactType: { persona: ['Tenant'] } }).nurtureCategory).toBe('Active Tenant');
    const buyer = category(
      { contactType: { persona: ['Applicant'] } },
      {
        applicantRequirements: [
          {
            id: '1',
            profileIntention: 'Buy',
            isActiveProfile: true,
            priceFrom: 250_000,
            priceTo: 350_000,
            bedsMin: 3,
          },
        ],
      },
    );
    expect(buyer.nurtureCategory).toBe('Buyer');
    expect(buyer.profile).toMatchObject({
      applicantType: 'buyer',
      propertyInterest: 'buy, 3+ beds, £250,000–£350,000',
    });
    const renter = category(
      { contactType: { persona: ['Applicant'] } },
      {
        applicantRequirements: [
          { profileIntention: 'Rent', priceTo: 1500, rentalIntention: { priceQualifier: 'Monthly' } },
        ],
      },
    );
    expect(renter.nurtureCategory).toBe('Tenant');
    expect(renter.profile.propertyInterest).toBe('rent, up to £1,500 pcm');
    expect(category({}).nurtureCategory).toBe('Unknown');
  });

  it('ignores inactive requirement profiles', () => {
    expect(describeInterest([])).toBeNull();
    const inactive = category(
      {},
      { applicantRequirements: [{ profileIntention: 'Buy', isActiveProfile: false }] },
    );
    expect(inactive.profile.applicantType).toBeNull();
  });
});

describe('Alto mapper: write-back round trip', () => {
  function applyPatch(person: AltoPerson, operations: ReturnType<typeof toPersonPatch>): AltoPerson {
    const next: Record<string, unknown> = { ...person };
    const keys: Record<string, string> = {
      '/Title': 'title',
      '/Forename': 'forename',
      '/Surname': 'surname',
      '/EmailAddresses': 'emailAddresses',
      '/PhoneNumbers': 'phoneNumbers',
    };
    for (const operation of operations) {
      const value = Array.isArray(operation.value)
        ? operation.value.map((item, i) => ({ ...item, preferenceOrder: i + 1 }))
        : operation.value;
      next[keys[operation.path]!] = value;
    }
    return next as AltoPerson;
  }

  it('patches only the fields given, keeping known numbers and emails as Alto had them', () => {
    const lead = fullContact().people![0]!;
    const operations = toPersonPatch(
      {
        title: 'Dr',
        emails: ['ada@example.com', 'ada@work.example'],
        phones: ['+447700900123', '+447700900999'],
      },
      lead,
    );
    expect(operations.map((operation) => operation.path)).toEqual([
      '/Title',
      '/EmailAddresses',
      '/PhoneNumbers',
    ]);
    expect(operations[1]!.value).toEqual([
      { address: 'Ada@Example.com ', type: 'Personal' },
      { address: 'ada@work.example', type: 'Personal' },
    ]);
    expect(operations[2]!.value).toEqual([
      { number: '+44 (0)7700 900123', type: 'Mobile', description: null },
      { number: '+447700900999', type: 'Mobile', description: null },
    ]);

    const patched = applyPatch(lead, operations);
    const back = toCanonicalContact({ ...record(), contact: fullContact({ people: [patched] }) });
    expect(back).toMatchObject({
      title: 'Dr',
      firstName: 'Ada',
      emails: ['ada@example.com', 'ada@work.example'],
      phones: ['+447700900123', '+447700900999'],
    });
  });

  it('truncates to Alto limits and writes consent only when it is known', () => {
    const lead = fullContact().people![0]!;
    const [emails] = toPersonPatch({ emails: ['a@x.example', 'b@x.example', 'c@x.example'] }, lead);
    expect(emails!.value).toHaveLength(2);
    const [phones] = toPersonPatch(
      { phones: ['+442079460001', '+442079460002', '+442079460003', '+442079460004', '+442079460005'] },
      lead,
    );
    expect(phones!.value).toHaveLength(4);
    expect((phones!.value as Array<{ type: string }>)[0]!.type).toBe('Home');
    expect(toPreferencesRequest('denied')).toEqual({
      items: [{ type: 'GeneralMarketing', optIn: 'Denied', notes: 'Updated by Propsync' }],
    });
    expect(toPreferencesRequest('not_asked')).toBeNull();
  });
});

describe('Alto mapper: activities', () => {
  const now = Date.parse('2025-06-10T12:00:00Z');
  const appointment = (overrides: Record<string, unknown>) =>
    AltoAppointmentSchema.parse({
      id: 76000001,
      type: 'Viewing',
      startDate: '2025-06-01T10:00:00',
      endDate: '2025-06-01T10:30:00',
      createdDate: '2025-05-28T09:00:00.0000000+00:00',
      modifiedDate: '2025-06-02T09:00:00.0000000+00:00',
      status: 'Active',
      isCancelled: false,
      properties: [{ id: '112010' }],
      contacts: [{ id: '20000042' }],
      ...overrides,
    });

  it('turns viewings and valuations into one signal at the stage reached, under one id', () => {
    const upcoming = { startDate: '2025-06-12T10:00:00', endDate: '2025-06-12T10:30:00' };
    expect(toAppointmentActivity(appointment(upcoming), now)).toMatchObject({
      type: 'viewing_booked',
      source: 'alto',
      externalId: 'appointment:76000001',
      contactExternalId: '20000042',
      occurredAt: '2025-05-28T09:00:00.000Z',
    });
    const withFeedback = appointment({ ...upcoming, viewingDetails: { applicantFeedback: 'Loved it' } });
    expect(toAppointmentActivity(withFeedback, now)).toMatchObject({
      type: 'viewing_completed',
      externalId: 'appointment:76000001',
      occurredAt: '2025-06-02T09:00:00.000Z',
      details: { applicantFeedback: 'Loved it' },
    });
    // Over a day past its end, a viewing has happened even without feedback.
    expect(toAppointmentActivity(appointment({}), now)?.type).toBe('viewing_completed');
    expect(toAppointmentActivity(appointment({ type: 'Valuation' }), now)?.type).toBe('valuation_booked');
    expect(toAppointmentActivity(appointment(upcoming), now)).not.toHaveProperty('withdrawn');
    // A cancellation withdraws the signal under the same id, past its end or not.
    expect(
      toAppointmentActivity(appointment({ status: 'CancelledByApplicant', isCancelled: true }), now),
    ).toMatchObject({ type: 'viewing_booked', externalId: 'appointment:76000001', withdrawn: true });
    expect(
      toAppointmentActivity(appointment({ type: 'Valuation', status: 'CancelledByOffice' }), now),
    ).toMatchObject({ type: 'valuation_booked', externalId: 'appointment:76000001', withdrawn: true });
    expect(toAppointmentActivity(appointment({ type: 'General' }), now)).toBeNull();
    expect(toAppointmentActivity(appointment({ type: 'General', isCancelled: true }), now)).toBeNull();
    expect(toAppointmentActivity(appointment({ contacts: [] }), now)).toBeNull();
  });

  it('turns offers into submitted, then progressed once accepted, and ended offers into withdrawals', () => {
    const offer = (status: string) =>
      AltoOfferSchema.parse({
        id: '5400001',
        insertDate: '2025-06-01T10:00:00.0000000+00:00',
        modifiedDate: '2025-06-03T10:00:00.0000000+00:00',
        offerAmount: 325000,
        currencyCode: 'GBP',
        status,
        contactsJson: JSON.stringify([
          { contactId: '20000007', isMainApplicant: false },
          { contactId: '20000042', isMainApplicant: true },
        ]),
      });
    expect(toOfferActivity(offer('Received'), [], now)).toMatchObject({
      type: 'offer_submitted',
      externalId: 'offer:5400001',
      contactExternalId: '20000042',
      occurredAt: '2025-06-01T10:00:00.000Z',
      details: { amount: 325000, status: 'Received' },
    });
    expect(toOfferActivity(offer('Accepted'), [], now)).toMatchObject({
      type: 'offer_progressed',
      externalId: 'offer:5400001',
      occurredAt: '2025-06-03T10:00:00.000Z',
    });
    for (const status of ['Withdrawn', 'Rejected'])
      expect(toOfferActivity(offer(status), [], now)).toMatchObject({
        type: 'offer_submitted',
        externalId: 'offer:5400001',
        withdrawn: true,
      });
    const unnamed = { ...offer('Revised'), contactsJson: 'not json' };
    expect(toOfferActivity(unnamed, ['20000099'], now)).toMatchObject({
      type: 'offer_submitted',
      contactExternalId: '20000099',
    });
  });
});
