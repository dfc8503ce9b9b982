import { createHash } from 'node:crypto';
import { personOf, type GeneratedRecord } from '../toolkit/model-generated.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { formatPhone } from '../toolkit/uk-contact-format.ts';
import type { PersonRole, UkPerson } from '../toolkit/uk-people.ts';
import { REAPIT_ROLE_CATEGORY_IDS } from './reapit-constants.ts';

/** Reapit's address shape (primaryAddress, secondaryAddress, workAddress). */
export interface ReapitAddress {
  type: string;
  buildingName: string;
  buildingNumber: string;
  /** Street. */
  line1: string;
  /** Locality / district. */
  line2: string;
  /** Town. */
  line3: string;
  /** County. */
  line4: string;
  postcode: string;
  countryId: string;
}

export type ReapitMarketingConsent = 'grant' | 'deny' | 'notAsked';

/** The writable part of a ContactModel. */
export interface ReapitContactFields {
  title: string | null;
  forename: string | null;
  surname: string;
  dateOfBirth: string | null;
  active: boolean;
  marketingConsent: ReapitMarketingConsent;
  identityCheck: string;
  source: { id: string; type: string };
  homePhone: string | null;
  workPhone: string | null;
  mobilePhone: string | null;
  email: string | null;
  primaryAddress: ReapitAddress | null;
  secondaryAddress: ReapitAddress | null;
  workAddress: ReapitAddress | null;
  officeIds: string[];
  negotiatorIds: string[];
  categoryIds: string[];
  communicationPreferenceLetter: boolean;
  communicationPreferenceEmail: boolean;
  communicationPreferencePhone: boolean;
  communicationPreferenceSMS: boolean;
  additionalContactDetails: Array<{ type: string; value: string }>;
}

/** A stored contact. */
export interface ContactRecord extends GeneratedRecord<ReapitContactFields> {
  id: string;
  version: number;
  metadata: Record<string, unknown> | null;
  archivedOn: number | null;
  /** Roles an agent registered since (a tenant registered as a buyer to make an offer). */
  registeredRoles?: PersonRole[];
}

/** A contact's role, as Reapit's relationships (`embed=relationships`) describe it. */
export interface ReapitRelationship {
  id: string;
  created: string;
  modified: string;
  contactId: string;
  associatedType: 'applicant' | 'landlord' | 'tenancy' | 'vendor';
  associatedId: string;
  fromArchive: boolean;
  _links: Record<string, { href: string }>;
}

export type JsonObject = Record<string, unknown>;

// Ids: office prefix "RPT", then one digit naming the entity type and a seven-digit sequence,
// e.g. contact RPT20000029. Reapit ids are only unique within one customer, as here.
const ENTITY_DIGITS = {
  property: '1',
  contact: '2',
  buyingApplicant: '3',
  rentingApplicant: '4',
  vendor: '5',
  landlord: '6',
  tenancy: '7',
  offer: '8',
  appointment: '9',
} as const;
export type ReapitEntityKind = keyof typeof ENTITY_DIGITS;

export function reapitId(kind: ReapitEntityKind, seq: number): string {
  return `RPT${ENTITY_DIGITS[kind]}${String(seq).padStart(7, '0')}`;
}

/** The sequence number inside an id of the given kind, or null. */
export function seqOfId(kind: ReapitEntityKind, id: string): number | null {
  if (id.length !== 11 || !id.startsWith('RPT') || id[3] !== ENTITY_DIGITS[kind]) return null;
  const seq = Number(id.slice(4));
  return Number.isInteger(seq) && seq > 0 ? seq : null;
}

/** Reapit writes seven fractional digits (`2020-02-11T13:32:03.6759302Z`); we hold milliseconds. */
export function reapitTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '0000Z');
}

/** A quoted eTag that changes on every write, e.g. `"7AB1…"` (32 upper-case hex digits). */
export function eTagOf(id: string, version: number, modified: number): string {
  return `"${createHash('md5').update(`${id}|${version}|${modified}`).digest('hex').toUpperCase()}"`;
}

/** Each role's entity; its relationship id (`RPR<digit><seq>`) takes the entity's id digit. */
const ROLE_RELATIONSHIPS: Record<
  PersonRole,
  { kind: ReapitEntityKind; associatedType: ReapitRelationship['associatedType']; topic: string }
