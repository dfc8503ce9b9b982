import { personOf, type GeneratedRecord } from '../toolkit/model-generated.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { formatPhone } from '../toolkit/uk-contact-format.ts';
import type { UkPerson } from '../toolkit/uk-people.ts';
import { type AgentosContactType, type AgentosTenancyStatus } from './agentos-constants.ts';

/** Nurture outcomes kept on a contact: engagement score and hot-lead flag (docs/crms/agentos.md). */
export interface EngagementRecord {
  EngagementScore: number | null;
  EngagementScoreDate: string | null;
  HotLead: boolean;
  HotLeadDate: string | null;
  ModifiedDate: string | null;
}

export type JsonObject = Record<string, unknown>;

/** agentOS's address block, nested under `Address` on every contact record. */
export interface AgentosAddress {
  Number: string;
  Name: string;
  Street: string;
  Locality: string;
  Town: string;
  County: string;
  Postcode: string;
  Country: string;
}

/** What an applicant is looking for (lettings: rent per month; sales: price). */
export interface AgentosRequirements {
  MinBedrooms: number;
  MaxRentPcm?: number;
  MaxPrice?: number;
  Areas: string[];
  BuyingPosition?: string;
}

/** The writable part of a contact record; the role-specific fields exist only on their list. */
export interface AgentosContactFields {
  Title: string | null;
  Forename: string | null;
  Surname: string;
  EmailAddress: string | null;
  MobilePhone: string | null;
  HomePhone: string | null;
  WorkPhone: string | null;
  DateOfBirth: string | null;
  Address: AgentosAddress | null;
  BranchOID: string;
  /** Tenants only. */
  TenancyStatus?: AgentosTenancyStatus;
  TenancyStartDate?: string | null;
  /** Lettings and sales applicants only. */
  Requirements?: AgentosRequirements;
  /** Landlords only. */
  PropertyCount?: number;
  /** Vendors only. */
  SaleStatus?: string;
}

/**
 * One record of one contact list (`seq`, 1-based within its list, is part of the OID). Consent
 * and archiving live on the record because the list indexes read them.
 */
export interface ContactRecord extends GeneratedRecord<AgentosContactFields> {
  type: AgentosContactType;
  /** SQL-Server-style rowversion: the ETag, bumped by every write anywhere in the agency. */
  rowVersion: number;
  /** Third-party marketing consent: true granted, false refused, null never asked. */
  consent: boolean | null;
  archived: boolean;
  deleted: boolean;
  /**
   * Nurture outcomes an integration wrote (score, hot-lead flag and timestamp: docs/crms/agentos.md); null
   * until the first write. Shown on the record, but outside its ETag (see README).
   */
  engagement: EngagementRecord | null;
}

// Entity codes inside OIDs: the simulator can route an OID to its list without a lookup table.
export const ENTITY_CODES = {
  Tenant: 1,
  Landlord: 2,
  LettingsApplicant: 3,
  SalesApplicant: 4,
  Vendor: 5,
  appointment: 6,
  offer: 7,
  logEntry: 8,
  webhook: 9,
  branch: 10,
  property: 11,
} as const;
export type EntityKind = keyof typeof ENTITY_CODES;

const oidRandom = new SeededRandom(1);
const hex = (value: number, digits: number) =>
  (value >>> 0).toString(16).toUpperCase().padStart(digits, '0').slice(-digits);

const masks = new Map<string, [number, number]>();
/** Per (seed, kind) 48-bit mask that hides the sequence in the last OID block (reversibly). */
function sequenceMask(seed: number, code: number): [number, number] {
  const key = `${seed}:${code}`;
  let mask = masks.get(key);
  if (mask === undefined) {
    const random = new SeededRandom(mixSeed(seed, 'oid-mask', code));
    mask = [random.uint32() & 0xffff, random.uint32()];
    if (masks.size > 256) masks.clear();
    masks.set(key, mask);
  }
  return mask;
}

