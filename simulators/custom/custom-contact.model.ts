import { createHash } from 'node:crypto';
import { personOf, type GeneratedRecord } from '../toolkit/model-generated.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { normaliseEmail } from '../toolkit/uk-contact-format.ts';
import type { PersonMarketingConsent, UkPerson } from '../toolkit/uk-people.ts';

export type JsonObject = Record<string, unknown>;

export interface EmailEntry {
  address: string;
  type: 'personal' | 'work' | 'other';
  primary: boolean;
}

export interface PhoneEntry {
  number: string;
  type: 'mobile' | 'home' | 'work' | 'other';
  primary: boolean;
}

export interface AddressFields {
  line1: string | null;
  line2: string | null;
  line3: string | null;
  town: string | null;
  county: string | null;
  postcode: string | null;
  country_code: string | null;
  uprn: string | null;
}

export interface ApplicantFields {
  type: 'buyer' | 'tenant';
  property_interest: string | null;
  max_budget: number | null;
  min_bedrooms: number | null;
}

export interface TenancyFields {
  status: 'prospective' | 'active' | 'former';
  property_id: string | null;
}

/** The agent-editable part of a contact, in the API's own field names. */
export interface ContactFields {
  title: string | null;
  first_name: string | null;
  last_name: string | null;
  date_of_birth: string | null;
  emails: EmailEntry[];
  phones: PhoneEntry[];
  address: AddressFields | null;
  marketing_consent: PersonMarketingConsent;
  applicant: ApplicantFields | null;
  tenancy: TenancyFields | null;
  is_vendor: boolean;
  is_landlord: boolean;
  source: string | null;
}

/** Propsync's write-back on a contact (`/contacts/{id}/nurture`), apart from the contact itself. */
export interface NurtureState {
  engagementScore: number | null;
  engagementScoredAt: number | null;
  hotLead: boolean;
  hotLeadAt: number | null;
  updatedAt: number;
}

/** One contact. */
export interface ContactRecord extends GeneratedRecord<ContactFields> {
  id: string;
  /** Bumped on every change; part of the ETag. */
  version: number;
  customFields: JsonObject | null;
  archivedAt: number | null;
  nurture: NurtureState | null;
}

/** `con_0000029`, `act_0000042`: a prefix naming the type, then the sequence. Ids are opaque to clients. */
export function sequenceId(prefix: 'con' | 'act', seq: number): string {
  return `${prefix}_${String(seq).padStart(7, '0')}`;
}

