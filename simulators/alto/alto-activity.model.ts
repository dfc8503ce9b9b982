import {
  ALTO_APPOINTMENT_ID_BASE,
  ALTO_FILE_NOTE_ID_BASE,
  ALTO_OFFER_ID_BASE,
  type AltoAppointmentStatus,
  type AltoAppointmentType,
  type AltoOfferStatus,
} from './alto-constants.ts';
import { altoTime, contactIdOf, type JsonObject } from './alto-contact.model.ts';

/** A diary appointment: a viewing of a property or a valuation (market appraisal). */
export interface AppointmentRecord {
  seq: number;
  type: AltoAppointmentType;
  start: number;
  end: number;
  created: number;
  modified: number;
  status: AltoAppointmentStatus;
  contactSeqs: number[];
  propertyId: string;
  negotiatorId: string;
  branchId: string;
  /** Viewings only: the applicant's feedback once it has happened. */
  applicantFeedback: string | null;
}

/** A sales or lettings offer by an applicant contact on a property. */
export interface OfferRecord {
  seq: number;
  contactSeq: number;
  propertyId: string;
  branchId: string;
  ownerContactSeq: number | null;
  created: number;
  modified: number;
  amount: number;
  status: AltoOfferStatus;
  recordType: 'Sale' | 'Rent';
}

/** A file note (Alto's timeline entry) against contacts and/or a property. */
export interface FileNoteRecord {
  seq: number;
  title: string | null;
  notes: string;
  contactSeqs: number[];
  propertyId: string | null;
  negotiatorId: string | null;
  fileNoteType: string;
  created: number;
  updated: number | null;
}

export function appointmentIdOf(seq: number): string {
  return String(ALTO_APPOINTMENT_ID_BASE + seq);
}

export function offerIdOf(seq: number): string {
  return String(ALTO_OFFER_ID_BASE + seq);
}

/** The sequence behind a numeric id given the id base, or null. */
export function seqOfId(id: string, base: number): number | null {
  if (!/^\d{1,12}$/.test(id)) return null;
  const seq = Number(id) - base;
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}

/** Appointment start and end are UK diary times with no offset (as Alto returns them). */
function diaryTime(ms: number): string {
  // Sweden's locale writes ISO 8601's `YYYY-MM-DD hh:mm:ss`.
  return new Date(ms).toLocaleString('sv-SE', { timeZone: 'Europe/London' }).replace(' ', 'T');
}

const CANCELLED: ReadonlySet<AltoAppointmentStatus> = new Set([
  'CancelledByOffice',
  'CancelledByOwner',
  'CancelledByApplicant',
  'CancelledByContact',
]);

/** `GET /appointments/{appointmentId}/{instanceId}`: an ExternalPartnerAppointment. */
export function renderAppointment(record: AppointmentRecord): JsonObject {
  const model: JsonObject = {
    id: ALTO_APPOINTMENT_ID_BASE + record.seq,
    instanceId: 0,
    type: record.type,
    startDate: diaryTime(record.start),
    endDate: diaryTime(record.end),
    createdDate: altoTime(record.created),
    modifiedDate: altoTime(record.modified),
    title: record.type === 'Viewing' ? 'Viewing' : 'Market appraisal',
    status: record.status,
    isCancelled: CANCELLED.has(record.status),
    negotiators: [
      {
        id: record.negotiatorId,
        links: [{ href: `/negotiators/${record.negotiatorId}`, rel: 'negotiator' }],
      },
    ],
    properties: [
      { id: record.propertyId, links: [{ href: `/inventory/${record.propertyId}`, rel: 'property' }] },
    ],
    contacts: record.contactSeqs.map((seq) => ({
      id: contactIdOf(seq),
      links: [{ href: `/contacts/${contactIdOf(seq)}`, rel: 'contact' }],
    })),
  };
  if (record.type === 'Viewing') {
    model.viewingDetails = { applicantFeedback: record.applicantFeedback, isAccompanied: true };
  }
  return model;
}

/** `GET /offers/sales-offer/{offerId}`. `contactsJson` is a JSON string, as Alto sends it. */
export function renderOffer(record: OfferRecord): JsonObject {
  return {
    id: offerIdOf(record.seq),
    branchId: record.branchId,
    propertyId: record.propertyId,
    ownerId: record.ownerContactSeq === null ? null : Number(contactIdOf(record.ownerContactSeq)),
    insertDate: altoTime(record.created),
    modifiedDate: altoTime(record.modified),
    effectiveDate: altoTime(record.created),
    currencyCode: 'GBP',
    offerAmount: record.amount,
    status: record.status,
    recordType: record.recordType,
    salesProgressorName: record.status === 'Accepted' ? 'Sales Progression Team' : null,
    contactsJson: JSON.stringify([{ contactId: contactIdOf(record.contactSeq), isMainApplicant: true }]),
  };
}

/** `GET /file-notes/{id}`: a GetFileNoteResponse. */
export function renderFileNote(record: FileNoteRecord): JsonObject {
  return {
    id: ALTO_FILE_NOTE_ID_BASE + record.seq,
    title: record.title,
    notes: record.notes,
    contactIds: record.contactSeqs.map((seq) => Number(contactIdOf(seq))),
    propertyId: record.propertyId === null ? null : Number(record.propertyId),
    createdDate: altoTime(record.created),
    updatedDate: record.updated === null ? null : altoTime(record.updated),
    negotiatorId: record.negotiatorId === null ? null : Number(record.negotiatorId),
    fileNoteType: record.fileNoteType,
  };
}