> = {
  buyerApplicant: { kind: 'buyingApplicant', associatedType: 'applicant', topic: 'applicants.modified' },
  tenantApplicant: { kind: 'rentingApplicant', associatedType: 'applicant', topic: 'applicants.modified' },
  vendor: { kind: 'vendor', associatedType: 'vendor', topic: 'vendors.modified' },
  landlord: { kind: 'landlord', associatedType: 'landlord', topic: 'landlords.modified' },
  activeTenant: { kind: 'tenancy', associatedType: 'tenancy', topic: 'tenancies.modified' },
};

const OFFICE_BY_TOWN: Record<string, string> = {
  London: 'LDN',
  Manchester: 'MAN',
  Leeds: 'LDS',
  Birmingham: 'BHM',
  Bristol: 'BRS',
};
export const REAPIT_NEGOTIATOR_IDS = [
  'JAS',
  'RMK',
  'LHB',
  'DPW',
  'SKT',
  'AOF',
  'MJP',
  'CEH',
  'NRB',
  'TWG',
] as const;
const SOURCES = [
  { id: 'RMV', type: 'source' },
  { id: 'ZPL', type: 'source' },
  { id: 'OTM', type: 'source' },
  { id: 'WEB', type: 'source' },
  { id: 'REF', type: 'source' },
  { id: 'LDN', type: 'office' },
] as const;
const SOURCE_WEIGHTS = [35, 20, 8, 20, 7, 10];
const IDENTITY_CHECKS = ['pass', 'unchecked', 'pending', 'warnings', 'fail'] as const;
const IDENTITY_WEIGHTS = [45, 35, 10, 7, 3];
const CONSENT_TO_REAPIT = { granted: 'grant', denied: 'deny', not_asked: 'notAsked' } as const;
// Ofcom drama range for work numbers: 020 7946 0000-0999.
const WORK_PHONE_PREFIX = '+442079460';

const extrasRandom = new SeededRandom(1);

/** The relationships a generated contact has (contacts created through the API have none). */
export function rolesOf(record: ContactRecord): readonly PersonRole[] {
  const generated = record.person?.roles ?? [];
  return record.registeredRoles === undefined ? generated : [...generated, ...record.registeredRoles];
}

/** Builds a generated contact's fields from its person; deterministic in (seed, seq). */
export function fieldsFromPerson(person: UkPerson, seq: number, seed: number): ReapitContactFields {
  const random = extrasRandom.reseed(mixSeed(seed, 'contact', seq));
  const consent = CONSENT_TO_REAPIT[person.marketingConsent];
  const office = OFFICE_BY_TOWN[person.town] ?? 'RPT';
  const source = random.pickWeighted(SOURCES, SOURCE_WEIGHTS);
  const hasWorkPhone = random.chance(0.12);
  const workSlot = random.int(0, 999);
  return {
    title: person.title,
    forename: person.forename,
    surname: person.surname,
    dateOfBirth: random.chance(0.7) ? person.dateOfBirth : null,
    active: !random.chance(0.02),
    marketingConsent: consent,
    identityCheck: random.pickWeighted(IDENTITY_CHECKS, IDENTITY_WEIGHTS),
    source: { id: source.id, type: source.type },
    homePhone: person.landline,
    workPhone: hasWorkPhone
      ? formatPhone(WORK_PHONE_PREFIX + String(workSlot).padStart(3, '0'), person.phoneStyle)
      : null,
    mobilePhone: person.mobile,
    email: person.email,
    primaryAddress: {
      type: 'primary',
      buildingName: person.buildingName,
      buildingNumber: person.buildingNumber,
      line1: person.street,
      line2: person.district,
      line3: person.town,
      line4: person.county,
      postcode: person.postcode,
      countryId: 'GB',
    },
    secondaryAddress: null,
    workAddress: null,
    officeIds: [office],
    negotiatorIds: [random.pick(REAPIT_NEGOTIATOR_IDS)],
    categoryIds: person.roles.map((role) => REAPIT_ROLE_CATEGORY_IDS[role]),
    communicationPreferenceLetter: consent !== 'deny',
    communicationPreferenceEmail: consent === 'grant' ? !random.chance(0.1) : false,
    communicationPreferencePhone: consent === 'grant' ? random.chance(0.6) : false,
    communicationPreferenceSMS: consent === 'grant' ? random.chance(0.7) : false,
    additionalContactDetails: [],
  };
}

/** The primary office, without building the whole field set. */
export function officeIdOf(record: ContactRecord): string {
  if (record.fields !== null) return record.fields.officeIds[0] ?? 'RPT';
  return OFFICE_BY_TOWN[record.person?.town ?? ''] ?? 'RPT';
}

/** The current fields of a record (materialised or computed). */
export function fieldsOf(record: ContactRecord, seed: number): ReapitContactFields {
  return record.fields ?? fieldsFromPerson(personOf(record), record.seq, seed);
}

