import { REAPIT_OFFER_STATUSES, type ReapitOfferStatus } from './reapit-constants.ts';
import {
  REAPIT_NEGOTIATOR_IDS,
  applicantIdOf,
  eTagOf,
  fieldsOf,
  officeIdOf,
  reapitId,
  reapitTime,
  rolesOf,
  type ContactRecord,
  type JsonObject,
} from './reapit-contact.model.ts';
import {
  DAY_MS,
  HOUR_MS,
  forEachContactWithRoles,
  generatedAppointmentTimes,
  generatedOfferTimes,
  generatedViewingCount,
} from '../toolkit/generated-data.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import type { TimedRecord } from '../toolkit/timed-collection.ts';

const OFFER_STATUS_WEIGHTS = [35, 10, 20, 20, 15];
/** How many buyers the dataset shows as hot leads (a recent offer and a viewing attended). */
const SHOWCASE_HOT_LEADS = 2;

/** Whether the attendee came (`AppointmentModel.attended`); `notSet` until an agent records it. */
export type AppointmentAttendance = 'notSet' | 'noShow' | 'attended';

/** A diary appointment: a viewing (`VW`), a valuation (`VL`)… */
export interface AppointmentRecord extends TimedRecord {
  id: string;
  version: number;
  start: number;
  end: number;
  typeId: string;
  description: string;
  propertyId: string;
  negotiatorId: string;
  officeId: string;
  /** Who attends: an applicant (viewings) or a contact (valuations). */
  attendeeType: 'applicant' | 'contact' | 'landlord' | 'tenant';
  attendeeId: string;
  /** The contact behind the attendee. */
  contactSeq: number;
  cancelled: boolean;
  attended: AppointmentAttendance;
  confirmed: boolean;
  virtual: boolean;
}

/** A sales offer made by an applicant on a property. */
export interface OfferRecord extends TimedRecord {
  id: string;
  version: number;
  applicantId: string;
  contactSeq: number;
  propertyId: string;
  amount: number;
  status: ReapitOfferStatus;
  /** `YYYY-MM-DD`. */
  date: string;
  negotiatorId: string;
}

/** A journal entry (Reapit's timeline of events against an entity). Journal entries have no id. */
export interface JournalEntryRecord extends TimedRecord {
  typeId: string;
  associatedType: string;
  associatedId: string;
  associatedName: string;
  propertyId: string | null;
  negotiatorId: string | null;
  description: string;
}

export type ContactLookup = (seq: number) => ContactRecord | undefined;

function attendeeContact(record: ContactRecord | undefined, seed: number): JsonObject[] {
  if (record === undefined) return [];
  const fields = fieldsOf(record, seed);
  return [
    {
      id: record.id,
      name: [fields.title, fields.forename, fields.surname].filter((part) => part).join(' '),
      homePhone: fields.homePhone,
      workPhone: fields.workPhone,
      mobilePhone: fields.mobilePhone,
      email: fields.email,
    },
  ];
}

/** The AppointmentModel as GET /appointments returns it. */
export function renderAppointment(
  record: AppointmentRecord,
  lookup: ContactLookup,
  seed: number,
  forWebhook = false,
): JsonObject {
  const model: JsonObject = {
    id: record.id,
    created: reapitTime(record.created),
    modified: reapitTime(record.modified),
    start: reapitTime(record.start),
    end: reapitTime(record.end),
    typeId: record.typeId,
    description: record.description,
    recurring: false,
    recurrence: null,
    cancelled: record.cancelled,
    attended: record.attended,
    followUp: { due: null, responseId: null, notes: null },
    propertyId: record.propertyId,
    organiserId: record.negotiatorId,
    negotiatorIds: [record.negotiatorId],
    officeIds: [record.officeId],
    attendee: {
      id: record.attendeeId,
      type: record.attendeeType,
      contacts: attendeeContact(lookup(record.contactSeq), seed),
    },
    accompanied: true,
    virtual: record.virtual,
    negotiatorConfirmed: record.confirmed,
    attendeeConfirmed: record.confirmed,
    propertyConfirmed: record.confirmed,
    fromArchive: false,
    _eTag: eTagOf(record.id, record.version, record.modified),
  };
  return forWebhook
    ? model
    : withApiLinks(model, {
        self: { href: `/appointments/${record.id}` },
        property: { href: `/properties/${record.propertyId}` },
        attendee: { href: `/${record.attendeeType}s/${record.attendeeId}` },
        negotiators: { href: `/negotiators/?id=${record.negotiatorId}` },
        offices: { href: `/offices/?id=${record.officeId}` },
      });
}

