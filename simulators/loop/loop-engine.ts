import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import {
  renderAppointment,
  renderOffer,
  type AppointmentRecord,
  type NoteRecord,
  type OfferRecord,
} from './loop-activity.model.ts';
import type { LoopAppointmentStatus, LoopWebhookEvent } from './loop-constants.ts';
import {
  changedFields,
  contactIdOf,
  loopTime,
  renderContact,
  type ContactRecord,
  type JsonObject,
} from './loop-contact.model.ts';
import type { LoopDataset } from './loop-dataset.ts';
import type { ContactPatch } from './loop-http.ts';
import type { LoopWebhooks } from './loop-webhooks.ts';

/**
 * The simulator's state changes, each followed by the webhook events Loop would send. The API
 * routes and the control surface both go through here, so a change made either way notifies.
 */
export class LoopEngine {
  readonly clock: SimulatorClock;
  readonly webhooks: LoopWebhooks;

  constructor(options: { clock: SimulatorClock; webhooks: LoopWebhooks }) {
    this.clock = options.clock;
    this.webhooks = options.webhooks;
  }

  /** Sends the event when someone listens; `data` is rendered only then. */
  #notify(
    dataset: LoopDataset,
    type: LoopWebhookEvent,
    now: number,
    data: () => JsonObject,
    changed?: string[],
  ): void {
    if (this.webhooks.hasSubscribers(dataset.teamId, type))
      this.webhooks.emit(dataset.teamId, type, now, data(), changed);
  }

  createContact(dataset: LoopDataset, input: ContactPatch): ContactRecord {
    const now = this.clock.now();
    const record = dataset.createContact(input, now);
    this.#notify(dataset, 'contact.created', now, () => renderContact(record, dataset));
    return record;
  }

  /** Updates contacts; one `contact.updated` each, naming the fields that changed. */
  patchContacts(
    dataset: LoopDataset,
    records: readonly ContactRecord[],
    patchFor: (record: ContactRecord) => ContactPatch,
  ): void {
    const now = this.clock.now();
    if (!this.webhooks.hasSubscribers(dataset.teamId, 'contact.updated')) {
      dataset.patchContacts(records, patchFor, now);
      return;
    }
    const before = records.map((record) => renderContact(record, dataset));
    dataset.patchContacts(records, patchFor, now);
    records.forEach((record, i) => {
      const after = renderContact(record, dataset);
      this.webhooks.emit(
        dataset.teamId,
        'contact.updated',
        now,
        after,
        changedFields(before[i] ?? {}, after),
      );
    });
  }

  archiveContact(dataset: LoopDataset, record: ContactRecord): void {
    const now = this.clock.now();
    dataset.archiveContact(record, now);
    this.#notify(dataset, 'contact.archived', now, () => renderContact(record, dataset));
  }

  /** Deletion carries no snapshot: only the id and when. */
  deleteContact(dataset: LoopDataset, record: ContactRecord): void {
    const now = this.clock.now();
    const id = contactIdOf(record, dataset.salt);
    dataset.deleteContact(record);
    this.#notify(dataset, 'contact.deleted', now, () => ({ id, deletedAt: loopTime(now) }));
  }

  addAppointment(
    dataset: LoopDataset,
    input: Omit<AppointmentRecord, 'seq' | 'created' | 'modified'>,
  ): AppointmentRecord {
    const now = this.clock.now();
    const record = dataset.addAppointment({ ...input, created: now, modified: now });
    this.#notify(dataset, 'appointment.created', now, () => renderAppointment(record, dataset));
    return record;
  }

  updateAppointment(dataset: LoopDataset, record: AppointmentRecord, status: LoopAppointmentStatus): void {
    const now = this.clock.now();
    dataset.updateAppointment(record, status, now);
    this.#notify(dataset, 'appointment.updated', now, () => renderAppointment(record, dataset), ['status']);
  }

  addOffer(
    dataset: LoopDataset,
    input: Omit<OfferRecord, 'seq' | 'created' | 'modified' | 'submitted'>,
  ): OfferRecord {
    const now = this.clock.now();
    const record = dataset.addOffer({ ...input, submitted: now, created: now, modified: now });
    this.#notify(dataset, 'offer.created', now, () => renderOffer(record, dataset));
    return record;
  }

  updateOffer(
    dataset: LoopDataset,
    record: OfferRecord,
    changes: { status?: OfferRecord['status']; amount?: number },
  ): void {
    const now = this.clock.now();
    dataset.updateOffer(record, changes, now);
    this.#notify(dataset, 'offer.updated', now, () => renderOffer(record, dataset), Object.keys(changes));
  }

  /** Notes are their own records: writing one does not change the contact's `updatedAt`. */
  addNote(
    dataset: LoopDataset,
    input: Omit<NoteRecord, 'seq' | 'created' | 'modified' | 'occurred'> & { occurred?: number },
  ): NoteRecord {
    const now = this.clock.now();
    return dataset.addNote({ ...input, occurred: input.occurred ?? now, created: now });
  }
}
