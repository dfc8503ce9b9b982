import { createHash } from 'node:crypto';
import { personOf, type GeneratedRecord } from '../toolkit/model-generated.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { asciiSlug, toE164 } from '../toolkit/uk-contact-format.ts';
import type { UkPerson } from '../toolkit/uk-people.ts';
import { FEMALE_FORENAMES, MALE_FORENAMES } from '../toolkit/uk-reference-data.ts';
import {
  ALTO_CONTACT_ID_BASE,
  type AltoCategory,
  type AltoEmailType,
  type AltoOptInStatus,
  type AltoPersona,
  type AltoPhoneType,
  type AltoPreferenceType,
} from './alto-constants.ts';

export type JsonObject = Record<string, unknown>;

interface AltoPhone {
  preferenceOrder: number;
  type: AltoPhoneType;
  number: string;
  description: string | null;
}

interface AltoEmail {
  preferenceOrder: number;
  type: AltoEmailType;
  address: string;
}

/** A person on a contact (Alto allows one or two: a couple buying together is one contact). */
export interface AltoPersonFields {
  /** The person's id within its contact: "1", then "2". */
  id: string;
  title: string | null;
  forename: string | null;
  surname: string | null;
  phoneNumbers: AltoPhone[];
  emailAddresses: AltoEmail[];
}

export interface AltoAddress {
  subDwelling: string | null;
  nameNumber: string | null;
  street: string | null;
  locality: string | null;
  town: string | null;
  county: string | null;
  postcode: string | null;
  countryCode: string | null;
  uprn: string | null;
}

interface AltoRequirement {
  id: string;
  profileIntention: 'Buy' | 'Rent';
  isNewBuild: boolean | null;
  priceFrom: number | null;
  priceTo: number | null;
  bedsMin: number | null;
  isActiveProfile: boolean;
  rentalIntention: { priceQualifier: string; furnishing: string | null } | null;
  tenureType: string | null;
  notes: string | null;
}

/** An agency-defined parameter (`/parameters/client-positions` …): code and display name. */
export interface AltoParameterValue {
  code: string;
  name: string;
}

/** Everything stored about a contact besides its times. */
export interface AltoContactFields {
  category: AltoCategory;
  persona: AltoPersona[];
  people: AltoPersonFields[];
  address: AltoAddress | null;
  branchId: string;
  negotiatorId: string | null;
  position: AltoParameterValue | null;
  intention: AltoParameterValue | null;
  disposal: AltoParameterValue | null;
  lead: { source: AltoParameterValue; id: number | null } | null;
  notes: string | null;
  companyName: string | null;
  potentialVendor: boolean;
  potentialLandlord: boolean;
  archived: boolean;
  applicantRequirements: AltoRequirement[];
  /** Marketing consent per purpose (`GET /contacts/{id}/preferences`). */
  preferences: Record<AltoPreferenceType, AltoOptInStatus>;
  lastContactedOn: number | null;
}

/** A stored contact. */
export type ContactRecord = GeneratedRecord<AltoContactFields>;

/** An address with nothing known but the country (writes fill in what they have). */
export function emptyAddress(): AltoAddress {
  return {
    subDwelling: null,
    nameNumber: null,
    street: null,
    locality: null,
    town: null,
    county: null,
    postcode: null,
    countryCode: 'GB',
    uprn: null,
  };
}

/** Alto writes seven fractional digits and an explicit offset: `2017-12-25T15:03:30.0000000+00:00`. */
export function altoTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '0000+00:00');
}

export function contactIdOf(seq: number): string {
  return String(ALTO_CONTACT_ID_BASE + seq);
}

/** The sequence behind a contact id, or null when the id is not one of ours. */
export function seqOfContactId(id: string): number | null {
  if (!/^\d{1,10}$/.test(id)) return null;
  const seq = Number(id) - ALTO_CONTACT_ID_BASE;
  return Number.isInteger(seq) && seq > 0 ? seq : null;
}