/** What the API adds to a model and a webhook payload leaves out: metadata, links, embeds. */
function withApiLinks(model: JsonObject, links: Record<string, { href: string }>): JsonObject {
  return { ...model, metadata: {}, _links: links, _embedded: null };
}

/** The OfferModel as GET /offers returns it. */
export function renderOffer(
  record: OfferRecord,
  lookup: ContactLookup,
  seed: number,
  forWebhook = false,
): JsonObject {
  const contact = lookup(record.contactSeq);
  const related =
    contact === undefined ? [] : [{ ...(attendeeContact(contact, seed)[0] ?? {}), type: 'contact' }];
  const model: JsonObject = {
    id: record.id,
    created: reapitTime(record.created),
    modified: reapitTime(record.modified),
    currency: 'GBP',
    applicantId: record.applicantId,
    propertyId: record.propertyId,
    escrowAmount: 0,
    date: record.date,
    amount: record.amount,
    status: record.status,
    inclusions: '',
    exclusions: '',
    conditions: '',
    negotiatorId: record.negotiatorId,
    related,
    _eTag: eTagOf(record.id, record.version, record.modified),
  };
  return forWebhook
    ? model
    : withApiLinks(model, {
        self: { href: `/offers/${record.id}` },
        applicant: { href: `/applicants/${record.applicantId}` },
        property: { href: `/properties/${record.propertyId}` },
        negotiator: { href: `/negotiators/${record.negotiatorId}` },
      });
}

/** The JournalEntryModel as GET /journalEntries returns it. */
export function renderJournalEntry(record: JournalEntryRecord): JsonObject {
  const links: Record<string, { href: string }> = {
    [record.associatedType]: {
      href: `/${record.associatedType === 'tenancy' ? 'tenancies' : `${record.associatedType}s`}/${record.associatedId}`,
    },
  };
  if (record.propertyId !== null) links.property = { href: `/properties/${record.propertyId}` };
  if (record.negotiatorId !== null) links.negotiator = { href: `/negotiators/${record.negotiatorId}` };
  return {
    created: reapitTime(record.created),
    propertyId: record.propertyId,
    propertyAddress: null,
    associatedType: record.associatedType,
    associatedId: record.associatedId,
    associatedName: record.associatedName,
    typeId: record.typeId,
    negotiatorId: record.negotiatorId,
    description: record.description,
    _links: links,
    _embedded: null,
  };
}

/**
 * The generated diary and offers of a customer's contacts, deterministic in the seed: viewings for
 * applicants, valuations for vendors and landlords, offers by buyers, over the last months and
 * the next three weeks. A few buyers are showcase hot leads (see `showcaseHotLeads`).
 */
