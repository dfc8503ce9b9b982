import type {
  AgentosAppointmentStatus,
  AgentosAppointmentType,
  AgentosContactType,
  AgentosLogEntryType,
  AgentosOfferStatus,
} from './agentos-constants.ts';
import {
  agentosOid,
  agentosTime,
  etagOf,
  type EngagementRecord,
  type JsonObject,
} from './agentos-contact.model.ts';
import type { TimedRecord } from '../toolkit/timed-collection.ts';

/** Who an appointment or offer concerns: one record of one contact list. */
export interface ContactRef {
  type: AgentosContactType;
  seq: number;
}

/** A diary appointment (viewing, valuation, inspection…). */
export interface AppointmentRecord extends TimedRecord {
  rowVersion: number;
  systemType: AgentosAppointmentType;
  subject: string;
  start: number;
  end: number;
  status: AgentosAppointmentStatus;
  propertySeq: number;
  negotiator: string;
  attendees: ContactRef[];
}

/** A sales offer by a sales applicant on a property. */
export interface OfferRecord extends TimedRecord {
  rowVersion: number;
  applicant: ContactRef;
  propertySeq: number;
  amount: number;
  status: AgentosOfferStatus;
  /** `YYYY-MM-DD`. */
  dateOffered: string;
}

/** An entry on a contact's history (emails sent, notes, calls…). */
export interface LogEntryRecord extends TimedRecord {
  contact: ContactRef;
  logType: AgentosLogEntryType;
  subject: string;
  notes: string;
  dateTime: number;
  externalReference: string | null;
  createdBy: string;
}

export const EMPTY_ENGAGEMENT: Readonly<EngagementRecord> = Object.freeze({
  EngagementScore: null,
  EngagementScoreDate: null,
  HotLead: false,
  HotLeadDate: null,
  ModifiedDate: null,
});

/** Renders a contact reference as `{ContactType, OID, Name}`; the name is looked up by the caller. */
export type RefRenderer = (ref: ContactRef) => JsonObject;

export function renderAppointment(
  record: AppointmentRecord,
  seed: number,
  renderRef: RefRenderer,
): JsonObject {
  return {
    OID: agentosOid(seed, 'appointment', record.seq),
    ETag: etagOf(record.rowVersion),
    SystemType: record.systemType,
    Subject: record.subject,
    StartDateTime: agentosTime(record.start),
    EndDateTime: agentosTime(record.end),
    Status: record.status,
    PropertyOID: agentosOid(seed, 'property', record.propertySeq),
    Negotiator: record.negotiator,
    Attendees: record.attendees.map(renderRef),
    CreatedDate: agentosTime(record.created),
    ModifiedDate: agentosTime(record.modified),
  };
}

export function renderOffer(record: OfferRecord, seed: number, renderRef: RefRenderer): JsonObject {
  return {
    OID: agentosOid(seed, 'offer', record.seq),
    ETag: etagOf(record.rowVersion),
    Applicant: renderRef(record.applicant),
    PropertyOID: agentosOid(seed, 'property', record.propertySeq),
    Amount: record.amount,
    Status: record.status,
    DateOffered: record.dateOffered,
    CreatedDate: agentosTime(record.created),
    ModifiedDate: agentosTime(record.modified),
  };
}

export function renderLogEntry(record: LogEntryRecord, seed: number): JsonObject {
  return {
    OID: agentosOid(seed, 'logEntry', record.seq),
    ContactType: record.contact.type,
    ContactOID: agentosOid(seed, record.contact.type, record.contact.seq),
    Type: record.logType,
    Subject: record.subject,
    Notes: record.notes,
    DateTime: agentosTime(record.dateTime),
    ExternalReference: record.externalReference,
    CreatedBy: record.createdBy,
    CreatedDate: agentosTime(record.created),
  };
}
