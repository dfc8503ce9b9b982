import type { TimedRecord } from '../toolkit/timed-collection.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { udprnOf } from './street-person.model.ts';
import { POSTCODE_UNIT_LETTERS, STREET_NAMES, STREET_SUFFIXES, TOWNS } from '../toolkit/uk-reference-data.ts';
import {
  STREET_LETTINGS_OFFER_STATUSES,
  STREET_SALES_OFFER_STATUSES,
  STREET_VALUATION_STATUSES,
  STREET_VIEWING_STATUSES,
  type StreetOfferKind,
  type StreetOfferStatus,
  type StreetValuationStatus,
  type StreetViewingStatus,
  type StreetWebhookEvent,
} from './street-constants.ts';
import { streetUuid } from './street-ids.ts';
import {
  applicantSeq,
  fieldsOf,
  renderAddress,
  renderApplicant,
  renderPerson,
  streetTime,
  type JsonObject,
  type PersonRecord,
  type RenderContext,
  type StreetAddress,
  type StreetApplicantKind,
} from './street-person.model.ts';

/** A viewing of a property by one of a person's applicants. */
export interface ViewingRecord extends TimedRecord {
  personSeq: number;
  applicantKind: StreetApplicantKind;
  /** The viewed property (someone else's listing). */
  propertySeq: number;
  start: number;
  end: number;
  status: StreetViewingStatus;
  cancelledAt: number | null;
}

/** A market appraisal of a property the person owns. */
export interface ValuationRecord extends TimedRecord {
  personSeq: number;
  valuationType: StreetApplicantKind;
  propertySeq: number;
  start: number;
  end: number;
  status: StreetValuationStatus;
}

/** A sales or lettings offer made by one of a person's applicants. */
export interface OfferRecord extends TimedRecord {
  kind: StreetOfferKind;
  personSeq: number;
  propertySeq: number;
  /** Pounds: the price for sales, the monthly rent for lettings. */
  amount: number;
  status: StreetOfferStatus;
}

/** A note on a person (Street's write-back target). */
export interface NoteRecord extends TimedRecord {
  personSeq: number;
  body: string;
  author: string | null;
  pinnedAt: number | null;
}

// Viewed properties are other agencies' listings: numbered far above the people's own properties.
export const LISTED_PROPERTY_BASE = 1_000_000_000;

const addressRandom = new SeededRandom(1);

/** A plausible address for a listed property, stable per property. */
function listedPropertyAddress(seed: number, propertySeq: number): StreetAddress {
  const random = addressRandom.reseed(mixSeed(seed, 'street-listed-property', propertySeq));
  const town = random.pick(TOWNS);
  const area = random.pick(town.areas);
  const street = `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`;
  const number = String(random.int(1, 180));
  const letters = POSTCODE_UNIT_LETTERS;
  const postcode = `${area.outward} ${random.int(1, 9)}${letters[random.int(0, letters.length - 1)]}${letters[random.int(0, letters.length - 1)]}`;
  return {
    building_number: number,
    building_name: null,
    street,
    line_1: `${number} ${street}`,
    line_2: area.district === '' ? null : area.district,
    line_3: town.town,
    line_4: town.county,
    town: town.town,
    postcode,
    country: 'United Kingdom',
    udprn: udprnOf({ postcode, buildingNumber: number, buildingName: '', street }),
  };
}

function relationship(type: string, id: string): JsonObject {
  return { data: { type, id } };
}

function personIdOf(seed: number, personSeq: number): string {
  return streetUuid(seed, 'person', personSeq);
}

/** The Viewing resource object. */
export function renderViewing(record: ViewingRecord, context: RenderContext): JsonObject {
  const id = streetUuid(context.seed, 'viewing', record.seq);
  const confirmed = record.status === 'confirmed' || record.status === 'completed';
  return {
    type: 'viewing',
    id,
    attributes: {
      viewing_type: record.applicantKind,
      type: record.applicantKind,
      address: renderAddress(listedPropertyAddress(context.seed, record.propertySeq)),
      start: streetTime(record.start),
      end: streetTime(record.end),
      unaccompanied: false,
      agent_confirmed: confirmed,
      occupant_confirmed: confirmed,
      applicant_confirmed: confirmed,
      provisional: record.status === 'unconfirmed',
      occupant_type: 'By Owner',
      status: record.status,
      no_show: record.status === 'missed',
      cancelled_at: record.cancelledAt === null ? null : streetTime(record.cancelledAt),
      created_at: streetTime(record.created),
      updated_at: streetTime(record.modified),
    },
    relationships: {
      property: relationship('property', streetUuid(context.seed, 'property', record.propertySeq)),
      applicant: relationship(
        'applicant',
        streetUuid(context.seed, 'applicant', applicantSeq(record.personSeq, record.applicantKind)),
      ),
      notes: { data: [] },
    },
    links: { self: `${context.base}/viewings/${id}` },
  };
}

/** The Valuation resource object. */
export function renderValuation(record: ValuationRecord, context: RenderContext): JsonObject {
  const id = streetUuid(context.seed, 'valuation', record.seq);
  return {
    type: 'valuation',
    id,
    attributes: {
      valuation_type: record.valuationType,
      start: streetTime(record.start),
      end: streetTime(record.end),
      status: record.status,
      created_at: streetTime(record.created),
      updated_at: streetTime(record.modified),
    },
    relationships: {
      property: relationship('property', streetUuid(context.seed, 'property', record.propertySeq)),
      owner: relationship('owner', streetUuid(context.seed, 'owner', record.personSeq)),
      notes: { data: [] },
    },
    links: { self: `${context.base}/valuations/${id}` },
  };
}

