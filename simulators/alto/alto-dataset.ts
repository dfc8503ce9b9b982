import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { NumberedCollection } from '../toolkit/numbered-collection.ts';
import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import { EmailIndex } from '../toolkit/email-index.ts';
import { DatasetBase } from '../toolkit/dataset-base.ts';
import {
  DAY_MS,
  forEachContactWithRoles,
  generatedAppointmentTimes,
  generatedRecords,
  generatedViewingCount,
} from '../toolkit/generated-data.ts';
import { bySequence } from '../toolkit/random-edits.ts';
import {
  ALTO_APPOINTMENT_STATUSES,
  ALTO_OFFER_STATUSES,
  ALTO_PROPERTY_ID_BASE,
  type AltoAppointmentStatus,
  type AltoOfferStatus,
} from './alto-constants.ts';
import type { AppointmentRecord, FileNoteRecord, OfferRecord } from './alto-activity.model.ts';
import {
  ALTO_NEGOTIATOR_IDS,
  branchIdOf,
  fieldsOf,
  identityKeysOf,
  identityKeysOfRecord,
  seqOfContactId,
  type AltoContactFields,
  type ContactRecord,
} from './alto-contact.model.ts';
import { appointmentChange, contactChange, offerChange, type AltoWebhooks } from './alto-webhooks.ts';

const OFFER_STATUS_WEIGHTS = [40, 20, 20, 10, 10];
const FEEDBACK = [
  'Liked the garden, concerned about the kitchen.',
  'Too small for their needs.',
  'Very keen: considering an offer.',
  'Will view again with family.',
] as const;

/**
 * One agency's data (one AgencyRef): contacts generated from the shared UK people, appointments,
 * offers and file notes. Each change is followed by the notifications Alto would send; the API
 * routes and the control surface both change data through here, so a change made either way notifies.
 */