/** Branches of the simulated agency group, by the town a contact lives in. */
const ALTO_BRANCHES: ReadonlyArray<{ id: string; name: string; towns: readonly string[] }> = [
  {
    id: '2681',
    name: 'London — Battersea',
    towns: ['London', 'Guildford', 'St Albans', 'Reading', 'Brighton'],
  },
  { id: '3156', name: 'Manchester', towns: ['Manchester', 'Liverpool', 'Chester'] },
  { id: '3204', name: 'Leeds', towns: ['Leeds', 'York', 'Harrogate', 'Sheffield', 'Newcastle upon Tyne'] },
  { id: '3390', name: 'Birmingham', towns: ['Birmingham', 'Nottingham', 'Leicester', 'Milton Keynes'] },
  {
    id: '3417',
    name: 'Bristol',
    towns: ['Bristol', 'Bath', 'Cardiff', 'Exeter', 'Swansea', 'Southampton', 'Bournemouth'],
  },
  { id: '3522', name: 'Head Office', towns: [] },
];
const BRANCH_BY_TOWN = new Map(
  ALTO_BRANCHES.flatMap((branch) => branch.towns.map((town) => [town, branch.id])),
);
const HEAD_OFFICE_BRANCH = '3522';
export const ALTO_NEGOTIATOR_IDS = [
  '47141',
  '48734',
  '47302',
  '49011',
  '47788',
  '48120',
  '49356',
  '47925',
] as const;

/** The simulated agency's parameter lists (`/parameters/client-intentions` …). */
const ALTO_INTENTIONS = {
  buy: { code: '89', name: 'Buy' },
  sell: { code: '90', name: 'Sell' },
  rent: { code: '91', name: 'Rent' },
  let: { code: '92', name: 'Let' },
  unknown: { code: '88', name: 'Not known' },
} as const satisfies Record<string, AltoParameterValue>;
const ALTO_POSITIONS = {
  ownHome: { code: '267', name: 'Own Home' },
  inRented: { code: '268', name: 'In Rented' },
  firstTimeBuyer: { code: '269', name: 'First Time Buyer' },
  livingWithFamily: { code: '270', name: 'Living with Family' },
} as const satisfies Record<string, AltoParameterValue>;
const ALTO_DISPOSALS = {
  notApplicable: { code: '271', name: 'Not applicable' },
  propertyToSell: { code: '272', name: 'Property to sell' },
  underOffer: { code: '273', name: 'Under offer' },
  soldStc: { code: '274', name: 'Sold STC' },
} as const satisfies Record<string, AltoParameterValue>;
export const ALTO_LEAD_SOURCES: readonly AltoParameterValue[] = [
  { code: '11', name: 'Rightmove' },
  { code: '12', name: 'Zoopla' },
  { code: '13', name: 'OnTheMarket' },
  { code: '14', name: 'Website' },
  { code: '15', name: 'Walk-in' },
  { code: '16', name: 'Referral' },
];
const LEAD_SOURCE_WEIGHTS = [30, 30, 10, 15, 5, 10];
const RENT_FURNISHINGS = ['Furnished', 'Unfurnished', 'PartFurnished', 'FurnishedOrUnfurnished'] as const;

/** Parameter lists by the JSON Patch path that sets them on a contact. */
export const ALTO_PARAMETERS_BY_PATH: Readonly<
  Record<'positionid' | 'intentionid' | 'disposalid', readonly AltoParameterValue[]>
> = {
  positionid: Object.values(ALTO_POSITIONS),
  intentionid: Object.values(ALTO_INTENTIONS),
  disposalid: Object.values(ALTO_DISPOSALS),
};

const CONSENT_TO_OPT_IN = { granted: 'Granted', denied: 'Denied', not_asked: 'Unknown' } as const;

export function defaultPreferences(
  general: AltoOptInStatus = 'Unknown',
): Record<AltoPreferenceType, AltoOptInStatus> {
  return {
    PropertyMatching: general === 'Denied' ? 'Denied' : 'Unknown',
    GeneralMarketing: general,
    FinancialServices: 'Unknown',
    ConveyancingServices: 'Unknown',
    RelocationAgentNetwork: 'Unknown',
    KeyfloViewingNotifications: 'Unknown',
  };
}

/** A twelve-digit UPRN that depends only on the address, so people at one address share it. */
function uprnFor(seed: number, postcode: string, nameNumber: string, street: string): string {
  const digest = createHash('sha256').update(`${seed}|${postcode}|${nameNumber}|${street}`).digest();
  const value = digest.readUInt32BE(0) * 1000 + (digest.readUInt16BE(4) % 1000);
  return `10${String(value % 10_000_000_000).padStart(10, '0')}`;
}