/** The SalesOffer / LettingsOffer resource object. */
export function renderOffer(record: OfferRecord, context: RenderContext): JsonObject {
  const kind = record.kind === 'sales' ? 'sales_offer' : 'lettings_offer';
  const id = streetUuid(context.seed, kind, record.seq);
  return {
    type: kind,
    id,
    attributes: {
      amount: record.amount,
      ...(record.kind === 'lettings' ? { frequency: 'pcm' } : {}),
      status: record.status,
      created_at: streetTime(record.created),
      updated_at: streetTime(record.modified),
    },
    relationships: {
      property: relationship('property', streetUuid(context.seed, 'property', record.propertySeq)),
      applicant: relationship(
        'applicant',
        streetUuid(context.seed, 'applicant', applicantSeq(record.personSeq, record.kind)),
      ),
      notes: { data: [] },
    },
    links: { self: `${context.base}/${record.kind}-offers/${id}` },
  };
}

/** The Note resource object. */
export function renderNote(record: NoteRecord, context: RenderContext): JsonObject {
  const id = streetUuid(context.seed, 'note', record.seq);
  return {
    type: 'note',
    id,
    attributes: {
      body: record.body,
      author: record.author,
      pinned_at: record.pinnedAt === null ? null : streetTime(record.pinnedAt),
      created_at: streetTime(record.created),
      updated_at: streetTime(record.modified),
    },
    relationships: { person: relationship('person', personIdOf(context.seed, record.personSeq)) },
    links: { self: `${context.base}/notes/${id}` },
  };
}

/** The owner of a valued property: the people behind it (here, one). */
function renderOwner(person: PersonRecord, context: RenderContext): JsonObject {
  const fields = fieldsOf(person, context.seed);
  return {
    type: 'owner',
    id: streetUuid(context.seed, 'owner', person.seq),
    attributes: { name: [fields.title, fields.first_name, fields.last_name].filter(Boolean).join(' ') },
    relationships: { people: { data: [{ type: 'person', id: personIdOf(context.seed, person.seq) }] } },
  };
}

/**
 * Side-loads what an activity's `include` names: `applicant` / `owner` (each naming its people),
 * and `applicant.people` / `owner.people` (the person resources themselves).
 */
export function renderActivityIncluded(
  records: ReadonlyArray<{ personSeq: number; applicantKind?: StreetApplicantKind; kind?: StreetOfferKind }>,
  include: ReadonlySet<string>,
  lookup: (seq: number) => PersonRecord | undefined,
  context: RenderContext,
): JsonObject[] {
  const included = new Map<string, JsonObject>();
  const add = (resource: JsonObject) =>
    included.set(`${String(resource.type)}:${String(resource.id)}`, resource);
  for (const record of records) {
    const person = lookup(record.personSeq);
    if (person === undefined) continue;
    const applicantKind = record.applicantKind ?? record.kind;
    if (applicantKind !== undefined && (include.has('applicant') || include.has('applicant.people')))
      add(renderApplicant(person, applicantKind, context));
    if (applicantKind === undefined && (include.has('owner') || include.has('owner.people')))
      add(renderOwner(person, context));
    if (include.has('applicant.people') || include.has('owner.people')) add(renderPerson(person, context));
  }
  return [...included.values()];
}

export interface ActivityRecords {
  viewing: ViewingRecord;
  valuation: ValuationRecord;
  sales_offer: OfferRecord;
  lettings_offer: OfferRecord;
}
export type ActivityKind = keyof ActivityRecords;
export type ActivityRecord = ActivityRecords[ActivityKind];

/** What differs between Street's activity kinds: API path, webhook topic, statuses, who it concerns. */
export interface ActivitySpec {
  path: string;
  event: 'viewing' | 'valuation' | 'sales-offer' | 'lettings-offer';
  statuses: readonly string[];
  /** Who the activity concerns: an applicant (viewings, offers) or an owner (valuations). */
  via: 'applicant' | 'owner';
  render(record: ActivityRecord, context: RenderContext): JsonObject;
  /** `filter[type]` (sales|lettings), where the kind has one. */
  typeOf?(record: ActivityRecord): string;
}

export const ACTIVITY_KINDS: Record<ActivityKind, ActivitySpec> = {
  viewing: {
    path: 'viewings',
    event: 'viewing',
    statuses: STREET_VIEWING_STATUSES,
    via: 'applicant',
    render: (record, context) => renderViewing(record as ViewingRecord, context),
    typeOf: (record) => (record as ViewingRecord).applicantKind,
  },
  valuation: {
    path: 'valuations',
    event: 'valuation',
    statuses: STREET_VALUATION_STATUSES,
    via: 'owner',
    render: (record, context) => renderValuation(record as ValuationRecord, context),
    typeOf: (record) => (record as ValuationRecord).valuationType,
  },
  sales_offer: {
    path: 'sales-offers',
    event: 'sales-offer',
    statuses: STREET_SALES_OFFER_STATUSES,
    via: 'applicant',
    render: (record, context) => renderOffer(record as OfferRecord, context),
  },
  lettings_offer: {
    path: 'lettings-offers',
    event: 'lettings-offer',
    statuses: STREET_LETTINGS_OFFER_STATUSES,
    via: 'applicant',
    render: (record, context) => renderOffer(record as OfferRecord, context),
  },
};

export const offerKindOf = (kind: StreetOfferKind): 'sales_offer' | 'lettings_offer' => `${kind}_offer`;

/** The webhook topic of a change to an activity. */
export function activityEvent(kind: ActivityKind, change: 'created' | 'updated'): StreetWebhookEvent {
  return `${ACTIVITY_KINDS[kind].event}.${change}`;
}