/**
 * A GUID-shaped OID, deterministic in (seed, kind, seq): `XXXXXXXX-XXXX-4KXX-8XXX-SSSSSSSSSSSS`,
 * where K is the entity code and S the masked sequence. Looks random, parses without an index.
 */
export function agentosOid(seed: number, kind: EntityKind, seq: number): string {
  const code = ENTITY_CODES[kind];
  const random = oidRandom.reseed(mixSeed(seed, 'oid', code, seq));
  const a = random.uint32();
  const b = random.uint32();
  const c = random.uint32();
  const [maskHigh, maskLow] = sequenceMask(seed, code);
  const high = (Math.floor(seq / 0x100000000) ^ maskHigh) & 0xffff;
  const low = (seq ^ maskLow) >>> 0;
  return `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(code, 1)}${hex(b, 2)}-${hex(0x8000 | (c & 0x3fff), 4)}-${hex(high, 4)}${hex(low, 8)}`;
}

const OID_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-4([0-9A-F])[0-9A-F]{2}-[0-9A-F]{4}-([0-9A-F]{4})([0-9A-F]{8})$/;

/** The sequence of an OID of `kind` issued with `seed`, or null for anything else (forged, other kind). */
export function seqOfOid(seed: number, kind: EntityKind, oid: string): number | null {
  const upper = oid.trim().toUpperCase();
  const match = OID_PATTERN.exec(upper);
  const code = ENTITY_CODES[kind];
  if (match === null || Number.parseInt(match[1] ?? '', 16) !== code) return null;
  const [maskHigh, maskLow] = sequenceMask(seed, code);
  const seq =
    ((Number.parseInt(match[2] ?? '', 16) ^ maskHigh) & 0xffff) * 0x100000000 +
    ((Number.parseInt(match[3] ?? '', 16) ^ maskLow) >>> 0);
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  return agentosOid(seed, kind, seq) === upper ? seq : null;
}

/** `ETag`: the rowversion as SQL Server hands it out, 8 bytes in base64 (e.g. `AAAAAAAB2Kc=`). */
export function etagOf(rowVersion: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(rowVersion));
  return bytes.toString('base64');
}

/** ISO-8601 in UTC with milliseconds (the simulator's choice; see README). */
export function agentosTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Propsync-side id of a record: `<ContactType>:<OID>` (OIDs alone do not say which list). */
export function externalIdOf(type: AgentosContactType, oid: string): string {
  return `${type}:${oid}`;
}

/** Branches of the simulated agency; contacts belong to the branch of their town. */
export const AGENTOS_BRANCHES = [
  { seq: 1, name: 'Head Office', town: null },
  { seq: 2, name: 'Clapham', town: 'London' },
  { seq: 3, name: 'Manchester', town: 'Manchester' },
  { seq: 4, name: 'Leeds', town: 'Leeds' },
  { seq: 5, name: 'Birmingham', town: 'Birmingham' },
  { seq: 6, name: 'Bristol', town: 'Bristol' },
] as const;

export function branchSeqOfTown(town: string): number {
  return AGENTOS_BRANCHES.find((branch) => branch.town === town)?.seq ?? 1;
}

// Ofcom drama range for work numbers: 020 7946 0000-0999.
const WORK_PHONE_PREFIX = '+442079460';
const BUYING_POSITIONS = ['First time buyer', 'Chain free', 'Property to sell', 'Investor'] as const;
const SALE_STATUSES = ['Valuation', 'For Sale', 'Under Offer', 'Sold STC'] as const;
const SALE_STATUS_WEIGHTS = [20, 45, 20, 15];
const PROPERTY_COUNTS = [1, 2, 3, 4, 6, 12] as const;
const PROPERTY_COUNT_WEIGHTS = [55, 20, 10, 7, 5, 3];
const DAY_MS = 86_400_000;

const extrasRandom = new SeededRandom(1);

