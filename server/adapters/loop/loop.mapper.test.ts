import { describe, expect, it } from 'vitest';
import { CanonicalActivitySchema } from '../../../shared/activity.ts';
import { CanonicalContactSchema } from '../../../shared/contact.ts';
import { createLoopSimulator } from '../../../simulators/loop/loop-simulator.ts';
import { canonicalEmailOf, landlineE164Of, mobileE164Of } from '../../../simulators/toolkit/uk-people.ts';
import {
  appointmentToActivity,
  describeInterest,
  offerToActivity,
  toCanonicalContact,
  toCustomFields,
  toLoopPatch,
  toProfile,
} from './loop.mapper.ts';
import {
  LoopAppointmentSchema,
  LoopContactSchema,
  LoopOfferSchema,
  type LoopContact,
} from './loop.schemas.ts';

function contact(overrides: Partial<LoopContact> = {}): LoopContact {
  return LoopContactSchema.parse({
    id: '11685471-17ad-45fe-80cc-17da9e9acb14',
    createdAt: '2019-01-01T00:00:00.000Z',
    updatedAt: '2025-03-04T10:20:30.400Z',
    title: 'Mrs',
    firstName: 'Rachel',
    lastName: 'Iqbal',
    emailAddresses: [{ address: 'rachel@example.com', isPrimary: true }],
    phoneNumbers: [{ number: '07700 900944', type: 'mobile', isPrimary: true }],
    address: null,
    contactTypes: [],
    applicantProfiles: [],
    tenancy: null,
    marketingConsent: { status: 'notAsked' },
    archived: false,
    ...overrides,
  });
}

describe('Loop mapper: normalisation', () => {
  it('normalises emails and phones, primary first, dropping what is not an email or a phone', () => {
    const mapped = toCanonicalContact(
      contact({
        emailAddresses: [
          { address: 'work@EXAMPLE.co.uk', isPrimary: false },
          { address: '  Rachel.Iqbal@Example.COM ', isPrimary: true },
          { address: 'rachel.iqbal@example.com', isPrimary: false },
          { address: 'not an email', isPrimary: false },
        ],
        phoneNumbers: [
          { number: '(01632) 960 965', type: 'home', isPrimary: false },
          { number: '+44 (0)7700 900944', type: 'mobile', isPrimary: true },
          { number: '07700900944', type: 'work', isPrimary: false },
          { number: 'ask reception', type: 'other', isPrimary: false },
        ],
      }),
    );
    expect(mapped.emails).toEqual(['rachel.iqbal@example.com', 'work@example.co.uk']);
    expect(mapped.phones).toEqual(['+447700900944', '+441632960965']);
  });

  it('maps names, address, consent, archive state and provenance (no etag: Loop has none)', () => {
    const mapped = toCanonicalContact(
      contact({
        title: ' ',
        address: {
          line1: 'Waterside House',
          line2: '4 Newton Lane',
          line3: '',
          town: 'Exeter',
          postcode: 'ex17ta',
          countryCode: 'GB',
        },
        marketingConsent: { status: 'optedOut' },
        archived: true,
        updatedAt: '2025-03-04T11:20:30.4+01:00',
      }),
    );
    expect(mapped).toMatchObject({
      title: null,
      firstName: 'Rachel',
      address: {
        lines: ['Waterside House', '4 Newton Lane'],
        town: 'Exeter',
        postcode: 'EX1 7TA',
        countryCode: 'GB',
        uprn: null,
        udprn: null,
      },
      marketingConsent: 'denied',
      active: false,
      provenance: {
        provider: 'loop',
        externalId: '11685471-17ad-45fe-80cc-17da9e9acb14',
        modifiedAt: '2025-03-04T10:20:30.400Z',
        etag: null,
      },
    });
    expect(toCanonicalContact(contact({ marketingConsent: { status: 'optedIn' } })).marketingConsent).toBe(
      'granted',
    );
    expect(toCanonicalContact(contact({ marketingConsent: null })).marketingConsent).toBe('not_asked');
  });

  it("maps every seeded contact to a valid canonical contact holding the person's canonical email and mobile", () => {
    const simulator = createLoopSimulator({ contactCount: 400, archivedRate: 0.05 });
    const people = simulator.people();
    simulator.contactIds().forEach((id, i) => {
      const mapped = toCanonicalContact(LoopContactSchema.parse(simulator.getContact(id)));
      expect(() => CanonicalContactSchema.parse(mapped)).not.toThrow();
      const person = people[i]!;
      expect(mapped.emails[0]).toBe(canonicalEmailOf(person));
      expect(mapped.phones[0]).toBe(mobileE164Of(person));
      const landline = landlineE164Of(person);
      if (landline !== null) expect(mapped.phones).toContain(landline);
    });
  });
});