export function generateActivities(
  contacts: readonly ContactRecord[],
  anchor: number,
  seed: number,
): { appointments: AppointmentRecord[]; offers: OfferRecord[] } {
  const random = new SeededRandom(1);
  const attendance = new SeededRandom(1);
  const activitySeed = mixSeed(seed, 'activities');
  const appointments: AppointmentRecord[] = [];
  const offers: OfferRecord[] = [];
  // Drawn apart from the rest, so the other generated values stay as they were before attendance.
  const attendedBy = (seq: number, end: number, cancelled: boolean): AppointmentAttendance => {
    if (cancelled || end > anchor) return 'notSet';
    attendance.reseed(mixSeed(seed, 'attendance', seq));
    return attendance.pickWeighted(['attended', 'noShow', 'notSet'] as const, [80, 5, 15]);
  };
  /** One generated appointment of the contact, drawn in a fixed order (times, property, cancellation…). */
  const book = (
    contact: ContactRecord,
    negotiatorId: string,
    booking: Pick<AppointmentRecord, 'typeId' | 'description' | 'attendeeType' | 'attendeeId'>,
    minutes: number,
    cancelRate: number,
    virtualRate: number,
  ): AppointmentRecord => {
    const seq = appointments.length + 1;
    // Start within [-120, +21] days of the anchor, booked up to two weeks before, edited since.
    const { created, modified, start } = generatedAppointmentTimes(random, anchor, contact.created);
    const propertyId = reapitId('property', random.int(1, 5000));
    const cancelled = random.chance(cancelRate);
    const end = start + minutes * 60_000;
    return {
      seq,
      id: reapitId('appointment', seq),
      created,
      modified,
      version: 1,
      start,
      end,
      ...booking,
      propertyId,
      negotiatorId,
      officeId: officeIdOf(contact),
      contactSeq: contact.seq,
      cancelled,
      attended: attendedBy(seq, end, cancelled),
      confirmed: start < anchor || random.chance(0.7),
      virtual: virtualRate > 0 && random.chance(virtualRate),
    };
  };
  forEachContactWithRoles(contacts, random, activitySeed, (contact, roles) => {
    const isApplicant = roles.includes('buyerApplicant') || roles.includes('tenantApplicant');
    const negotiatorId = random.pick(REAPIT_NEGOTIATOR_IDS);
    for (let v = generatedViewingCount(random, isApplicant); v > 0; v--) {
      const attendeeId = applicantIdOf(contact) ?? '';
      const viewing = {
        typeId: 'VW',
        description: 'Viewing',
        attendeeType: 'applicant' as const,
        attendeeId,
      };
      appointments.push(book(contact, negotiatorId, viewing, 30, 0.08, 0.05));
    }
    const isOwner = roles.includes('vendor') || roles.includes('landlord');
    if (isOwner && random.chance(0.4)) {
      const valuation = {
        typeId: 'VL',
        description: roles.includes('vendor') ? 'Sales valuation' : 'Lettings valuation',
        attendeeType: 'contact' as const,
        attendeeId: contact.id,
      };
      appointments.push(book(contact, negotiatorId, valuation, 60, 0.05, 0));
    }
    if (roles.includes('buyerApplicant') && random.chance(0.15)) {
      const seq = offers.length + 1;
      const { created, modified } = generatedOfferTimes(random, anchor, contact.created);
      offers.push({
        seq,
        id: reapitId('offer', seq),
        created,
        modified,
        version: 1,
        applicantId: applicantIdOf(contact) ?? '',
        contactSeq: contact.seq,
        propertyId: reapitId('property', random.int(1, 5000)),
        amount: random.int(30, 190) * 5000,
        status: random.pickWeighted(
          REAPIT_OFFER_STATUSES.slice(0, OFFER_STATUS_WEIGHTS.length),
          OFFER_STATUS_WEIGHTS,
        ),
        date: new Date(created).toISOString().slice(0, 10),
        negotiatorId,
      });
    }
  });
  showcaseHotLeads(contacts, anchor, seed, appointments, offers);
  return { appointments, offers };
}

/**
 * The first buyers who agreed to marketing each get, in the last few days, a viewing they attended
 * and an offer (pending for the first, accepted for the next): with the default weights that
 * scores above the hot-lead threshold, so the demo shows hot leads from the first sync.
 */
function showcaseHotLeads(
  contacts: readonly ContactRecord[],
  anchor: number,
  seed: number,
  appointments: AppointmentRecord[],
  offers: OfferRecord[],
): void {
  const buyers = contacts
    .filter(
      (contact) =>
        rolesOf(contact).includes('buyerApplicant') && fieldsOf(contact, seed).marketingConsent === 'grant',
    )
    .slice(0, SHOWCASE_HOT_LEADS);
  buyers.forEach((contact, index) => {
    const applicantId = applicantIdOf(contact) ?? '';
    const { negotiatorIds, officeIds } = fieldsOf(contact, seed);
    const negotiatorId = negotiatorIds[0] ?? REAPIT_NEGOTIATOR_IDS[0];
    const start = Math.floor((anchor - (2 + index) * DAY_MS) / (15 * 60_000)) * 15 * 60_000;
    const appointmentSeq = appointments.length + 1;
    appointments.push({
      seq: appointmentSeq,
      id: reapitId('appointment', appointmentSeq),
      created: start - 3 * DAY_MS,
      // Marked attended an hour after the viewing ended.
      modified: Math.min(anchor - 1, start + 90 * 60_000),
      version: 2,
      start,
      end: start + 30 * 60_000,
      typeId: 'VW',
      description: 'Viewing',
      propertyId: reapitId('property', 4000 + index),
      negotiatorId,
      officeId: officeIds[0] ?? officeIdOf(contact),
      attendeeType: 'applicant',
      attendeeId: applicantId,
      contactSeq: contact.seq,
      cancelled: false,
      attended: 'attended',
      confirmed: true,
      virtual: false,
    });
    const offerSeq = offers.length + 1;
    const created = anchor - DAY_MS - index * 6 * HOUR_MS;
    offers.push({
      seq: offerSeq,
      id: reapitId('offer', offerSeq),
      created,
      modified: index === 0 ? created : Math.min(anchor - 1, created + 4 * HOUR_MS),
      version: index === 0 ? 1 : 2,
      applicantId,
      contactSeq: contact.seq,
      propertyId: reapitId('property', 4000 + index),
      amount: 400_000 + index * 25_000,
      status: index === 0 ? 'pending' : 'accepted',
      date: new Date(created).toISOString().slice(0, 10),
      negotiatorId,
    });
  });
}
