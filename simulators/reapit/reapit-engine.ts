import type { FaultControls } from '../toolkit/fault-controls.ts';
import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import type { ReapitAuth } from './reapit-auth.ts';
import {
  renderAppointment,
  renderOffer,
  type AppointmentRecord,
  type JournalEntryRecord,
  type OfferRecord,
} from './reapit-activity.model.ts';
import {
  diffSnapshots,
  isEtagOnlyDiff,
  renderContact,
  roleEntitySnapshots,
  type ContactRecord,
  type JsonObject,
} from './reapit-contact.model.ts';
import type { ContactCreate, ContactPatch, ReapitDataset } from './reapit-dataset.ts';
import type { ReapitNotification, ReapitWebhooks } from './reapit-webhooks.ts';

interface ContactSnapshot {
  contact: JsonObject;
  roles: Array<{ topicId: string; entityId: string; snapshot: JsonObject }>;
}

const ROLE_TOPIC_PREFIXES = ['applicants.', 'landlords.', 'vendors.', 'tenancies.'];

/**
 * The simulator's state changes, each followed by the webhook events Reapit would send. Both
 * the API routes and the control surface go through here, so a change made either way notifies.
 */
export class ReapitEngine {
  readonly clock: SimulatorClock;
  readonly auth: ReapitAuth;
  readonly webhooks: ReapitWebhooks;
  readonly faults: FaultControls;
  readonly #datasets: Map<string, ReapitDataset>;

  constructor(options: {
    clock: SimulatorClock;
    auth: ReapitAuth;
    webhooks: ReapitWebhooks;
    faults: FaultControls;
    datasets: Map<string, ReapitDataset>;
  }) {
    this.clock = options.clock;
    this.auth = options.auth;
    this.webhooks = options.webhooks;
    this.faults = options.faults;
    this.#datasets = options.datasets;
  }

  dataset(customerId: string): ReapitDataset | undefined {
    return this.#datasets.get(customerId);
  }

