import { personOf, type GeneratedRecord } from '../toolkit/model-generated.ts';
import { SeededRandom, hashString, mixSeed } from '../toolkit/seeded-random.ts';
import { toE164 } from '../toolkit/uk-contact-format.ts';
import type { UkPerson } from '../toolkit/uk-people.ts';
import { streetUuid } from './street-ids.ts';

export type JsonObject = Record<string, unknown>;

/** Street's address shape (`AddressSimple`), as people, properties and viewings carry it. */
export interface StreetAddress {
  building_number: string | null;
  building_name: string | null;
  street: string | null;
  /** Number and street, e.g. "19 Lansdowne Road". */
  line_1: string | null;
  /** Locality. */
  line_2: string | null;
  /** Post town. */
  line_3: string | null;
  /** County. */
  line_4: string | null;
  town: string | null;
  postcode: string | null;
  country: string;
  /** Royal Mail Unique Delivery Point Reference Number (up to 8 digits). */
  udprn: string | null;
}

export interface StreetContactValue {
  value: string;
  notes: string | null;
  primary: boolean;
}

export type StreetContactPreferences = Record<'email' | 'post' | 'text' | 'phone', boolean>;
export type StreetStatuses = Record<'vendor' | 'landlord' | 'tenant', 'Current' | 'Previous' | null>;
export type StreetApplicantKind = 'sales' | 'lettings';

/** Everything about a person the simulator can change (attributes plus the roles behind relationships). */
export interface StreetPersonFields {
  title: string | null;
  first_name: string;
  last_name: string;
  address: StreetAddress | null;
  telephone_numbers: StreetContactValue[];
  email_addresses: StreetContactValue[];
  marketing_consent: boolean | null;
  contact_preferences: StreetContactPreferences;
  statuses: StreetStatuses;
  /** The sales and lettings applicants the person belongs to. */
  applicants: StreetApplicantKind[];
}

/** A stored person; `modified` is Street's `updated_at`. */
export interface PersonRecord extends GeneratedRecord<StreetPersonFields> {
  /** Soft-delete time (`filter[trashed]`), or null. */
  trashedAt: number | null;
}

/** Laravel's default date serialisation: ISO-8601 in UTC with microseconds. */
export function streetTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

// Roles of the shared UK people → Street statuses and applicants.
const extrasRandom = new SeededRandom(1);

/** A stable 8-digit UDPRN for an address: the same delivery point gives the same number in every run. */
export function udprnOf(parts: {
  postcode: string;
  buildingNumber: string;
  buildingName: string;
  street: string;
}): string {
  const hash = hashString(`${parts.postcode}|${parts.buildingNumber}|${parts.buildingName}|${parts.street}`);
  return String(10_000_000 + (hash % 89_999_999));
}

function lineOne(buildingNumber: string, street: string): string {
  return [buildingNumber, street].filter((part) => part !== '').join(' ');
}

