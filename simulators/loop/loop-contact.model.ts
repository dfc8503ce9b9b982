import { personOf, type GeneratedRecord } from '../toolkit/model-generated.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { formatPhone } from '../toolkit/uk-contact-format.ts';
import type { PersonRole, UkPerson } from '../toolkit/uk-people.ts';
import { TOWNS } from '../toolkit/uk-reference-data.ts';
import type { TimedRecord } from '../toolkit/timed-collection.ts';
import {
  LOOP_NEGOTIATORS,
  LOOP_SOURCES,
  type LoopConsentStatus,
  type LoopContactType,
  type LoopPhoneType,
} from './loop-constants.ts';
import { loopId } from './loop-ids.ts';

export type JsonObject = Record<string, unknown>;
export type CustomFieldValue = string | number | boolean;

export interface LoopAddress {
  line1: string;
  line2: string | null;
  line3: string | null;
  town: string | null;
  county: string | null;
  postcode: string | null;
  countryCode: string;
}

export interface LoopEmailAddress {
  address: string;
  isPrimary: boolean;
}

export interface LoopPhoneNumber {
  number: string;
  type: LoopPhoneType;
  isPrimary: boolean;
}

/** What an applicant is looking for (Loop keeps one profile per intent). */
export interface LoopApplicantProfile {
  intent: 'buy' | 'rent';
  status: 'active' | 'onHold';
  minBedrooms: number;
  /** Pounds: a purchase price when buying, rent per calendar month when renting. */
  maxBudget: number;
  propertyTypes: string[];
  areas: string[];
}

export interface LoopTenancy {
  status: 'current' | 'ended' | 'pending';
  propertySeq: number;
  /** `YYYY-MM-DD`. */
  startDate: string;
  fixedTermEndDate: string | null;
}

export interface LoopMarketingConsent {
  status: LoopConsentStatus;
  channels: { email: boolean; sms: boolean; phone: boolean; post: boolean };
  updated: number;
}

/** A contact's editable fields, once materialised (generated contacts compute them until first written). */
export interface LoopContactFields {
  title: string | null;
  firstName: string | null;
  lastName: string | null;
  dateOfBirth: string | null;
  emailAddresses: LoopEmailAddress[];
  phoneNumbers: LoopPhoneNumber[];
  address: LoopAddress | null;
  contactTypes: LoopContactType[];
  applicantProfiles: LoopApplicantProfile[];
  tenancy: LoopTenancy | null;
  marketingConsent: LoopMarketingConsent;
  source: string | null;
  branchSeq: number;
  negotiatorSeq: number;
  tags: string[];
}

/** One contact; `id` is computed from `seq` on first use and then kept. */
export interface ContactRecord extends GeneratedRecord<LoopContactFields> {
  id: string | null;
  customFields: Record<string, CustomFieldValue> | null;
  archivedAt: number | null;
}

/** What rendering needs from the dataset: the seed (generated fields) and the id salt (per team). */
export interface RenderContext {
  seed: number;
  salt: number;
}

const DAY_MS = 86_400_000;
const CONSENT: Record<UkPerson['marketingConsent'], LoopConsentStatus> = {
  granted: 'optedIn',
  denied: 'optedOut',
  not_asked: 'notAsked',
};
const ROLE_TYPES: Record<PersonRole, LoopContactType> = {
  vendor: 'vendor',
  landlord: 'landlord',
  buyerApplicant: 'applicant',
  tenantApplicant: 'applicant',
  activeTenant: 'tenant',
};
const PROPERTY_TYPES = ['flat', 'terraced', 'semiDetached', 'detached', 'bungalow', 'maisonette'] as const;
const SOURCE_WEIGHTS = [30, 20, 8, 18, 10, 6, 8];
// Ofcom drama range for work numbers: 020 7946 0000-0999.
const WORK_PHONE_PREFIX = '+442079460';
const extrasRandom = new SeededRandom(1);

/** ISO-8601 UTC with milliseconds: Loop's (assumed) timestamp format. */
export function loopTime(ms: number): string {
  return new Date(ms).toISOString();
}

function loopDate(ms: number): string {
  return loopTime(ms).slice(0, 10);
}

export function contactIdOf(record: ContactRecord, salt: number): string {
  record.id ??= loopId(salt, 'contact', record.seq);
  return record.id;
}