const extrasRandom = new SeededRandom(1);

/** Alto's view of a generated person: deterministic in (seed, seq). */
export function fieldsFromPerson(person: UkPerson, seq: number, seed: number): AltoContactFields {
  const random = extrasRandom.reseed(mixSeed(seed, 'alto-contact', seq));
  const roles = person.roles;
  const isVendor = roles.includes('vendor');
  const isLandlord = roles.includes('landlord');
  const buys = roles.includes('buyerApplicant');
  const rents = roles.includes('tenantApplicant');
  const tenant = roles.includes('activeTenant');
  // Some owners are only flagged as potential vendors or landlords (a valuation not yet instructed).
  const vendorPersona = isVendor && random.chance(0.7);
  const landlordPersona = isLandlord && random.chance(0.75);
  const persona: AltoPersona[] = [];
  if (buys || rents) persona.push('Applicant');
  if (vendorPersona) persona.push('Vendor');
  if (landlordPersona) persona.push('Landlord');
  if (tenant) persona.push('Tenant');

  const phoneNumbers: AltoPhone[] = [
    { preferenceOrder: 1, type: 'Mobile', number: person.mobile, description: null },
  ];
  if (person.landline !== null) {
    phoneNumbers.push({
      preferenceOrder: 2,
      type: 'Home',
      number: person.landline,
      description: random.chance(0.3) ? 'Evenings' : null,
    });
  }
  const people: AltoPersonFields[] = [
    {
      id: '1',
      title: person.title,
      forename: person.forename,
      surname: person.surname,
      phoneNumbers,
      emailAddresses:
        person.email.trim() === '' ? [] : [{ preferenceOrder: 1, type: 'Personal', address: person.email }],
    },
  ];
  // Couples buying, selling or letting together are one contact with two people.
  if ((isVendor || isLandlord || buys) && random.chance(0.08)) {
    const female = !['Mrs', 'Miss', 'Ms'].includes(person.title);
    const forename = random.pick(female ? FEMALE_FORENAMES : MALE_FORENAMES);
    people.push({
      id: '2',
      title: female ? 'Mrs' : 'Mr',
      forename,
      surname: person.surname,
      phoneNumbers: [],
      emailAddresses: [
        {
          preferenceOrder: 1,
          type: 'Personal',
          address: `${asciiSlug(forename)}.${asciiSlug(person.surname)}.j${seq}@gmail.com`,
        },
      ],
    });
  }

  const flat = person.buildingName.startsWith('Flat');
  const nameNumber = flat
    ? person.buildingNumber
    : [person.buildingName, person.buildingNumber].filter((part) => part !== '').join(', ');
  const address: AltoAddress = {
    subDwelling: flat ? person.buildingName : null,
    nameNumber: nameNumber === '' ? null : nameNumber,
    street: person.street,
    locality: person.district === '' ? null : person.district,
    town: person.town,
    county: person.county,
    postcode: person.postcode,
    countryCode: 'GB',
    // Older records predate Alto's UPRN field.
    uprn: random.chance(0.85) ? uprnFor(seed, person.postcode, nameNumber, person.street) : null,
  };

  const requirements: AltoRequirement[] = [];
  if (buys) {
    const priceTo = random.int(8, 40) * 25_000;
    requirements.push({
      id: String(600_000 + seq * 2),
      profileIntention: 'Buy',
      isNewBuild: random.chance(0.1) ? true : null,
      priceFrom: Math.round((priceTo * 0.7) / 25_000) * 25_000,
      priceTo,
      bedsMin: random.int(1, 4),
      isActiveProfile: true,
      rentalIntention: null,
      tenureType: random.chance(0.6) ? 'Freehold' : null,
      notes: random.chance(0.15) ? 'Looking for a garden and off-street parking.' : null,
    });
  }
  if (rents) {
    const priceTo = random.int(18, 60) * 50;
    requirements.push({
      id: String(600_001 + seq * 2),
      profileIntention: 'Rent',
      isNewBuild: null,
      priceFrom: priceTo - 400,
      priceTo,
      bedsMin: random.int(1, 3),
      isActiveProfile: true,
      rentalIntention: { priceQualifier: 'Monthly', furnishing: random.pick(RENT_FURNISHINGS) },
      tenureType: null,
      notes: null,
    });
  }

  const intention = buys
    ? ALTO_INTENTIONS.buy
    : isVendor
      ? ALTO_INTENTIONS.sell
      : rents
        ? ALTO_INTENTIONS.rent
        : isLandlord
          ? ALTO_INTENTIONS.let
          : random.chance(0.5)
            ? ALTO_INTENTIONS.unknown
            : null;
  const position =
    isVendor || isLandlord
      ? ALTO_POSITIONS.ownHome
      : tenant || rents
        ? ALTO_POSITIONS.inRented
        : buys
          ? random.pick([
              ALTO_POSITIONS.firstTimeBuyer,
              ALTO_POSITIONS.livingWithFamily,
              ALTO_POSITIONS.inRented,
            ])
          : null;
  const disposal = isVendor
    ? random.pick([ALTO_DISPOSALS.propertyToSell, ALTO_DISPOSALS.underOffer, ALTO_DISPOSALS.soldStc])
    : buys
      ? ALTO_DISPOSALS.notApplicable
      : null;
  const general = CONSENT_TO_OPT_IN[person.marketingConsent];

  return {
    category: 'Client',
    persona,
    people,
    address,
    branchId: BRANCH_BY_TOWN.get(person.town) ?? HEAD_OFFICE_BRANCH,
    negotiatorId: random.chance(0.9) ? random.pick(ALTO_NEGOTIATOR_IDS) : null,
    position,
    intention,
    disposal,
    lead: random.chance(0.35)
      ? {
          source: random.pickWeighted(ALTO_LEAD_SOURCES, LEAD_SOURCE_WEIGHTS),
          id: random.int(400_000, 499_999),
        }
      : null,
    notes: random.chance(0.1) ? 'Prefers contact by email after 6pm.' : null,
    companyName: null,
    potentialVendor: isVendor && !vendorPersona,
    potentialLandlord: isLandlord && !landlordPersona,
    archived: random.chance(0.03),
    applicantRequirements: requirements,
    preferences: {
      ...defaultPreferences(general),
      PropertyMatching: general === 'Denied' ? 'Denied' : buys || rents ? 'Granted' : 'Unknown',
    },
    lastContactedOn: null,
  };
}

