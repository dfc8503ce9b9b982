import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import type { AgentosContactType, AgentosWebhookEvent } from './agentos-constants.ts';
import { isVisible, renderContact, type ContactRecord } from './agentos-contact.model.ts';
import type { AgentosDataset, ContactCreate, ContactPatch } from './agentos-dataset.ts';
import type { AgentosWebhooks } from './agentos-webhooks.ts';

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

  /** Announces the record's change to the agency's subscribers to `event`, if any. */
  #announce(dataset: AgentosDataset, record: ContactRecord, event: AgentosWebhookEvent, now: number): void {
    if (!this.webhooks.hasSubscribers(dataset.shortName, event)) return;
    const contact = isVisible(record) ? renderContact(record, dataset.seed) : null;
    this.webhooks.emit(dataset.shortName, now, [
      { event, type: record.type, oid: dataset.oidOf(record), contact },
    ]);
  }

  createContact(dataset: AgentosDataset, type: AgentosContactType, input: ContactCreate): ContactRecord {
    const now = this.clock.now();
    const record = dataset.createContact(type, input, now);
    if (isVisible(record)) this.#announce(dataset, record, 'contact.created', now);
    return record;
  }

  /** Updates records (each bumps ModifiedDate and ETag) and announces each as its own event. */
  patchContacts(
    dataset: AgentosDataset,
    records: readonly ContactRecord[],
    patchFor: (record: ContactRecord) => ContactPatch,
  ): void {
    const now = this.clock.now();
    const wasVisible = records.map(isVisible);
    dataset.patchContacts(records, patchFor, now);
    records.forEach((record, i) => {
      if (wasVisible[i] || isVisible(record)) this.#announce(dataset, record, 'contact.updated', now);
    });
  }

  archiveContact(dataset: AgentosDataset, record: ContactRecord): void {
    const now = this.clock.now();
    dataset.archiveContact(record, now);
    if (isVisible(record)) this.#announce(dataset, record, 'contact.updated', now);
  }

  deleteContact(dataset: AgentosDataset, record: ContactRecord): void {
    const now = this.clock.now();
    const wasVisible = isVisible(record);
    dataset.deleteContact(record);
    if (wasVisible) this.#announce(dataset, record, 'contact.updated', now);
  }
}