/** The sequence in an id {@link sequenceId} made with this prefix, else null. */
export function seqOfId(prefix: 'con' | 'act', id: string): number | null {
  if (!new RegExp(`^${prefix}_\\d{7,}$`).test(id)) return null;
  const seq = Number(id.slice(prefix.length + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}

export const contactId = (seq: number): string => sequenceId('con', seq);
export const seqOfContactId = (id: string): number | null => seqOfId('con', id);

/** RFC 3339 UTC with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A strong, quoted ETag that changes with every version. */
export function etagOf(record: Pick<ContactRecord, 'id' | 'version' | 'modified'>): string {
  return `"${createHash('sha1').update(`${record.id}:${record.version}:${record.modified}`).digest('base64url').slice(0, 20)}"`;
}

const SOURCES = ['rightmove', 'zoopla', 'website', 'referral', 'walk_in', 'onthemarket', null] as const;
const SOURCE_WEIGHTS = [30, 20, 18, 10, 6, 6, 10];
const BUYER_PROPERTY_TYPES = [
  'flat',
  'terraced house',
  'semi-detached house',
  'detached house',
  'bungalow',
  'maisonette',
  'house',
] as const;
const TENANT_PROPERTY_TYPES = [
  'flat',
  'house',
  'studio flat',
  'maisonette',
  'room in a shared house',
] as const;

const extrasRandom = new SeededRandom(1);
const poundFormat = new Intl.NumberFormat('en-GB');

/** A 12-digit UPRN-shaped number (not a real one), deterministic per contact. */
function uprnOf(random: SeededRandom): string {
  return `${random.int(1, 9)}${String(random.int(0, 99_999)).padStart(5, '0')}${String(random.int(0, 999_999)).padStart(6, '0')}`;
}

function applicantOf(person: UkPerson, random: SeededRandom): ApplicantFields | null {
  if (person.roles.includes('buyerApplicant')) {
    const bedrooms = random.int(1, 5);
    const budget = Math.round((120_000 + bedrooms * 70_000 + random.next() * 150_000) / 5_000) * 5_000;
    const kind = bedrooms === 1 ? 'flat' : random.pick(BUYER_PROPERTY_TYPES);
    return {
      type: 'buyer',
      property_interest: `${bedrooms} bed ${kind} in ${person.town}, up to £${poundFormat.format(budget)}`,
      max_budget: budget,
      min_bedrooms: bedrooms,
    };
  }
  if (person.roles.includes('tenantApplicant')) {
    const bedrooms = random.int(1, 4);
    const rent = Math.round((550 + bedrooms * 300 + random.next() * 500) / 25) * 25;
    const kind = random.pick(TENANT_PROPERTY_TYPES);
    return {
      type: 'tenant',
      property_interest: random.chance(0.9)
        ? `${bedrooms} bed ${kind} in ${person.town}, up to £${poundFormat.format(rent)} pcm`
        : null,
      max_budget: rent,
      min_bedrooms: kind === 'studio flat' || kind === 'room in a shared house' ? null : bedrooms,
    };
  }
  return null;
}

/** Builds a generated contact's fields from its person; deterministic in (seed, seq). */
export function fieldsFromPerson(person: UkPerson, seq: number, seed: number): ContactFields {
  const random = extrasRandom.reseed(mixSeed(seed, 'custom-contact', seq));
  const street = [person.buildingNumber, person.street].filter((part) => part !== '').join(' ');
  const lines = [person.buildingName, street, person.district].filter((line) => line !== '');
  const phones: PhoneEntry[] = [{ number: person.mobile, type: 'mobile', primary: true }];
  if (person.landline !== null) phones.push({ number: person.landline, type: 'home', primary: false });
  const hasUprn = random.chance(0.7);
  const uprn = uprnOf(random);
  const applicant = applicantOf(person, random);
  let tenancy: TenancyFields | null = null;
  const propertyId = `prop_${String(random.int(1, 99_999)).padStart(5, '0')}`;
  if (person.roles.includes('activeTenant')) tenancy = { status: 'active', property_id: propertyId };
  else if (person.roles.includes('tenantApplicant') && random.chance(0.3))
    tenancy = { status: 'prospective', property_id: null };
  else if (random.chance(0.04)) tenancy = { status: 'former', property_id: propertyId };
  return {
    title: person.title,
    first_name: person.forename,
    last_name: person.surname,
    date_of_birth: random.chance(0.65) ? person.dateOfBirth : null,
    emails: [{ address: person.email, type: 'personal', primary: true }],
    phones,
    address: {
      line1: lines[0] ?? null,
      line2: lines[1] ?? null,
      line3: lines[2] ?? null,
      town: person.town,
      county: person.county,
      postcode: person.postcode,
      country_code: 'GB',
      uprn: hasUprn ? uprn : null,
    },
    marketing_consent: person.marketingConsent,
    applicant,
    tenancy,
    is_vendor: person.roles.includes('vendor'),
    is_landlord: person.roles.includes('landlord'),
    source: random.pickWeighted(SOURCES, SOURCE_WEIGHTS),
  };
}

/** The current fields of a record (materialised or computed). */
export function fieldsOf(record: ContactRecord, seed: number): ContactFields {
  return record.fields ?? fieldsFromPerson(personOf(record), record.seq, seed);
}

/** Normalised emails, read cheaply (without building every field) for the email index. */
export function emailKeysOf(record: ContactRecord): string[] {
  if (record.fields !== null)
    return record.fields.emails.map((email) => normaliseEmail(email.address)).filter((email) => email !== '');
  const email = record.person?.email;
  return email === undefined ? [] : [normaliseEmail(email)];
}

/** The contact as GET /contacts/{id}, lists and webhooks return it. */
export function renderContact(record: ContactRecord, seed: number): JsonObject {
  const fields = fieldsOf(record, seed);
  return {
    id: record.id,
    created_at: isoTime(record.created),
    updated_at: isoTime(record.modified),
    etag: etagOf(record),
    // The fields carry the API's names in its order; nested objects are copied.
    ...fields,
    emails: fields.emails.map((email) => ({ ...email })),
    phones: fields.phones.map((phone) => ({ ...phone })),
    address: fields.address === null ? null : { ...fields.address },
    applicant: fields.applicant === null ? null : { ...fields.applicant },
    tenancy: fields.tenancy === null ? null : { ...fields.tenancy },
    archived: record.archivedAt !== null,
    archived_at: record.archivedAt === null ? null : isoTime(record.archivedAt),
    custom_fields: structuredClone(record.customFields ?? {}),
    // Propsync's write-back, shown on the contact so agents see it; written via /nurture only.
    engagement_score: record.nurture?.engagementScore ?? null,
    engagement_scored_at:
      record.nurture?.engagementScoredAt == null ? null : isoTime(record.nurture.engagementScoredAt),
    hot_lead: record.nurture?.hotLead ?? false,
    hot_lead_at: record.nurture?.hotLeadAt == null ? null : isoTime(record.nurture.hotLeadAt),
  };
}

/** RFC 7386 merge: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (typeof value === 'object' && !Array.isArray(value)) {
      const existing = result[key];
      const base =
        typeof existing === 'object' && existing !== null && !Array.isArray(existing)
          ? (existing as JsonObject)
          : {};
      result[key] = mergePatch(base, value as JsonObject);
    } else result[key] = structuredClone(value);
  }
  return result;
}

/** Marks exactly one entry primary: the first one flagged, else the first. */
export function withOnePrimary<T extends { primary: boolean }>(entries: T[]): T[] {
  const chosen = Math.max(
    0,
    entries.findIndex((entry) => entry.primary),
  );
  return entries.map((entry, i) => ({ ...entry, primary: i === chosen }));
}