/** Branches: one per town of the shared reference data. */
function branchName(branchSeq: number): string {
  return TOWNS[branchSeq - 1]?.town ?? 'Head Office';
}

export function branchSeqOfTown(town: string): number {
  return TOWNS.findIndex((candidate) => candidate.town === town) + 1 || TOWNS.length + 1;
}

export function negotiatorName(negotiatorSeq: number): string {
  return LOOP_NEGOTIATORS[negotiatorSeq - 1] ?? 'Office';
}

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

function applicantProfile(
  random: SeededRandom,
  person: UkPerson,
  intent: 'buy' | 'rent',
): LoopApplicantProfile {
  const london = person.town === 'London';
  const maxBudget =
    intent === 'buy'
      ? roundTo(london ? random.int(350_000, 1_200_000) : random.int(150_000, 600_000), 5_000)
      : roundTo(london ? random.int(1_500, 4_000) : random.int(650, 1_800), 25);
  const town = TOWNS.find((candidate) => candidate.town === person.town);
  const areas = [person.district || person.town];
  if (town !== undefined && town.areas.length > 1 && random.chance(0.4)) {
    const other = random.pick(town.areas).district;
    if (other && !areas.includes(other)) areas.push(other);
  }
  const first = random.pick(PROPERTY_TYPES);
  const types: string[] = [first];
  if (random.chance(0.4)) {
    const second = random.pick(PROPERTY_TYPES);
    if (second !== first) types.push(second);
  }
  return {
    intent,
    status: random.chance(0.9) ? 'active' : 'onHold',
    minBedrooms: random.int(intent === 'buy' ? 1 : 0, 4),
    maxBudget,
    propertyTypes: types,
    areas,
  };
}

/**
 * A generated contact's fields, deterministic in (seed, seq): the shared person in Loop's shape,
 * plus the Loop-only facts (applicant profiles, tenancy, consent channels, branch, source).
 */
export function fieldsFromPerson(person: UkPerson, record: TimedRecord, seed: number): LoopContactFields {
  const random = extrasRandom.reseed(mixSeed(seed, 'loop-contact', record.seq));
  const between = (fraction: number) =>
    record.created + Math.floor(fraction * (record.modified - record.created));
  const phoneNumbers: LoopPhoneNumber[] = [{ number: person.mobile, type: 'mobile', isPrimary: true }];
  if (person.landline !== null)
    phoneNumbers.push({ number: person.landline, type: 'home', isPrimary: false });
  if (random.chance(0.1)) {
    const work = WORK_PHONE_PREFIX + String(random.int(0, 999)).padStart(3, '0');
    phoneNumbers.push({ number: formatPhone(work, person.phoneStyle), type: 'work', isPrimary: false });
  }
  const roles = person.roles;
  const applicantProfiles: LoopApplicantProfile[] = [];
  if (roles.includes('buyerApplicant')) applicantProfiles.push(applicantProfile(random, person, 'buy'));
  if (roles.includes('tenantApplicant')) applicantProfiles.push(applicantProfile(random, person, 'rent'));
  let tenancy: LoopTenancy | null = null;
  const propertySeq = random.int(1, 5000);
  const tenancyStart = between(random.next());
  if (roles.includes('activeTenant')) {
    tenancy = {
      status: 'current',
      propertySeq,
      startDate: loopDate(tenancyStart),
      fixedTermEndDate: loopDate(tenancyStart + (random.chance(0.5) ? 365 : 730) * DAY_MS),
    };
  } else if (roles.includes('tenantApplicant') && random.chance(0.25)) {
    // Someone renting again after an earlier tenancy through the agency.
    tenancy = {
      status: 'ended',
      propertySeq,
      startDate: loopDate(tenancyStart - 730 * DAY_MS),
      fixedTermEndDate: loopDate(tenancyStart - 365 * DAY_MS),
    };
  }
  const consent = CONSENT[person.marketingConsent];
  const optedIn = consent === 'optedIn';
  // A named building takes the first line and pushes the street and district down one.
  const street = `${person.buildingNumber} ${person.street}`.trim();
  const [line1, line2, line3] = person.buildingName
    ? [person.buildingName, street, person.district || null]
    : [street, person.district || null, null];
  const address: LoopAddress = {
    line1,
    line2,
    line3,
    town: person.town,
    county: person.county,
    postcode: person.postcode,
    countryCode: 'GB',
  };
  const tags: string[] = [];
  if (roles.includes('buyerApplicant') && random.chance(0.15))
    tags.push(random.chance(0.5) ? 'First-time buyer' : 'Cash buyer');
  if (roles.includes('landlord') && random.chance(0.2)) tags.push('Portfolio landlord');
  return {
    title: person.title,
    firstName: person.forename,
    lastName: person.surname,
    dateOfBirth: random.chance(0.6) ? person.dateOfBirth : null,
    emailAddresses: [{ address: person.email, isPrimary: true }],
    phoneNumbers,
    address,
    contactTypes: [...new Set(roles.map((role) => ROLE_TYPES[role]))],
    applicantProfiles,
    tenancy,
    marketingConsent: {
      status: consent,
      channels: {
        email: optedIn && !random.chance(0.1),
        sms: optedIn && random.chance(0.6),
        phone: optedIn && random.chance(0.4),
        post: consent !== 'optedOut' && random.chance(0.7),
      },
      updated: between(random.next()),
    },
    source: random.pickWeighted(LOOP_SOURCES, SOURCE_WEIGHTS),
    branchSeq: branchSeqOfTown(person.town),
    negotiatorSeq: random.int(1, LOOP_NEGOTIATORS.length),
    tags,
  };
}