/** Builds a generated person's Street fields; deterministic in (seed, seq). */
export function fieldsFromPerson(person: UkPerson, seq: number, seed: number): StreetPersonFields {
  const random = extrasRandom.reseed(mixSeed(seed, 'street-person', seq));
  const roles = person.roles;
  const consent = person.marketingConsent;
  // Street normalises numbers to international format on entry (filter[telephone_number] needs it).
  const mobile = toE164(person.mobile) ?? person.mobile;
  const landline = person.landline === null ? null : (toE164(person.landline) ?? person.landline);
  const telephoneNumbers: StreetContactValue[] = [{ value: mobile, notes: 'Mobile', primary: true }];
  if (landline !== null) telephoneNumbers.push({ value: landline, notes: 'Home', primary: false });
  // Laravel's TrimStrings middleware trims input: Street never holds padded addresses, only case varies.
  const email = person.email.trim();
  const emailAddresses: StreetContactValue[] = [{ value: email, notes: null, primary: true }];
  if (random.chance(0.08)) {
    const local = email.split('@')[0] ?? 'contact';
    const secondary: StreetContactValue = {
      value: `${local}@${random.pick(['work.example.co.uk', 'office.example.com'])}`,
      notes: 'Work',
      primary: false,
    };
    // Street keeps entry order, so the primary address is not always first.
    if (random.chance(0.5)) emailAddresses.unshift(secondary);
    else emailAddresses.push(secondary);
  }
  const granted = consent === 'granted';
  return {
    title: person.title,
    first_name: person.forename,
    last_name: person.surname,
    address: {
      building_number: person.buildingNumber === '' ? null : person.buildingNumber,
      building_name: person.buildingName === '' ? null : person.buildingName,
      street: person.street,
      line_1: lineOne(person.buildingNumber, person.street),
      line_2: person.district === '' ? null : person.district,
      line_3: person.town,
      line_4: person.county,
      town: person.town,
      postcode: person.postcode,
      country: 'United Kingdom',
      udprn: random.chance(0.92)
        ? udprnOf({
            postcode: person.postcode,
            buildingNumber: person.buildingNumber,
            buildingName: person.buildingName,
            street: person.street,
          })
        : null,
    },
    telephone_numbers: telephoneNumbers,
    email_addresses: emailAddresses,
    marketing_consent: consent === 'granted' ? true : consent === 'denied' ? false : null,
    contact_preferences: {
      email: granted && !random.chance(0.1),
      post: consent !== 'denied',
      text: granted && random.chance(0.7),
      phone: granted && random.chance(0.6),
    },
    statuses: {
      vendor: roles.includes('vendor') ? 'Current' : random.chance(0.06) ? 'Previous' : null,
      landlord: roles.includes('landlord') ? 'Current' : random.chance(0.04) ? 'Previous' : null,
      tenant: roles.includes('activeTenant') ? 'Current' : random.chance(0.08) ? 'Previous' : null,
    },
    applicants: [
      ...(roles.includes('buyerApplicant') ? (['sales'] as const) : []),
      ...(roles.includes('tenantApplicant') ? (['lettings'] as const) : []),
    ],
  };
}

/** The current fields of a record (materialised or computed). */
export function fieldsOf(record: PersonRecord, seed: number): StreetPersonFields {
  return record.fields ?? fieldsFromPerson(personOf(record), record.seq, seed);
}

// Applicants and owned properties are numbered from the person: two slots each.
export function applicantSeq(personSeq: number, kind: StreetApplicantKind): number {
  return (personSeq - 1) * 2 + (kind === 'sales' ? 1 : 2);
}

export type OwnedPropertyKind = 'home' | 'let';

export function propertySeq(personSeq: number, kind: OwnedPropertyKind): number {
  return (personSeq - 1) * 2 + (kind === 'home' ? 1 : 2);
}

/** Properties a person owns: their home when they sell (or sold) with the agency, a let when a landlord. */
export function ownedPropertyKinds(fields: StreetPersonFields): OwnedPropertyKind[] {
  return [
    ...(fields.statuses.vendor !== null ? (['home'] as const) : []),
    ...(fields.statuses.landlord !== null ? (['let'] as const) : []),
  ];
}

export function fullNameOf(fields: Pick<StreetPersonFields, 'first_name' | 'last_name'>): string {
  return [fields.first_name, fields.last_name].filter((part) => part.trim() !== '').join(' ');
}

function singleLine(address: StreetAddress): string {
  return [
    address.building_name,
    address.line_1,
    address.line_2,
    address.town ?? address.line_3,
    address.postcode,
  ]
    .filter((part): part is string => part !== null && part !== '')
    .join(', ');
}

export function renderAddress(address: StreetAddress | null): JsonObject | null {
  if (address === null) return null;
  return {
    single_line: singleLine(address),
    anon_single_line: [address.street, address.line_2, address.town ?? address.line_3]
      .filter((part) => part !== null && part !== '')
      .join(', '),
    ...address,
  };
}

const BUYING_POSITIONS = [
  'First-time buyer',
  'No property to sell',
  'Property to sell',
  'In process of selling - On the market',
  'In process of selling - Sold STC',
  'Investor',
] as const;
const FINANCIAL_POSITIONS = [
  'Agreement in Principle in place',
  'Nothing in place',
  'Does not need Finance (Cash Buyer)',
  'Currently seeing agent’s mortgage advisor',
] as const;
const LETTING_POSITIONS = ['Renting', 'Living with Family', 'Homeowner', 'Other'] as const;
const LEAD_RATINGS = ['hot', 'warm', 'cold', null] as const;

/** Where resources link to: the absolute base of the API, e.g. `http://127.0.0.1:4102/open-api/v1`. */
export interface RenderContext {
  seed: number;
  base: string;
  noteIds: (personSeq: number) => readonly string[];
}

