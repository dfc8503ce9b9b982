import type { ReapitOfferStatus } from './reapit-constants.ts';
import { eTagOf, fieldsOf, reapitTime, type ContactRecord, type JsonObject } from './reapit-contact.model.ts';
import type { TimedRecord } from '../toolkit/timed-collection.ts';

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
  if (!forWebhook) {
    model.metadata = {};
    model._links = {
      self: { href: `/appointments/${record.id}` },
      property: { href: `/properties/${record.propertyId}` },
      attendee: { href: `/${record.attendeeType}s/${record.attendeeId}` },
      negotiators: { href: `/negotiators/?id=${record.negotiatorId}` },
      offices: { href: `/offices/?id=${record.officeId}` },
    };
    model._embedded = null;
  }
  return model;
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
  if (!forWebhook) {
    model.metadata = {};
    model._links = {
      self: { href: `/offers/${record.id}` },
      applicant: { href: `/applicants/${record.applicantId}` },
      property: { href: `/properties/${record.propertyId}` },
      negotiator: { href: `/negotiators/${record.negotiatorId}` },
    };
    model._embedded = null;
  }
  return model;
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
