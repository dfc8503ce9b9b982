import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import type { AltoAppointmentStatus, AltoOfferStatus } from './alto-constants.ts';
import {
  appointmentIdOf,
  offerIdOf,
  type AppointmentRecord,
  type FileNoteRecord,
  type OfferRecord,
} from './alto-activity.model.ts';
import { contactIdOf, fieldsOf, type AltoContactFields, type ContactRecord } from './alto-contact.model.ts';
import type { AltoDataset } from './alto-dataset.ts';
import type { AltoChange, AltoWebhooks } from './alto-webhooks.ts';

/**
 * The simulator's state changes, each followed by the notifications Alto would send. The API
 * routes and the control surface both go through here, so a change made either way notifies.
 */
export class AltoEngine {
  readonly clock: SimulatorClock;
  readonly webhooks: AltoWebhooks;

  constructor(options: { clock: SimulatorClock; webhooks: AltoWebhooks }) {
    this.clock = options.clock;
    this.webhooks = options.webhooks;
  }

  #contactChange(
    dataset: AltoDataset,
    record: ContactRecord,
    type: 'Contact.Created' | 'Contact.Modified',
    time: number,
  ): AltoChange {
    const id = contactIdOf(record.seq);
    return {
      type,
      subject: `/contacts/${id}`,
      subjectId: id,
      branchId: fieldsOf(record, dataset.seed).branchId,
      relatedSubjects: [],
      time,
    };
  }

  createContact(dataset: AltoDataset, fields: AltoContactFields): ContactRecord {
    const now = this.clock.now();
    const record = dataset.createContact(fields, now);
    if (this.webhooks.hasSubscribers(dataset.agencyRef, 'Contact.Created')) {
      this.webhooks.emit(dataset.agencyRef, [this.#contactChange(dataset, record, 'Contact.Created', now)]);
    }
    return record;
  }

  /** Changes contacts (bumping `modifiedDate`) and sends `Contact.Modified` for each. */
  updateContacts(
    dataset: AltoDataset,
    records: readonly ContactRecord[],
    change: (fields: AltoContactFields, record: ContactRecord) => void,
  ): void {
    const now = this.clock.now();
    dataset.updateContacts(records, change, now);
    if (!this.webhooks.hasSubscribers(dataset.agencyRef, 'Contact.Modified')) return;
    this.webhooks.emit(
      dataset.agencyRef,
      records.map((record) => this.#contactChange(dataset, record, 'Contact.Modified', now)),
    );
  }

  /** Archives (Alto's soft delete): `archived` true, `isActive` false, a `Contact.Modified`. */
  archiveContact(dataset: AltoDataset, record: ContactRecord): void {
    this.updateContacts(dataset, [record], (fields) => {
      fields.archived = true;
    });
  }

  /**
   * Removes a contact outright (merges and erasure requests do this in Alto). Alto has no
   * deletion event: a `Contact.Modified` is sent and fetching the contact then answers 404.
   */
  deleteContact(dataset: AltoDataset, record: ContactRecord): void {
    const now = this.clock.now();
    const change = this.#contactChange(dataset, record, 'Contact.Modified', now);
    dataset.deleteContact(record);
    if (this.webhooks.hasSubscribers(dataset.agencyRef, 'Contact.Modified'))
      this.webhooks.emit(dataset.agencyRef, [change]);
  }

  #appointmentChange(
    record: AppointmentRecord,
    type: 'Appointment.Created' | 'Appointment.Modified',
  ): AltoChange {
    const id = appointmentIdOf(record.seq);
    return {
      type,
      subject: `/appointments/${id}`,
      subjectId: id,
      branchId: record.branchId,
      relatedSubjects: [
        ...record.contactSeqs.map((seq) => ({
          subjectUri: `/contacts/${contactIdOf(seq)}`,
          subjectId: contactIdOf(seq),
        })),
        { subjectUri: `/inventory/${record.propertyId}`, subjectId: record.propertyId },
      ],
      time: record.modified,
    };
  }

  addAppointment(
    dataset: AltoDataset,
    input: Omit<AppointmentRecord, 'seq' | 'created' | 'modified'>,
  ): AppointmentRecord {
    const now = this.clock.now();
    const record = dataset.addAppointment({ ...input, created: now, modified: now });
    this.webhooks.emit(dataset.agencyRef, [this.#appointmentChange(record, 'Appointment.Created')]);
    return record;
  }

  updateAppointment(
    dataset: AltoDataset,
    record: AppointmentRecord,
    status: AltoAppointmentStatus,
    feedback?: string,
  ): void {
    record.status = status;
    if (feedback !== undefined) record.applicantFeedback = feedback;
    record.modified = Math.max(record.modified, this.clock.now());
    this.webhooks.emit(dataset.agencyRef, [this.#appointmentChange(record, 'Appointment.Modified')]);
  }

  #offerChanges(
    record: OfferRecord,
    types: ReadonlyArray<'Offer.Created' | 'Offer.Modified' | 'Offer.Accepted' | 'Offer.Withdrawn'>,
  ): AltoChange[] {
    const id = offerIdOf(record.seq);
    const contactId = contactIdOf(record.contactSeq);
    return types.map((type) => ({
      type,
      subject: `/offers/sales-offer/${id}`,
      subjectId: id,
      branchId: record.branchId,
      relatedSubjects: [
        { subjectUri: `/contacts/${contactId}`, subjectId: contactId },
        { subjectUri: `/inventory/${record.propertyId}`, subjectId: record.propertyId },
      ],
      time: record.modified,
    }));
  }

  addOffer(dataset: AltoDataset, input: Omit<OfferRecord, 'seq' | 'created' | 'modified'>): OfferRecord {
    const now = this.clock.now();
    const record = dataset.addOffer({ ...input, created: now, modified: now });
    this.webhooks.emit(dataset.agencyRef, this.#offerChanges(record, ['Offer.Created']));
    return record;
  }

  /** A new status: `Offer.Modified`, plus `Offer.Accepted` or `Offer.Withdrawn` where Alto has one. */
  setOfferStatus(dataset: AltoDataset, record: OfferRecord, status: AltoOfferStatus, amount?: number): void {
    record.status = status;
    if (amount !== undefined) record.amount = amount;
    record.modified = Math.max(record.modified, this.clock.now());
    const extra =
      status === 'Accepted'
        ? (['Offer.Accepted'] as const)
        : status === 'Withdrawn'
          ? (['Offer.Withdrawn'] as const)
          : [];
    this.webhooks.emit(dataset.agencyRef, this.#offerChanges(record, ['Offer.Modified', ...extra]));
  }

  /** File notes raise no webhook (Alto has no file-note event). */
  addFileNote(
    dataset: AltoDataset,
    input: Omit<FileNoteRecord, 'seq' | 'created' | 'updated'>,
  ): FileNoteRecord {
    return dataset.addFileNote({ ...input, created: this.clock.now(), updated: null });
  }
}