/** Cheap reads for filters that scan many records without building their fields. */
export function emailOf(record: ContactRecord): string | null {
  return record.fields !== null ? record.fields.email : (record.person?.email ?? null);
}

export function nameOf(record: ContactRecord): {
  title: string | null;
  forename: string | null;
  surname: string;
} {
  if (record.fields !== null) return record.fields;
  const person = record.person;
  return { title: person?.title ?? null, forename: person?.forename ?? null, surname: person?.surname ?? '' };
}

export function relationshipsOf(record: ContactRecord): ReapitRelationship[] {
  const created = reapitTime(record.created);
  return rolesOf(record).map((role) => {
    const spec = ROLE_RELATIONSHIPS[role];
    const associatedId = reapitId(spec.kind, record.seq);
    const id = `RPR${ENTITY_DIGITS[spec.kind]}${String(record.seq).padStart(7, '0')}`;
    const relationship: ReapitRelationship = {
      id,
      created,
      modified: created,
      contactId: record.id,
      associatedType: spec.associatedType,
      associatedId,
      fromArchive: false,
      _links: {
        self: { href: `/contacts/${record.id}/relationships/${id}` },
        contact: { href: `/contacts/${record.id}` },
        [spec.associatedType]: {
          href: `/${spec.associatedType === 'tenancy' ? 'tenancies' : `${spec.associatedType}s`}/${associatedId}`,
        },
      },
    };
    // Only what Reapit's ContactRoleModel has: the marketing mode lives on the applicant itself.
    return relationship;
  });
}

/** The applicant id of a contact's buying (or, failing that, renting) applicant role. */
export function applicantIdOf(record: ContactRecord): string | null {
  const roles = rolesOf(record);
  if (roles.includes('buyerApplicant')) return reapitId('buyingApplicant', record.seq);
  if (roles.includes('tenantApplicant')) return reapitId('rentingApplicant', record.seq);
  return null;
}

/**
 * The ApplicantModel (`GET /applicants/{id}`) of a contact's applicant role, or null when the id
 * names no applicant: `marketingMode` buying or renting, with its `buying` or `renting` details.
 */
export function renderApplicant(record: ContactRecord, applicantId: string, seed: number): JsonObject | null {
  const roles = rolesOf(record);
  const buying = seqOfId('buyingApplicant', applicantId) === record.seq && roles.includes('buyerApplicant');
  const renting =
    seqOfId('rentingApplicant', applicantId) === record.seq && roles.includes('tenantApplicant');
  if (!buying && !renting) return null;
  return {
    id: applicantId,
    created: reapitTime(record.created),
    modified: reapitTime(record.modified),
    marketingMode: buying ? 'buying' : 'renting',
    active: record.archivedOn === null,
    ...(buying ? { buying: { priceFrom: 250_000, priceTo: 450_000 } } : {}),
    ...(renting
      ? { renting: { moveDate: null, term: 'long', rentFrom: 1200, rentTo: 1800, rentFrequency: 'monthly' } }
      : {}),
    related: [relatedContact(record, seed)],
    _eTag: eTagOf(applicantId, record.version, record.modified),
  };
}

/** The contact seq behind a role entity id (applicant, vendor, landlord, tenancy), or null. */
export function contactSeqOfRoleId(id: string): number | null {
  for (const kind of ['buyingApplicant', 'rentingApplicant', 'vendor', 'landlord', 'tenancy'] as const) {
    const seq = seqOfId(kind, id);
    if (seq !== null) return seq;
  }
  return null;
}

export interface RenderOptions {
  seed: number;
  /** Adds `relationships` (what `embed=relationships` asks for). */
  relationships?: boolean;
  /** Webhook payloads carry no app metadata, links or embeds. */
  forWebhook?: boolean;
}