/** A generated record's fields, deterministic in (seed, type, seq). */
export function fieldsFromPerson(
  person: UkPerson,
  type: AgentosContactType,
  seq: number,
  seed: number,
  created: number,
): AgentosContactFields {
  const random = extrasRandom.reseed(mixSeed(seed, 'agentos-contact', type, seq));
  const hasWorkPhone = random.chance(0.1);
  const workSlot = random.int(0, 999);
  const fields: AgentosContactFields = {
    Title: person.title,
    Forename: person.forename,
    Surname: person.surname,
    EmailAddress: person.email,
    MobilePhone: person.mobile,
    HomePhone: person.landline,
    WorkPhone: hasWorkPhone
      ? formatPhone(WORK_PHONE_PREFIX + String(workSlot).padStart(3, '0'), person.phoneStyle)
      : null,
    DateOfBirth: random.chance(0.6) ? person.dateOfBirth : null,
    Address: {
      Number: person.buildingNumber,
      Name: person.buildingName,
      Street: person.street,
      Locality: person.district,
      Town: person.town,
      County: person.county,
      Postcode: person.postcode,
      Country: 'United Kingdom',
    },
    BranchOID: '',
  };
  const area = person.district || person.town;
  const london = person.town === 'London';
  switch (type) {
    case 'Tenant':
      fields.TenancyStatus = 'Current';
      fields.TenancyStartDate = new Date(Math.max(created, created + random.int(0, 900) * DAY_MS))
        .toISOString()
        .slice(0, 10);
      break;
    case 'LettingsApplicant':
      fields.Requirements = {
        MinBedrooms: random.int(0, 3),
        MaxRentPcm: random.int(london ? 30 : 16, london ? 80 : 40) * 50,
        Areas: [area],
      };
      break;
    case 'SalesApplicant':
      fields.Requirements = {
        MinBedrooms: random.int(1, 5),
        MaxPrice: random.int(london ? 80 : 36, london ? 300 : 120) * 5000,
        Areas: [area],
        BuyingPosition: random.pick(BUYING_POSITIONS),
      };
      break;
    case 'Landlord':
      fields.PropertyCount = random.pickWeighted(PROPERTY_COUNTS, PROPERTY_COUNT_WEIGHTS);
      break;
    case 'Vendor':
      fields.SaleStatus = random.pickWeighted(SALE_STATUSES, SALE_STATUS_WEIGHTS);
      break;
  }
  return fields;
}

/** The current fields of a record (materialised or computed). */
export function fieldsOf(record: ContactRecord, seed: number): AgentosContactFields {
  if (record.fields !== null) return record.fields;
  const person = personOf(record);
  const fields = fieldsFromPerson(person, record.type, record.seq, seed, record.created);
  fields.BranchOID = agentosOid(seed, 'branch', branchSeqOfTown(person.town));
  return fields;
}

/** True when the API shows the record at all: it exists and third-party marketing consent was given. */
export function isVisible(record: ContactRecord): boolean {
  return !record.deleted && record.consent === true;
}

/** The record as `GET /{list}/{oid}` and list pages return it. */
export function renderContact(record: ContactRecord, seed: number): JsonObject {
  const fields = fieldsOf(record, seed);
  // The fields carry the API's names in its order, the list's own ones last; nested objects are copied.
  const { Address, Requirements } = fields;
  const model: JsonObject = {
    OID: agentosOid(seed, record.type, record.seq),
    ETag: etagOf(record.rowVersion),
    ContactType: record.type,
    ...fields,
    Address: Address === null ? null : { ...Address },
    ...(Requirements && { Requirements: { ...Requirements, Areas: [...Requirements.Areas] } }),
  };
  model.ThirdPartyMarketingConsent = record.consent;
  model.EngagementScore = record.engagement?.EngagementScore ?? null;
  model.EngagementScoreDate = record.engagement?.EngagementScoreDate ?? null;
  model.HotLead = record.engagement?.HotLead ?? false;
  model.HotLeadDate = record.engagement?.HotLeadDate ?? null;
  model.IsArchived = record.archived;
  model.CreatedDate = agentosTime(record.created);
  model.ModifiedDate = agentosTime(record.modified);
  return model;
}
