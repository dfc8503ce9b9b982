import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import type { AgentosContactType } from './agentos-constants.ts';
import type { AppointmentRecord, LogEntryRecord, OfferRecord } from './agentos-activity.model.ts';
import { isVisible, renderContact, type ContactRecord } from './agentos-contact.model.ts';
import type { AgentosDataset, ContactCreate, ContactPatch } from './agentos-dataset.ts';
import type { AgentosWebhooks, ContactNotification } from './agentos-webhooks.ts';

/**
 * The simulator's state changes, each followed by the webhooks agentOS would send. The API routes
 * and the control surface both go through here, so a change made either way notifies.
 *
 * Only records shared with third parties (marketing consent given) are announced: a record that
 * stops being shared (consent withdrawn, deleted) is announced once with `Contact: null`.
 */
export class AgentosEngine {
  readonly clock: SimulatorClock;
  readonly webhooks: AgentosWebhooks;

  constructor(options: { clock: SimulatorClock; webhooks: AgentosWebhooks }) {
    this.clock = options.clock;
    this.webhooks = options.webhooks;
  }

  #notification(
    dataset: AgentosDataset,
    record: ContactRecord,
    event: ContactNotification['event'],
  ): ContactNotification {
    return {
      event,
      type: record.type,
      oid: dataset.oidOf(record),
      contact: isVisible(record) ? renderContact(record, dataset.seed) : null,
    };
  }

  createContact(dataset: AgentosDataset, type: AgentosContactType, input: ContactCreate): ContactRecord {
    const now = this.clock.now();
    const record = dataset.createContact(type, input, now);
    if (isVisible(record) && this.webhooks.hasSubscribers(dataset.shortName, 'contact.created')) {
      this.webhooks.emit(dataset.shortName, now, [this.#notification(dataset, record, 'contact.created')]);
    }
    return record;
  }

  /** Updates records (each bumps ModifiedDate and ETag) and announces each as its own event. */
  patchContacts(
    dataset: AgentosDataset,
    records: readonly ContactRecord[],
    patchFor: (record: ContactRecord) => ContactPatch,
  ): void {
    const now = this.clock.now();
    const notify = this.webhooks.hasSubscribers(dataset.shortName, 'contact.updated');
    const wasVisible = notify ? records.map(isVisible) : [];
    dataset.patchContacts(records, patchFor, now);
    if (!notify) return;
    records.forEach((record, i) => {
      if (wasVisible[i] || isVisible(record)) {
        this.webhooks.emit(dataset.shortName, now, [this.#notification(dataset, record, 'contact.updated')]);
      }
    });
  }

  archiveContact(dataset: AgentosDataset, record: ContactRecord): void {
    const now = this.clock.now();
    dataset.archiveContact(record, now);
    if (isVisible(record) && this.webhooks.hasSubscribers(dataset.shortName, 'contact.updated')) {
      this.webhooks.emit(dataset.shortName, now, [this.#notification(dataset, record, 'contact.updated')]);
    }
  }

  deleteContact(dataset: AgentosDataset, record: ContactRecord): void {
    const now = this.clock.now();
    const wasVisible = isVisible(record);
    dataset.deleteContact(record);
    if (wasVisible && this.webhooks.hasSubscribers(dataset.shortName, 'contact.updated')) {
      this.webhooks.emit(dataset.shortName, now, [this.#notification(dataset, record, 'contact.updated')]);
    }
  }

  addAppointment(
    dataset: AgentosDataset,
    input: Omit<AppointmentRecord, 'seq' | 'rowVersion' | 'created' | 'modified'>,
  ): AppointmentRecord {
    const now = this.clock.now();
    return dataset.addAppointment({ ...input, created: now, modified: now });
  }

  addOffer(
    dataset: AgentosDataset,
    input: Omit<OfferRecord, 'seq' | 'rowVersion' | 'created' | 'modified'>,
  ): OfferRecord {
    const now = this.clock.now();
    return dataset.addOffer({ ...input, created: now, modified: now });
  }

  addLogEntry(
    dataset: AgentosDataset,
    input: Omit<LogEntryRecord, 'seq' | 'modified' | 'created'>,
  ): LogEntryRecord {
    return dataset.addLogEntry({ ...input, created: this.clock.now() });
  }
}