export class AltoDataset extends DatasetBase {
  readonly agencyRef: string;
  readonly clock: SimulatorClock;
  readonly #webhooks: AltoWebhooks;
  /** By (modified, seq) too: `GET /contacts/all` reads a time range by binary search and pages by keyset. */
  readonly contacts = new NumberedCollection<ContactRecord>();
  readonly appointments = new Map<number, AppointmentRecord>();
  readonly offers = new Map<number, OfferRecord>();
  readonly fileNotes = new Map<number, FileNoteRecord>();
  #fileNotesByContact = new Map<number, number[]>();
  #nextAppointmentSeq = 1;
  #nextOfferSeq = 1;
  #nextFileNoteSeq = 1;
  /**
   * Contacts by email (trimmed, lower case) and E.164 phone (emails hold "@", phones start "+", so
   * one index serves both), built on the first duplicate check and kept current after.
   */
  readonly #identity = new EmailIndex<ContactRecord>(
    () => this.contacts.values(),
    identityKeysOfRecord,
    (key) => key,
  );

  constructor(
    options: DatasetSeed & { agencyRef: string },
    notify: { clock: SimulatorClock; webhooks: AltoWebhooks },
  ) {
    super(options, 'alto', notify.clock.now);
    this.agencyRef = options.agencyRef;
    this.clock = notify.clock;
    this.#webhooks = notify.webhooks;
    this.#generate(options.anchor);
  }

  #generate(anchor: number): void {
    const timestamps = mixSeed(this.seed, 'alto-timestamps');
    const records: ContactRecord[] = generatedRecords(this.people.people, anchor, timestamps, (person) => ({
      person,
      fields: null,
    }));
    this.contacts.load(records);
    this.#generateActivities(records, anchor);
  }

  #generateActivities(contacts: readonly ContactRecord[], anchor: number): void {
    const random = new SeededRandom(1);
    const activitySeed = mixSeed(this.seed, 'alto-activities');
    const times = (earliest: number) => generatedAppointmentTimes(random, anchor, earliest);
    const property = () => String(ALTO_PROPERTY_ID_BASE + random.int(1, 5000));
    /** One generated appointment, drawn in a fixed order: times, status, property, then feedback. */
    const book = (
      contact: ContactRecord,
      type: AppointmentRecord['type'],
      negotiatorId: string,
      branchId: string,
    ) => {
      const viewing = type === 'Viewing';
      const { created, modified, start } = times(contact.created);
      const cancelled = random.chance(viewing ? 0.08 : 0.05);
      const seq = this.#nextAppointmentSeq++;
      this.appointments.set(seq, {
        seq,
        type,
        start,
        end: start + (viewing ? 30 : 60) * 60_000,
        created,
        modified,
        status: !cancelled
          ? 'Active'
          : viewing
            ? random.pick(ALTO_APPOINTMENT_STATUSES.slice(3))
            : 'CancelledByOwner',
        contactSeqs: [contact.seq],
        propertyId: property(),
        negotiatorId,
        branchId,
        // Feedback only for viewings held (not cancelled, already started).
        applicantFeedback:
          viewing && !cancelled && start < anchor && random.chance(0.4) ? random.pick(FEEDBACK) : null,
      });
    };
    forEachContactWithRoles(contacts, random, activitySeed, (contact, roles) => {
      const negotiatorId = random.pick(ALTO_NEGOTIATOR_IDS);
      const branchId = branchIdOf(contact);
      const applicant = roles.includes('buyerApplicant') || roles.includes('tenantApplicant');
      for (let v = generatedViewingCount(random, applicant); v > 0; v--)
        book(contact, 'Viewing', negotiatorId, branchId);
      if ((roles.includes('vendor') || roles.includes('landlord')) && random.chance(0.4))
        book(contact, 'Valuation', negotiatorId, branchId);
      const buys = roles.includes('buyerApplicant');
      if (
        (buys && random.chance(0.15)) ||
        (!buys && roles.includes('tenantApplicant') && random.chance(0.1))
      ) {
        const created = Math.max(contact.created, anchor - Math.floor(random.next() * 180 * DAY_MS));
        const seq = this.#nextOfferSeq++;
        this.offers.set(seq, {
          seq,
          contactSeq: contact.seq,
          propertyId: property(),
          branchId,
          ownerContactSeq: null,
          created,
          modified: Math.min(anchor - 1, created + Math.floor(random.next() * (anchor - created) * 0.5)),
          amount: buys ? random.int(30, 190) * 5000 : random.int(18, 60) * 50,
          status: random.pickWeighted(ALTO_OFFER_STATUSES, OFFER_STATUS_WEIGHTS),
          recordType: buys ? 'Sale' : 'Rent',
        });
      }
    });
    this.#seedHotLead(contacts, anchor);
  }

  /**
   * The first buyer gets a viewing completed three days ago and an offer made yesterday: a hot lead
   * (30 + 45 before decay, above the threshold of 60) once their webhooks reach Propsync, since
   * Alto's API lists neither viewings nor offers for polling.
   */
  #seedHotLead(contacts: readonly ContactRecord[], anchor: number): void {
    const buyer = contacts.find((contact) => contact.person?.roles.includes('buyerApplicant'));
    if (buyer === undefined) return;
    const start = Math.round((anchor - 3 * DAY_MS) / 900_000) * 900_000;
    const propertyId = String(ALTO_PROPERTY_ID_BASE + 1);
    const viewingSeq = this.#nextAppointmentSeq++;
    this.appointments.set(viewingSeq, {
      seq: viewingSeq,
      type: 'Viewing',
      start,
      end: start + 30 * 60_000,
      created: start - 2 * DAY_MS,
      modified: start + 2 * 3_600_000,
      status: 'Active',
      contactSeqs: [buyer.seq],
      propertyId,
      negotiatorId: ALTO_NEGOTIATOR_IDS[0],
      branchId: branchIdOf(buyer),
      applicantFeedback: 'Very keen: considering an offer.',
    });
    const offerSeq = this.#nextOfferSeq++;
    this.offers.set(offerSeq, {
      seq: offerSeq,
      contactSeq: buyer.seq,
      propertyId,
      branchId: branchIdOf(buyer),
      ownerContactSeq: null,
      created: anchor - DAY_MS,
      modified: anchor - DAY_MS,
      amount: 345_000,
      status: 'Received',
      recordType: 'Sale',
    });
  }

  contactById(id: string): ContactRecord | undefined {
    const seq = seqOfContactId(id);
    return seq === null ? undefined : this.contacts.get(seq);
  }

  /** The record's fields, materialised so they can be changed in place. */
  materialise(record: ContactRecord): AltoContactFields {
    record.fields ??= fieldsOf(record, this.seed);
    return record.fields;
  }

  createContact(fields: AltoContactFields): ContactRecord {
    const now = this.now();
    const record = this.contacts.insert({ created: now, modified: now, person: null, fields });
    this.#identity.add(record);
    this.#notifyContacts([record], 'Contact.Created', now);
    return record;
  }

  /** Applies changes to contacts, bumps their `modifiedDate` even when nothing changed, and sends `Contact.Modified`. */
  updateContacts(
    records: readonly ContactRecord[],
    change: (fields: AltoContactFields, record: ContactRecord) => void,
  ): void {
    const now = this.now();
    this.#identity.update(records, () =>
      this.contacts.updateMany(records, (record) => {
        change(this.materialise(record), record);
        record.modified = Math.max(now, record.modified);
      }),
    );
    this.#notifyContacts(records, 'Contact.Modified', now);
  }

  /**
   * Removes a contact outright (merges and erasure requests do this in Alto). Alto has no
   * deletion event: a `Contact.Modified` is sent and fetching the contact then answers 404.
   */
  deleteContact(record: ContactRecord): void {
    this.#identity.remove(record);
    this.contacts.remove(record);
    this.#notifyContacts([record], 'Contact.Modified', this.now());
  }

  #notifyContacts(
    records: readonly ContactRecord[],
    type: 'Contact.Created' | 'Contact.Modified',
    time: number,
  ): void {
    // Building a change computes the contact's fields: skip it when nobody listens.
    if (!this.#webhooks.hasSubscribers(this.agencyRef, type)) return;
    this.#webhooks.emit(
      this.agencyRef,
      records.map((record) => contactChange(record, this.seed, type, time)),
    );
  }

  /**
   * Unarchived contacts that look like the same people: a person with the same surname and the
   * same email (case-insensitive) or phone (E.164). Alto answers a POST with 409 for these.
   */
  findDuplicates(fields: AltoContactFields): ContactRecord[] {
    const { surnames, keys } = identityKeysOf(fields);
    const candidates = new Set(keys.flatMap((key) => this.#identity.find(key)));
    return [...candidates].sort(bySequence).filter((record) => {
      const existing = fieldsOf(record, this.seed);
      return !existing.archived && identityKeysOf(existing).surnames.some((name) => surnames.includes(name));
    });
  }

  addAppointment(input: Omit<AppointmentRecord, 'seq' | 'created' | 'modified'>): AppointmentRecord {
    const now = this.now();
    const record: AppointmentRecord = {
      ...input,
      created: now,
      modified: now,
      seq: this.#nextAppointmentSeq++,
    };
    this.appointments.set(record.seq, record);
    this.#webhooks.emit(this.agencyRef, [appointmentChange(record, 'Appointment.Created')]);
    return record;
  }

  updateAppointment(record: AppointmentRecord, status: AltoAppointmentStatus, feedback?: string): void {
    record.status = status;
    if (feedback !== undefined) record.applicantFeedback = feedback;
    record.modified = Math.max(record.modified, this.now());
    this.#webhooks.emit(this.agencyRef, [appointmentChange(record, 'Appointment.Modified')]);
  }

  /**
   * Removes an appointment outright (an agent deleting a diary entry booked in error). Alto's
   * catalogue has no deletion event: an `Appointment.Modified` is sent (naming the appointment, its
   * contacts and property) and reading the appointment then answers 404, as for a deleted contact.
   */
  deleteAppointment(record: AppointmentRecord): void {
    this.appointments.delete(record.seq);
    record.modified = Math.max(record.modified, this.now());
    this.#webhooks.emit(this.agencyRef, [appointmentChange(record, 'Appointment.Modified')]);
  }

  addOffer(input: Omit<OfferRecord, 'seq' | 'created' | 'modified'>): OfferRecord {
    const now = this.now();
    const record: OfferRecord = { ...input, created: now, modified: now, seq: this.#nextOfferSeq++ };
    this.offers.set(record.seq, record);
    this.#webhooks.emit(this.agencyRef, [offerChange(record, 'Offer.Created')]);
    return record;
  }

  /** A new status: `Offer.Modified`, plus `Offer.Accepted` or `Offer.Withdrawn` where Alto has one. */
  setOfferStatus(record: OfferRecord, status: AltoOfferStatus, amount?: number): void {
    record.status = status;
    if (amount !== undefined) record.amount = amount;
    record.modified = Math.max(record.modified, this.now());
    const follow =
      status === 'Accepted' || status === 'Withdrawn' ? [offerChange(record, `Offer.${status}`)] : [];
    this.#webhooks.emit(this.agencyRef, [offerChange(record, 'Offer.Modified'), ...follow]);
  }

  /** Removes an offer outright: `Offer.Modified` (no deletion event), then reading it answers 404. */
  deleteOffer(record: OfferRecord): void {
    this.offers.delete(record.seq);
    record.modified = Math.max(record.modified, this.now());
    this.#webhooks.emit(this.agencyRef, [offerChange(record, 'Offer.Modified')]);
  }

  /** File notes raise no webhook (Alto has no file-note event). */
  addFileNote(input: Omit<FileNoteRecord, 'seq' | 'created' | 'updated'>): FileNoteRecord {
    const record: FileNoteRecord = {
      ...input,
      created: this.now(),
      updated: null,
      seq: this.#nextFileNoteSeq++,
    };
    this.fileNotes.set(record.seq, record);
    for (const contactSeq of record.contactSeqs) {
      const list = this.#fileNotesByContact.get(contactSeq);
      if (list === undefined) this.#fileNotesByContact.set(contactSeq, [record.seq]);
      else list.push(record.seq);
    }
    return record;
  }

  /** File notes associated with a contact, oldest first. */
  fileNotesFor(contactSeq: number): FileNoteRecord[] {
    return (this.#fileNotesByContact.get(contactSeq) ?? [])
      .map((seq) => this.fileNotes.get(seq))
      .filter((note): note is FileNoteRecord => note !== undefined);
  }

  /** Appointments of a contact (any type), oldest first. */
  appointmentsFor(contactSeq: number): AppointmentRecord[] {
    return [...this.appointments.values()].filter((appointment) =>
      appointment.contactSeqs.includes(contactSeq),
    );
  }

  offersFor(contactSeq: number): OfferRecord[] {
    return [...this.offers.values()].filter((offer) => offer.contactSeq === contactSeq);
  }
}