/** The current fields of a record (materialised or computed). */
export function fieldsOf(record: ContactRecord, seed: number): AltoContactFields {
  return record.fields ?? fieldsFromPerson(personOf(record), record.seq, seed);
}

/** The branch a contact belongs to, without building computed fields. */
export function branchIdOf(record: ContactRecord): string {
  if (record.fields !== null) return record.fields.branchId;
  return BRANCH_BY_TOWN.get(record.person?.town ?? '') ?? HEAD_OFFICE_BRANCH;
}

/** A phone as E.164, or '' when it is none (no identity key). */
const e164Of = (phone: string | null): string => (phone === null ? '' : (toE164(phone) ?? ''));

/** Surnames, and emails (trimmed, lower case) and E.164 phones of a contact's people: duplicate detection. */
export function identityKeysOf(fields: AltoContactFields): { surnames: string[]; keys: string[] } {
  return {
    surnames: fields.people.flatMap((person) =>
      person.surname ? [person.surname.trim().toLowerCase()] : [],
    ),
    keys: fields.people.flatMap((person) => [
      ...person.emailAddresses.map((email) => email.address.trim().toLowerCase()),
      ...person.phoneNumbers.map((phone) => e164Of(phone.number)),
    ]),
  };
}

/** A record's identity keys; a generated contact's lead person is enough (no fields built). */
export function identityKeysOfRecord(record: ContactRecord): string[] {
  if (record.fields !== null) return identityKeysOf(record.fields).keys;
  const person = record.person;
  return person === null
    ? []
    : [person.email.trim().toLowerCase(), ...[person.mobile, person.landline].map(e164Of)];
}

function links(href: string): Array<{ href: string; rel: string }> {
  return [{ href, rel: 'self' }];
}

function byPreference<T extends { preferenceOrder: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.preferenceOrder - b.preferenceOrder);
}