/** The ContactModel as GET /contacts/{id} returns it. */
export function renderContact(record: ContactRecord, options: RenderOptions): JsonObject {
  const fields = fieldsOf(record, options.seed);
  const model: JsonObject = {
    id: record.id,
    created: reapitTime(record.created),
    modified: reapitTime(record.modified),
    title: fields.title,
    forename: fields.forename,
    surname: fields.surname,
    dateOfBirth: fields.dateOfBirth,
    active: fields.active,
    marketingConsent: fields.marketingConsent,
    identityCheck: fields.identityCheck,
    source: { ...fields.source },
    homePhone: fields.homePhone,
    workPhone: fields.workPhone,
    mobilePhone: fields.mobilePhone,
    email: fields.email,
    archivedOn: record.archivedOn === null ? null : reapitTime(record.archivedOn),
    fromArchive: record.archivedOn !== null,
    primaryAddress: fields.primaryAddress === null ? null : { ...fields.primaryAddress },
    secondaryAddress: fields.secondaryAddress === null ? null : { ...fields.secondaryAddress },
    workAddress: fields.workAddress === null ? null : { ...fields.workAddress },
    officeIds: [...fields.officeIds],
    negotiatorIds: [...fields.negotiatorIds],
    categoryIds: [...fields.categoryIds],
    communicationPreferenceLetter: fields.communicationPreferenceLetter,
    communicationPreferenceEmail: fields.communicationPreferenceEmail,
    communicationPreferencePhone: fields.communicationPreferencePhone,
    communicationPreferenceSMS: fields.communicationPreferenceSMS,
    additionalContactDetails: fields.additionalContactDetails.map((detail) => ({ ...detail })),
  };
  if (!options.forWebhook) model.metadata = structuredClone(record.metadata ?? {});
  if (options.relationships) model.relationships = relationshipsOf(record);
  model._eTag = eTagOf(record.id, record.version, record.modified);
  if (!options.forWebhook) {
    model._links = {
      self: { href: `/contacts/${record.id}` },
      documents: { href: `/documents/?ownerType=contact&ownerId=${record.id}` },
      identityChecks: { href: `/identityChecks/?contactId=${record.id}` },
      relationships: { href: `/contacts/${record.id}/relationships` },
      offices: { href: `/offices/?id=${fields.officeIds.join('&id=')}` },
      negotiators: { href: `/negotiators/?id=${fields.negotiatorIds.join('&id=')}` },
    };
    model._embedded = null;
  }
  return model;
}

/** The contact as it appears in a role entity's `related` list. */
function relatedContact(record: ContactRecord, seed: number): JsonObject {
  const fields = fieldsOf(record, seed);
  return {
    id: record.id,
    name: [fields.title, fields.forename, fields.surname].filter((part) => part).join(' '),
    title: fields.title,
    forename: fields.forename,
    surname: fields.surname,
    type: 'contact',
    homePhone: fields.homePhone,
    workPhone: fields.workPhone,
    mobilePhone: fields.mobilePhone,
    email: fields.email,
    marketingConsent: fields.marketingConsent,
    primaryAddress: fields.primaryAddress === null ? null : { ...fields.primaryAddress },
    fromArchive: record.archivedOn !== null,
  };
}

/**
 * Snapshots of the role entities (applicant, landlord, vendor, tenancy) that list this contact
 * in `related`, keyed by topic and entity id: a contact change fans out to one notification each.
 */
export function roleEntitySnapshots(
  record: ContactRecord,
  seed: number,
): Array<{ topicId: string; entityId: string; snapshot: JsonObject }> {
  const related = relatedContact(record, seed);
  return rolesOf(record).map((role) => {
    const spec = ROLE_RELATIONSHIPS[role];
    const entityId = reapitId(spec.kind, record.seq);
    const snapshot: JsonObject = {
      id: entityId,
      created: reapitTime(record.created),
      modified: reapitTime(record.modified),
      ...(spec.associatedType === 'applicant'
        ? { marketingMode: role === 'buyerApplicant' ? 'buying' : 'renting', active: true }
        : {}),
      ...(spec.associatedType === 'tenancy' ? { status: 'current' } : {}),
      related: [related],
      _eTag: eTagOf(entityId, record.version, record.modified),
    };
    return { topicId: spec.topic, entityId, snapshot };
  });
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Webhook `diff`: each changed field maps to `[old, new]`; objects (addresses) are diffed field by
 * field, so a postcode change reads `{ primaryAddress: { postcode: [old, new] } }`.
 */
export function diffSnapshots(before: JsonObject, after: JsonObject): JsonObject {
  const diff: JsonObject = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const oldValue = before[key];
    const newValue = after[key];
    if (sameJson(oldValue, newValue)) continue;
    if (isPlainObject(oldValue) && isPlainObject(newValue)) {
      const nested = diffSnapshots(oldValue, newValue);
      if (Object.keys(nested).length > 0) diff[key] = nested;
    } else {
      diff[key] = [oldValue ?? null, newValue ?? null];
    }
  }
  return diff;
}

/** True when a diff changes nothing but the bookkeeping fields (what `ignoreEtagOnlyChanges` skips). */
export function isEtagOnlyDiff(diff: JsonObject): boolean {
  return Object.keys(diff).every((key) => key === '_eTag' || key === 'modified');
}