/** The current fields of a record (materialised or computed). */
export function fieldsOf(record: ContactRecord, seed: number): LoopContactFields {
  return record.fields ?? fieldsFromPerson(personOf(record), record, seed);
}

/** Email addresses without building the whole field set (filters read many records). */
export function emailsOf(record: ContactRecord): readonly string[] {
  if (record.fields !== null) return record.fields.emailAddresses.map((email) => email.address);
  return record.person === null ? [] : [record.person.email];
}

/** Contact types without building the whole field set. */
export function contactTypesOf(record: ContactRecord): readonly LoopContactType[] {
  if (record.fields !== null) return record.fields.contactTypes;
  return (record.person?.roles ?? []).map((role) => ROLE_TYPES[role]);
}

/** The contact as `GET /v1/contacts/{id}` returns it (and webhooks carry it). */
export function renderContact(record: ContactRecord, context: RenderContext): JsonObject {
  const fields = fieldsOf(record, context.seed);
  return {
    id: contactIdOf(record, context.salt),
    createdAt: loopTime(record.created),
    updatedAt: loopTime(record.modified),
    title: fields.title,
    firstName: fields.firstName,
    lastName: fields.lastName,
    dateOfBirth: fields.dateOfBirth,
    emailAddresses: fields.emailAddresses.map((email) => ({ ...email })),
    phoneNumbers: fields.phoneNumbers.map((phone) => ({ ...phone })),
    address: fields.address === null ? null : { ...fields.address },
    contactTypes: [...fields.contactTypes],
    applicantProfiles: fields.applicantProfiles.map((profile) => ({
      ...profile,
      propertyTypes: [...profile.propertyTypes],
      areas: [...profile.areas],
    })),
    tenancy:
      fields.tenancy === null
        ? null
        : {
            status: fields.tenancy.status,
            propertyId: loopId(context.salt, 'property', fields.tenancy.propertySeq),
            startDate: fields.tenancy.startDate,
            fixedTermEndDate: fields.tenancy.fixedTermEndDate,
          },
    marketingConsent: {
      status: fields.marketingConsent.status,
      channels: { ...fields.marketingConsent.channels },
      updatedAt: loopTime(fields.marketingConsent.updated),
    },
    source: fields.source,
    branch: { id: loopId(context.salt, 'branch', fields.branchSeq), name: branchName(fields.branchSeq) },
    negotiator: {
      id: loopId(context.salt, 'negotiator', fields.negotiatorSeq),
      name: negotiatorName(fields.negotiatorSeq),
    },
    tags: [...fields.tags],
    customFields: { ...record.customFields },
    archived: record.archivedAt !== null,
    archivedAt: record.archivedAt === null ? null : loopTime(record.archivedAt),
  };
}

/** Top-level fields whose value differs between two renderings (`updatedAt` aside). */
export function changedFields(before: JsonObject, after: JsonObject): string[] {
  return Object.keys(after).filter(
    (key) => key !== 'updatedAt' && JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
}