function renderRequirement(requirement: AltoRequirement, contactId: string): JsonObject {
  const { id, ...rest } = requirement;
  const href = `/contacts/${contactId}/applicant-requirements/${id}`;
  // A copied rentalIntention keeps its place in the key order (a spread key is overwritten in place).
  return {
    id,
    links: links(href),
    ...rest,
    rentalIntention: rest.rentalIntention && { ...rest.rentalIntention },
  };
}

/** A person as `GET /contacts/{id}` and the person endpoints show it. */
export function renderPerson(person: AltoPersonFields, contactId: string): JsonObject {
  return {
    id: person.id,
    links: links(`/contacts/${contactId}/persons/${person.id}`),
    title: person.title,
    forename: person.forename,
    surname: person.surname,
    phoneNumbers: byPreference(person.phoneNumbers).map((phone) => ({ ...phone })),
    emailAddresses: byPreference(person.emailAddresses).map((email) => ({ ...email })),
  };
}

/** The full Contact of `GET /contacts/{id}` (no persona, no created time: those are list-only). */
export function renderContact(record: ContactRecord, seed: number): JsonObject {
  const fields = fieldsOf(record, seed);
  const id = contactIdOf(record.seq);
  return {
    id,
    links: links(`/contacts/${id}`),
    address: fields.address === null ? null : { ...fields.address },
    branch: { id: fields.branchId },
    people: fields.people.map((person) => renderPerson(person, id)),
    category: fields.category,
    lead: fields.lead === null ? null : { source: { ...fields.lead.source }, id: fields.lead.id },
    position: fields.position === null ? null : { ...fields.position },
    intention: fields.intention === null ? null : { ...fields.intention },
    disposal: fields.disposal === null ? null : { ...fields.disposal },
    notes: fields.notes,
    archived: fields.archived,
    companyName: fields.companyName,
    potentialVendor: fields.potentialVendor,
    potentialLandlord: fields.potentialLandlord,
    applicantRequirements: fields.applicantRequirements.map((requirement) =>
      renderRequirement(requirement, id),
    ),
    modifiedDate: altoTime(record.modified),
  };
}

/** One item of `GET /contacts/all`: the first phone and email of each person only. */
export function renderListItem(record: ContactRecord, seed: number): JsonObject {
  const fields = fieldsOf(record, seed);
  const id = contactIdOf(record.seq);
  return {
    id,
    links: links(`/contacts/${id}`),
    contactType: { category: fields.category, persona: [...fields.persona] },
    contactInformation: fields.people.map((person) => ({
      title: person.title,
      foreName: person.forename,
      surname: person.surname,
      phoneNumber: byPreference(person.phoneNumbers)[0]?.number ?? null,
      emailAddress: byPreference(person.emailAddresses)[0]?.address ?? null,
    })),
    position: fields.position?.name ?? null,
    intention: fields.intention?.name ?? null,
    disposal: fields.disposal?.name ?? null,
    branch: { id: fields.branchId },
    leadSource: fields.lead?.source.name ?? null,
    isActive: !fields.archived,
    potentialVendor: fields.potentialVendor,
    potentialLandlord: fields.potentialLandlord,
    createdAt: altoTime(record.created),
    modifiedAt: altoTime(record.modified),
    notes: fields.notes,
    companyName: fields.companyName,
    applicantRequirements: fields.applicantRequirements.map((requirement) =>
      renderRequirement(requirement, id),
    ),
  };
}

/** `GET /contacts/{id}/preferences`: one ContactConsentPreference per purpose. */
export function renderPreferences(record: ContactRecord, seed: number): JsonObject[] {
  const fields = fieldsOf(record, seed);
  return (Object.entries(fields.preferences) as Array<[AltoPreferenceType, AltoOptInStatus]>).map(
    ([type, status], i) => ({
      id: record.seq * 10 + i,
      recordId: ALTO_CONTACT_ID_BASE + record.seq,
      groupId: 1,
      versionNumber: 1,
      contactId: ALTO_CONTACT_ID_BASE + record.seq,
      dateActioned: status === 'Unknown' ? null : altoTime(record.created),
      optInStatus: status,
      type,
      actionedBy: status === 'Unknown' ? null : 'Alto',
      additionalInformation: null,
    }),
  );
}