describe('Loop mapper: property facts and nurture category', () => {
  const buying = {
    intent: 'buy',
    status: 'active',
    minBedrooms: 2,
    maxBudget: 450_000,
    propertyTypes: ['flat', 'semiDetached'],
    areas: ['Clapham', 'Battersea'],
  };
  const renting = {
    intent: 'rent',
    status: 'active',
    minBedrooms: 1,
    maxBudget: 1_450,
    propertyTypes: ['flat'],
    areas: ['Leeds'],
  };

  it.each([
    ['a landlord', { contactTypes: ['landlord', 'tenant'] }, 'Landlord'],
    ['a vendor', { contactTypes: ['vendor', 'applicant'], applicantProfiles: [buying] }, 'Seller'],
    ['a current tenant', { contactTypes: ['tenant'], tenancy: { status: 'current' } }, 'Active Tenant'],
    ['a contact typed tenant without tenancy details', { contactTypes: ['tenant'] }, 'Active Tenant'],
    ['a buyer', { contactTypes: ['applicant'], applicantProfiles: [buying] }, 'Buyer'],
    [
      'a renter with an ended tenancy',
      { contactTypes: ['applicant'], applicantProfiles: [renting], tenancy: { status: 'ended' } },
      'Tenant',
    ],
    ['an applicant without requirements', { contactTypes: ['applicant'] }, 'Applicant'],
    ['a contact with no roles', {}, 'Unknown'],
  ] as const)('suggests the category of %s', (_name, overrides, category) => {
    expect(toCanonicalContact(contact(overrides as Partial<LoopContact>)).nurtureCategory).toBe(category);
  });

  it('keeps applicant type, tenancy status and a readable property interest; active buying wins', () => {
    const profile = toProfile(
      contact({
        contactTypes: ['applicant', 'tenant'],
        applicantProfiles: [renting, { ...buying, status: 'onHold' }],
        tenancy: { status: 'pending' },
      }),
    );
    expect(profile).toEqual({
      applicantType: 'tenant',
      tenancyStatus: 'prospective',
      propertyInterest:
        'Renting: 1+ bed flat in Leeds, up to £1,450 pcm; Buying: 2+ bed flat or semi-detached in Clapham, Battersea, up to £450,000 (on hold)',
      isVendor: false,
      isLandlord: false,
    });
    expect(toProfile(contact({ applicantProfiles: [renting, buying] })).applicantType).toBe('buyer');
    expect(describeInterest({ intent: 'buy' })).toBe('Buying: property');
  });
});

describe('Loop mapper: writing back', () => {
  it('round-trips canonical fields through a Loop write and back', () => {
    const simulator = createLoopSimulator({ contactCount: 5 });
    const fields = {
      title: 'Dr',
      firstName: 'Ada',
      lastName: 'Lovelace',
      emails: ['ada@example.com', 'a.lovelace@example.org'],
      phones: ['+447700900123', '+441632960001'],
      marketingConsent: 'granted' as const,
    };
    const id = simulator.controls.createContact(toLoopPatch(fields));
    const mapped = toCanonicalContact(LoopContactSchema.parse(simulator.getContact(id)));
    expect(mapped).toMatchObject(fields);

    const [existing] = simulator.contactIds();
    simulator.controls.modifyContacts({
      ids: [existing!],
      fields: toLoopPatch({ title: 'Prof', marketingConsent: 'denied' }),
    });
    expect(toCanonicalContact(LoopContactSchema.parse(simulator.getContact(existing!)))).toMatchObject({
      title: 'Prof',
      marketingConsent: 'denied',
    });
  });

  it('keeps the stored spelling and type of numbers and emails that survive a change', () => {
    const current = contact({
      emailAddresses: [{ address: ' Rachel@Example.com', isPrimary: true }],
      phoneNumbers: [
        { number: '07700 900944', type: 'mobile', isPrimary: true },
        { number: '(01632) 960 965', type: 'home', isPrimary: false },
      ],
    });
    expect(
      toLoopPatch(
        { emails: ['new@example.com', 'rachel@example.com'], phones: ['+441632960965', '+442079460000'] },
        current,
      ),
    ).toEqual({
      emailAddresses: [
        { address: 'new@example.com', isPrimary: true },
        { address: ' Rachel@Example.com', isPrimary: false },
      ],
      phoneNumbers: [
        { number: '(01632) 960 965', type: 'home', isPrimary: true },
        { number: '+442079460000', type: 'other', isPrimary: false },
      ],
    });
    expect(toLoopPatch({ phones: ['+447700900555'] })).toEqual({
      phoneNumbers: [{ number: '+447700900555', type: 'mobile', isPrimary: true }],
    });
    expect(toLoopPatch({})).toEqual({});
  });

  it('turns metadata into custom fields Loop accepts', () => {
    expect(
      toCustomFields({
        propsyncHotLead: true,
        'propsync.score': 87,
        '1st': 'x',
        tags: ['a'],
        gone: null,
        skipped: undefined,
      }),
    ).toEqual({
      propsyncHotLead: true,
      propsync_score: 87,
      x1st: 'x',
      tags: '["a"]',
      gone: null,
    });
  });
});

