import { newPostcode, newStreet } from '../toolkit/random-edits.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { TOWNS } from '../toolkit/uk-reference-data.ts';
import type { TimedRecord } from '../toolkit/timed-collection.ts';
import type {
  LoopAppointmentStatus,
  LoopAppointmentType,
  LoopNoteType,
  LoopOfferStatus,
} from './loop-constants.ts';
import { loopTime, negotiatorName, type JsonObject, type RenderContext } from './loop-contact.model.ts';
import { loopId } from './loop-ids.ts';

/** A viewing (applicants) or valuation (vendors, landlords) in the diary. */
export interface AppointmentRecord extends TimedRecord {
  type: LoopAppointmentType;
  status: LoopAppointmentStatus;
  start: number;
  end: number;
  contactSeq: number;
  contactRole: 'applicant' | 'vendor' | 'landlord';
  propertySeq: number;
  negotiatorSeq: number;
}

/** An offer on a property: a purchase price (sale) or a monthly rent (let). */
export interface OfferRecord extends TimedRecord {
  kind: 'sale' | 'let';
  status: LoopOfferStatus;
  amount: number;
  submitted: number;
  contactSeq: number;
  propertySeq: number;
  negotiatorSeq: number;
}

/** A note on a contact's timeline: where integrations write back. */
export interface NoteRecord extends TimedRecord {
  contactSeq: number;
  type: LoopNoteType;
  subject: string | null;
  body: string;
  occurred: number;
  /** The writer's own reference, unique per contact: a second note with it is a 409. */
  externalReference: string | null;
}

const propertyRandom = new SeededRandom(1);

/** A property's display address, deterministic in (seed, propertySeq). */
function propertyOf(seed: number, propertySeq: number): { displayAddress: string; postcode: string } {
  const random = propertyRandom.reseed(mixSeed(seed, 'loop-property', propertySeq));
  const town = random.pick(TOWNS);
  const area = random.pick(town.areas);
  const postcode = newPostcode(area.outward, random);
  const street = `${random.int(1, 180)} ${newStreet(random)}`;
  const flat = random.chance(0.3) ? `Flat ${random.int(1, 24)}, ` : '';
  return { displayAddress: `${flat}${street}, ${area.district || town.town}, ${postcode}`, postcode };
}

function propertyJson(seed: number, salt: number, propertySeq: number): JsonObject {
  return { id: loopId(salt, 'property', propertySeq), ...propertyOf(seed, propertySeq) };
}

function negotiatorJson(salt: number, negotiatorSeq: number): JsonObject {
  return { id: loopId(salt, 'negotiator', negotiatorSeq), name: negotiatorName(negotiatorSeq) };
}

export function renderAppointment(record: AppointmentRecord, context: RenderContext): JsonObject {
  return {
    id: loopId(context.salt, 'appointment', record.seq),
    type: record.type,
    status: record.status,
    startsAt: loopTime(record.start),
    endsAt: loopTime(record.end),
    contactId: loopId(context.salt, 'contact', record.contactSeq),
    contactRole: record.contactRole,
    property: propertyJson(context.seed, context.salt, record.propertySeq),
    negotiator: negotiatorJson(context.salt, record.negotiatorSeq),
    createdAt: loopTime(record.created),
    updatedAt: loopTime(record.modified),
  };
}

export function renderOffer(record: OfferRecord, context: RenderContext): JsonObject {
  return {
    id: loopId(context.salt, 'offer', record.seq),
    type: record.kind,
    status: record.status,
    amount: record.amount,
    currency: 'GBP',
    frequency: record.kind === 'let' ? 'monthly' : null,
    submittedAt: loopTime(record.submitted),
    contactId: loopId(context.salt, 'contact', record.contactSeq),
    property: propertyJson(context.seed, context.salt, record.propertySeq),
    negotiator: negotiatorJson(context.salt, record.negotiatorSeq),
    createdAt: loopTime(record.created),
    updatedAt: loopTime(record.modified),
  };
}

export function renderNote(record: NoteRecord, context: RenderContext): JsonObject {
  return {
    id: loopId(context.salt, 'note', record.seq),
    contactId: loopId(context.salt, 'contact', record.contactSeq),
    type: record.type,
    subject: record.subject,
    body: record.body,
    occurredAt: loopTime(record.occurred),
    externalReference: record.externalReference,
    createdBy: { type: 'apiKey', name: 'API' },
    createdAt: loopTime(record.created),
  };
}