  #snapshot(dataset: ReapitDataset, record: ContactRecord, withRoles: boolean): ContactSnapshot {
    return {
      contact: renderContact(record, { seed: dataset.seed, forWebhook: true }),
      roles: withRoles ? roleEntitySnapshots(record, dataset.seed) : [],
    };
  }

  createContact(dataset: ReapitDataset, input: ContactCreate): ContactRecord {
    const now = this.clock.now();
    const record = dataset.createContact(input, now);
    if (this.webhooks.hasSubscribers(dataset.customerId, 'contacts.created')) {
      const created = renderContact(record, { seed: dataset.seed, forWebhook: true });
      this.webhooks.emit(dataset.customerId, now, [
        {
          topicId: 'contacts.created',
          entityId: record.id,
          new: created,
          old: null,
          diff: null,
          etagOnly: false,
        },
      ]);
    }
    return record;
  }

  /**
   * Updates contacts and notifies: `contacts.modified` for each, `contacts.optedout` when consent
   * became deny, and one `<role>.modified` per role entity whose related contact changed — all
   * notifications of one contact's change share its eventId.
   */
  patchContacts(
    dataset: ReapitDataset,
    records: readonly ContactRecord[],
    patchFor: (record: ContactRecord) => ContactPatch,
  ): void {
    const now = this.clock.now();
    const customerId = dataset.customerId;
    const notifyContacts = this.webhooks.hasSubscribers(customerId, 'contacts.');
    const notifyRoles = ROLE_TOPIC_PREFIXES.some((prefix) =>
      this.webhooks.hasSubscribers(customerId, prefix),
    );
    if (!notifyContacts && !notifyRoles) {
      dataset.patchContacts(records, patchFor, now);
      return;
    }
    const before = records.map((record) => this.#snapshot(dataset, record, notifyRoles));
    dataset.patchContacts(records, patchFor, now);
    records.forEach((record, i) => {
      const old = before[i] as ContactSnapshot;
      const after = this.#snapshot(dataset, record, notifyRoles);
      const diff = diffSnapshots(old.contact, after.contact);
      const notifications: ReapitNotification[] = [
        {
          topicId: 'contacts.modified',
          entityId: record.id,
          new: after.contact,
          old: old.contact,
          diff,
          etagOnly: isEtagOnlyDiff(diff),
        },
      ];
      if (old.contact.marketingConsent !== 'deny' && after.contact.marketingConsent === 'deny') {
        notifications.push({
          topicId: 'contacts.optedout',
          entityId: record.id,
          new: after.contact,
          old: old.contact,
          diff,
          etagOnly: false,
        });
      }
      after.roles.forEach((role, r) => {
        const previous = old.roles[r];
        if (previous === undefined) return;
        const roleDiff = diffSnapshots(previous.snapshot, role.snapshot);
        // Roles only hear about changes to what they show of the contact.
        if (isEtagOnlyDiff(roleDiff)) return;
        notifications.push({
          topicId: role.topicId,
          entityId: role.entityId,
          new: role.snapshot,
          old: previous.snapshot,
          diff: roleDiff,
          etagOnly: false,
        });
      });
      this.webhooks.emit(customerId, now, notifications);
    });
  }

  /** Archives (Reapit's soft delete): the contact stays, `archivedOn` is set; webhook `new` is null. */
  archiveContact(dataset: ReapitDataset, record: ContactRecord): void {
    const now = this.clock.now();
    const notify = this.webhooks.hasSubscribers(dataset.customerId, 'contacts.modified');
    const old = notify ? renderContact(record, { seed: dataset.seed, forWebhook: true }) : null;
    dataset.archiveContact(record, now);
    if (old !== null) {
      const archived = renderContact(record, { seed: dataset.seed, forWebhook: true });
      this.webhooks.emit(dataset.customerId, now, [
        {
          topicId: 'contacts.modified',
          entityId: record.id,
          new: null,
          old,
          diff: diffSnapshots(old, archived),
          etagOnly: false,
        },
      ]);
    }
  }

  /** Removes the contact outright (GET then answers 404); webhook `new` and `diff` are null. */
  deleteContact(dataset: ReapitDataset, record: ContactRecord): void {
    const now = this.clock.now();
    const notify = this.webhooks.hasSubscribers(dataset.customerId, 'contacts.modified');
    const old = notify ? renderContact(record, { seed: dataset.seed, forWebhook: true }) : null;
    dataset.deleteContact(record);
    if (old !== null) {
      this.webhooks.emit(dataset.customerId, now, [
        { topicId: 'contacts.modified', entityId: record.id, new: null, old, diff: null, etagOnly: false },
      ]);
    }
  }

  addAppointment(
    dataset: ReapitDataset,
    input: Omit<AppointmentRecord, 'seq' | 'id' | 'version' | 'created' | 'modified'>,
  ): AppointmentRecord {
    const now = this.clock.now();
    const record = dataset.addAppointment({ ...input, created: now, modified: now });
    if (this.webhooks.hasSubscribers(dataset.customerId, 'appointments.created')) {
      const model = renderAppointment(record, (seq) => dataset.contacts.get(seq), dataset.seed, true);
      this.webhooks.emit(dataset.customerId, now, [
        {
          topicId: 'appointments.created',
          entityId: record.id,
          new: model,
          old: null,
          diff: null,
          etagOnly: false,
        },
      ]);
    }
    return record;
  }

  addOffer(
    dataset: ReapitDataset,
    input: Omit<OfferRecord, 'seq' | 'id' | 'version' | 'created' | 'modified'>,
  ): OfferRecord {
    const now = this.clock.now();
    const record = dataset.addOffer({ ...input, created: now, modified: now });
    if (this.webhooks.hasSubscribers(dataset.customerId, 'offers.created')) {
      const model = renderOffer(record, (seq) => dataset.contacts.get(seq), dataset.seed, true);
      this.webhooks.emit(dataset.customerId, now, [
        {
          topicId: 'offers.created',
          entityId: record.id,
          new: model,
          old: null,
          diff: null,
          etagOnly: false,
        },
      ]);
    }
    return record;
  }

  addJournalEntry(
    dataset: ReapitDataset,
    input: Omit<JournalEntryRecord, 'seq' | 'modified' | 'created'>,
  ): JournalEntryRecord {
    return dataset.addJournalEntry({ ...input, created: this.clock.now() });
  }
}