/** A sales or lettings applicant, as `include=applicants` side-loads it. */
export function renderApplicant(
  record: PersonRecord,
  kind: StreetApplicantKind,
  context: RenderContext,
): JsonObject {
  const fields = fieldsOf(record, context.seed);
  const seq = applicantSeq(record.seq, kind);
  const id = streetUuid(context.seed, 'applicant', seq);
  const random = extrasRandom.reseed(mixSeed(context.seed, 'street-applicant', seq));
  const area = record.person?.district || fields.address?.town || 'Manchester';
  const bedrooms = random.int(1, 4);
  const requirements =
    kind === 'sales'
      ? { min_price: random.int(6, 16) * 25_000, max_price: 0, min_bedrooms: bedrooms, areas: [area] }
      : {
          min_price: random.int(8, 20) * 100,
          max_price: 0,
          min_bedrooms: bedrooms,
          furnished: random.chance(0.5) ? random.chance(0.5) : null,
          areas: [area],
        };
  requirements.max_price =
    requirements.min_price + (kind === 'sales' ? random.int(2, 8) * 25_000 : random.int(3, 10) * 100);
  return {
    type: 'applicant',
    id,
    attributes: {
      applicant_type: kind,
      name: fullNameOf(fields),
      financial_position: kind === 'sales' ? random.pick(FINANCIAL_POSITIONS) : null,
      buying_position: kind === 'sales' ? random.pick(BUYING_POSITIONS) : null,
      letting_position: kind === 'lettings' ? random.pick(LETTING_POSITIONS) : null,
      requirements,
      active: !random.chance(0.1),
      lead_rating: random.pickWeighted(LEAD_RATINGS, [10, 35, 25, 30]),
      created_at: streetTime(record.created),
      updated_at: streetTime(record.created),
    },
    relationships: {
      people: { data: [{ type: 'person', id: streetUuid(context.seed, 'person', record.seq) }] },
    },
    links: { self: `${context.base}/${kind}-applicants/${id}` },
  };
}

/** The person resource object, as `GET /people/{id}` returns it in `data`. */
export function renderPerson(record: PersonRecord, context: RenderContext): JsonObject {
  const fields = fieldsOf(record, context.seed);
  const id = streetUuid(context.seed, 'person', record.seq);
  const self = `${context.base}/people/${id}`;
  const resource: JsonObject = {
    type: 'person',
    id,
    attributes: {
      full_name: fullNameOf(fields),
      title: fields.title,
      first_name: fields.first_name,
      last_name: fields.last_name,
      address: renderAddress(fields.address),
      telephone_numbers: fields.telephone_numbers.map((entry) => ({ ...entry })),
      email_addresses: fields.email_addresses.map((entry) => ({ ...entry })),
      marketing_consent: fields.marketing_consent,
      contact_preferences: { ...fields.contact_preferences },
      statuses: { ...fields.statuses },
      created_at: streetTime(record.created),
      updated_at: streetTime(record.modified),
    },
    relationships: {
      properties: {
        data: ownedPropertyKinds(fields).map((kind) => ({
          type: 'property',
          id: streetUuid(context.seed, 'property', propertySeq(record.seq, kind)),
        })),
        links: { self: `${self}/relationships/properties`, related: `${self}/properties` },
      },
      applicants: {
        data: fields.applicants.map((kind) => ({
          type: 'applicant',
          id: streetUuid(context.seed, 'applicant', applicantSeq(record.seq, kind)),
        })),
        links: { self: `${self}/relationships/applicants`, related: `${self}/applicants` },
      },
      notes: {
        data: context.noteIds(record.seq).map((noteId) => ({ type: 'note', id: noteId })),
        links: { self: `${self}/relationships/notes`, related: `${self}/notes` },
      },
    },
    links: { self },
  };
  // Soft-deleted people appear only with filter[trashed]; Street's schema has no attribute for it.
  if (record.trashedAt !== null) resource.meta = { deleted_at: streetTime(record.trashedAt) };
  return resource;
}

/** The side-loaded resources `include` asks for, for a set of people (each once). */
export function renderIncluded(
  records: readonly PersonRecord[],
  include: ReadonlySet<string>,
  context: RenderContext,
): JsonObject[] {
  const included: JsonObject[] = [];
  for (const record of records) {
    const fields = fieldsOf(record, context.seed);
    if (include.has('applicants'))
      for (const kind of fields.applicants) included.push(renderApplicant(record, kind, context));
  }
  return included;
}
