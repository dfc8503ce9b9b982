import type { TimedRecord } from '../toolkit/timed-collection.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { udprnOf } from './street-person.model.ts';
import { newPostcode, newStreet } from '../toolkit/random-edits.ts';
import { TOWNS } from '../toolkit/uk-reference-data.ts';
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
  const street = newStreet(random);
  const number = String(random.int(1, 180));
  const postcode = newPostcode(area.outward, random);
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

export interface ActivityRecords {
  viewing: ViewingRecord;
  valuation: ValuationRecord;
  sales_offer: OfferRecord;
  lettings_offer: OfferRecord;
}
export type ActivityKind = keyof ActivityRecords;
export type ActivityRecord = ActivityRecords[ActivityKind];

/** What differs between Street's activity kinds: API path, webhook topic, statuses, attributes, who it concerns. */
interface ActivitySpec {
  path: string;
  event: 'viewing' | 'valuation' | 'sales-offer' | 'lettings-offer';
  statuses: readonly string[];
  /** Who the activity concerns: an applicant (viewings, offers) or an owner (valuations). */
  via: 'applicant' | 'owner';
  /** Sales or lettings: which applicant, or which of the owner's properties. */
  kindOf(record: ActivityRecord): StreetApplicantKind;
  /**
   * Appointments (viewings, valuations): lists take `filter[type]` (sales|lettings) and
   * `filter[cancelled]` (with|only; cancelled ones are left out by default).
   */
  appointment: boolean;
  /** The kind's own attributes (times and relationships are common). */
  attributes(record: ActivityRecord, context: RenderContext): JsonObject;
}

const offerSpec = (kind: StreetOfferKind): ActivitySpec => ({
  path: `${kind}-offers`,
  event: `${kind}-offer`,
  statuses: kind === 'sales' ? STREET_SALES_OFFER_STATUSES : STREET_LETTINGS_OFFER_STATUSES,
  via: 'applicant',
  kindOf: () => kind,
  appointment: false,
  attributes: (record) => ({
    amount: (record as OfferRecord).amount,
    ...(kind === 'lettings' ? { frequency: 'pcm' } : {}),
    status: record.status,
  }),
});

export const ACTIVITY_KINDS: Record<ActivityKind, ActivitySpec> = {
  viewing: {
    path: 'viewings',
    event: 'viewing',
    statuses: STREET_VIEWING_STATUSES,
    via: 'applicant',
    kindOf: (record) => (record as ViewingRecord).applicantKind,
    appointment: true,
    attributes(record, context) {
      const viewing = record as ViewingRecord;
      const confirmed = viewing.status === 'confirmed' || viewing.status === 'completed';
      return {
        viewing_type: viewing.applicantKind,
        type: viewing.applicantKind,
        address: renderAddress(listedPropertyAddress(context.seed, viewing.propertySeq)),
        start: streetTime(viewing.start),
        end: streetTime(viewing.end),
        unaccompanied: false,
        agent_confirmed: confirmed,
        occupant_confirmed: confirmed,
        applicant_confirmed: confirmed,
        provisional: viewing.status === 'unconfirmed',
        occupant_type: 'By Owner',
        status: viewing.status,
        no_show: viewing.status === 'missed',
        cancelled_at: viewing.cancelledAt === null ? null : streetTime(viewing.cancelledAt),
      };
    },
  },
  valuation: {
    path: 'valuations',
    event: 'valuation',
    statuses: STREET_VALUATION_STATUSES,
    via: 'owner',
    kindOf: (record) => (record as ValuationRecord).valuationType,
    appointment: true,
    attributes: (record) => {
      const valuation = record as ValuationRecord;
      return {
        valuation_type: valuation.valuationType,
        start: streetTime(valuation.start),
        end: streetTime(valuation.end),
        status: valuation.status,
      };
    },
  },
  sales_offer: offerSpec('sales'),
  lettings_offer: offerSpec('lettings'),
};

export const offerKindOf = (kind: StreetOfferKind): 'sales_offer' | 'lettings_offer' => `${kind}_offer`;

/** The webhook topic of a change to an activity. */
export function activityEvent(kind: ActivityKind, change: 'created' | 'updated'): StreetWebhookEvent {
  return `${ACTIVITY_KINDS[kind].event}.${change}`;
}

/** The id of who an activity concerns: the person's applicant of its kind, or the owner behind them. */
function partyId(kind: ActivityKind, record: ActivityRecord, seed: number): string {
  const spec = ACTIVITY_KINDS[kind];
  return spec.via === 'owner'
    ? streetUuid(seed, 'owner', record.personSeq)
    : streetUuid(seed, 'applicant', applicantSeq(record.personSeq, spec.kindOf(record)));
}

/** A Viewing, Valuation, SalesOffer or LettingsOffer resource object. */
export function renderActivity(
  kind: ActivityKind,
  record: ActivityRecord,
  context: RenderContext,
): JsonObject {
  const spec = ACTIVITY_KINDS[kind];
  const id = streetUuid(context.seed, kind, record.seq);
  return {
    type: kind,
    id,
    attributes: {
      ...spec.attributes(record, context),
      created_at: streetTime(record.created),
      updated_at: streetTime(record.modified),
    },
    relationships: {
      property: relationship('property', streetUuid(context.seed, 'property', record.propertySeq)),
      [spec.via]: relationship(spec.via, partyId(kind, record, context.seed)),
      notes: { data: [] },
    },
    links: { self: `${context.base}/${spec.path}/${id}` },
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
    relationships: { person: relationship('person', streetUuid(context.seed, 'person', record.personSeq)) },
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
    relationships: {
      people: { data: [{ type: 'person', id: streetUuid(context.seed, 'person', person.seq) }] },
    },
  };
}

/**
 * Side-loads what an activity's `include` names: `applicant` / `owner` (each naming its people),
 * and `applicant.people` / `owner.people` (the person resources themselves).
 */
export function renderActivityIncluded(
  kind: ActivityKind,
  records: readonly ActivityRecord[],
  include: ReadonlySet<string>,
  lookup: (seq: number) => PersonRecord | undefined,
  context: RenderContext,
): JsonObject[] {
  const { via, kindOf } = ACTIVITY_KINDS[kind];
  const included = new Map<string, JsonObject>();
  const add = (resource: JsonObject) =>
    included.set(`${String(resource.type)}:${String(resource.id)}`, resource);
  for (const record of records) {
    const person = lookup(record.personSeq);
    if (person === undefined) continue;
    if (include.has(via) || include.has(`${via}.people`))
      add(via === 'owner' ? renderOwner(person, context) : renderApplicant(person, kindOf(record), context));
    if (include.has(`${via}.people`)) add(renderPerson(person, context));
  }
  return [...included.values()];
}