describe('Loop mapper: activities', () => {
  const appointment = {
    id: 'a1',
    type: 'viewing',
    status: 'booked',
    startsAt: '2025-05-01T10:00:00.000Z',
    endsAt: '2025-05-01T10:30:00.000Z',
    contactId: 'c1',
    property: { id: 'p1', displayAddress: '4 High Street, Leeds, LS1 1AA' },
    updatedAt: '2025-04-20T09:00:00.000Z',
  };

  it('turns viewings and valuations into one engagement signal each at its stage, withdrawn once cancelled or no-show', () => {
    const booked = appointmentToActivity(LoopAppointmentSchema.parse(appointment));
    expect(booked).toEqual({
      type: 'viewing_booked',
      occurredAt: '2025-04-20T09:00:00.000Z',
      source: 'loop',
      externalId: 'appointment:a1',
      contactExternalId: 'c1',
      details: {
        appointmentType: 'viewing',
        status: 'booked',
        startsAt: '2025-05-01T10:00:00.000Z',
        endsAt: '2025-05-01T10:30:00.000Z',
        propertyId: 'p1',
        propertyAddress: '4 High Street, Leeds, LS1 1AA',
      },
    });
    expect(() => CanonicalActivitySchema.parse(booked)).not.toThrow();
    // Completing the viewing upgrades the same activity: same id, the stage it reached.
    expect(
      appointmentToActivity(LoopAppointmentSchema.parse({ ...appointment, status: 'completed' })),
    ).toMatchObject({ type: 'viewing_completed', externalId: 'appointment:a1' });
    expect(
      appointmentToActivity(
        LoopAppointmentSchema.parse({ ...appointment, type: 'valuation', status: 'completed' }),
      )?.type,
    ).toBe('valuation_booked');
    expect(booked).not.toHaveProperty('withdrawn');
    for (const status of ['cancelled', 'noShow'])
      expect(appointmentToActivity(LoopAppointmentSchema.parse({ ...appointment, status }))).toMatchObject({
        type: 'viewing_booked',
        externalId: 'appointment:a1',
        withdrawn: true,
      });
    expect(
      appointmentToActivity(
        LoopAppointmentSchema.parse({ ...appointment, type: 'valuation', status: 'cancelled' }),
      ),
    ).toMatchObject({ type: 'valuation_booked', externalId: 'appointment:a1', withdrawn: true });
    expect(
      appointmentToActivity(
        LoopAppointmentSchema.parse({ ...appointment, type: 'inspection', status: 'cancelled' }),
      ),
    ).toBeNull();
  });

  it('turns offers into offer_submitted, then offer_progressed under the same id', () => {
    const offer = {
      id: 'o1',
      type: 'sale',
      status: 'submitted',
      amount: 410_000,
      submittedAt: '2025-04-01T12:00:00.000Z',
      contactId: 'c1',
      updatedAt: '2025-04-02T12:00:00.000Z',
    };
    const submitted = offerToActivity(LoopOfferSchema.parse(offer));
    expect(submitted).toMatchObject({
      type: 'offer_submitted',
      occurredAt: '2025-04-01T12:00:00.000Z',
      externalId: 'offer:o1',
      details: { amount: 410_000 },
    });
    const accepted = offerToActivity(LoopOfferSchema.parse({ ...offer, status: 'accepted' }));
    expect(accepted).toMatchObject({
      type: 'offer_progressed',
      occurredAt: '2025-04-02T12:00:00.000Z',
      externalId: 'offer:o1',
    });
    for (const status of ['withdrawn', 'rejected'])
      expect(offerToActivity(LoopOfferSchema.parse({ ...offer, status }))).toMatchObject({
        type: 'offer_submitted',
        externalId: 'offer:o1',
        withdrawn: true,
      });
  });
});
