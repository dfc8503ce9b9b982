import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import { renderActivity, type ActivityRecord } from './custom-activity.model.ts';
import {
  isoTime,
  renderContact,
  type ContactRecord,
  type JsonObject,
  type NurtureState,
} from './custom-contact.model.ts';
import type { ActivityInput, ContactChange, CustomDataset } from './custom-dataset.ts';
import type { CustomWebhooks } from './custom-webhooks.ts';

/** What a nurture write asks for (already validated). */
export interface NurtureWrite {
  engagement_score?: number | null | undefined;
  engagement_scored_at?: string | undefined;
  hot_lead?: boolean | undefined;
  hot_lead_at?: string | undefined;
}

/**
 * Every state change, followed by the webhook events it causes. The API routes and the control
 * surface both go through here, so a change made either way notifies the same way.
 */
export class CustomEngine {
  readonly clock: SimulatorClock;
  readonly webhooks: CustomWebhooks;
  #dataset: CustomDataset;

  constructor(options: { clock: SimulatorClock; webhooks: CustomWebhooks; dataset: CustomDataset }) {
    this.clock = options.clock;
    this.webhooks = options.webhooks;
    this.#dataset = options.dataset;
  }

  get dataset(): CustomDataset {
    return this.#dataset;
  }

  /** Swaps in freshly generated data (reset). */
  replaceDataset(dataset: CustomDataset): void {
    this.#dataset = dataset;
  }

  createContact(change: ContactChange): ContactRecord {
    const now = this.clock.now();
    const dataset = this.#dataset;
    const { custom_fields: customFields, archived, ...rest } = change;
    const fields = dataset.fieldsAfter(dataset.blankFields(), rest);
    const record = dataset.createContact(fields, customFields ?? null, now);
    if (archived === true) record.archivedAt = now;
    this.#emitContact('contact.created', record, now);
    return record;
  }

  /**
   * Changes contacts and sends `contact.updated` for each one that changed. With `touch`, every
   * record counts as changed (an agent saving the record in the CRM).
   */
  changeContacts(
    records: readonly ContactRecord[],
    changeFor: (record: ContactRecord) => ContactChange,
    touch: boolean,
  ): ContactRecord[] {
    const now = this.clock.now();
    const changed = this.#dataset.changeContacts(records, changeFor, now, touch);
    if (this.webhooks.hasSubscribers('contact.updated'))
      for (const record of changed) this.#emitContact('contact.updated', record, now);
    return changed;
  }

  /** Removes a contact: GET answers 404, lists never show it again, `contact.deleted` tells subscribers. */
  deleteContact(record: ContactRecord): void {
    const now = this.clock.now();
    this.#dataset.deleteContact(record);
    if (this.webhooks.hasSubscribers('contact.deleted'))
      this.webhooks.emit('contact.deleted', now, { id: record.id, deleted_at: isoTime(now) });
  }

  addActivity(input: ActivityInput): ActivityRecord {
    const now = this.clock.now();
    const record = this.#dataset.addActivity(input, now);
    if (this.webhooks.hasSubscribers('activity.created'))
      this.webhooks.emit('activity.created', now, renderActivity(record));
    return record;
  }

  setActivityStatus(record: ActivityRecord, status: string): void {
    const now = this.clock.now();
    this.#dataset.setActivityStatus(record, status, now);
    if (this.webhooks.hasSubscribers('activity.updated'))
      this.webhooks.emit('activity.updated', now, renderActivity(record));
  }

  /**
   * Writes Propsync's outcomes. A score older than the stored one is ignored, so a late retry never
   * overwrites a newer score; a contact already hot keeps the time it first became hot. A write
   * that changes something moves the contact's `updated_at` and ETag and sends `contact.updated`;
   * one that changes nothing (a retry) leaves both alone. Returns whether anything changed.
   */
  writeNurture(record: ContactRecord, write: NurtureWrite): boolean {
    const now = this.clock.now();
    const before = record.nurture;
    const next: NurtureState =
      before === null
        ? { engagementScore: null, engagementScoredAt: null, hotLead: false, hotLeadAt: null, updatedAt: now }
        : { ...before };
    if (write.engagement_score !== undefined) {
      const scoredAt =
        write.engagement_scored_at === undefined ? now : Date.parse(write.engagement_scored_at);
      if (next.engagementScoredAt === null || scoredAt >= next.engagementScoredAt) {
        next.engagementScore = write.engagement_score;
        next.engagementScoredAt = scoredAt;
      }
    }
    if (write.hot_lead === true && !next.hotLead) {
      next.hotLead = true;
      next.hotLeadAt = write.hot_lead_at === undefined ? now : Date.parse(write.hot_lead_at);
    } else if (write.hot_lead === false && next.hotLead) {
      next.hotLead = false;
      next.hotLeadAt = null;
    }
    const changed =
      next.engagementScore !== (before?.engagementScore ?? null) ||
      next.engagementScoredAt !== (before?.engagementScoredAt ?? null) ||
      next.hotLead !== (before?.hotLead ?? false) ||
      next.hotLeadAt !== (before?.hotLeadAt ?? null);
    if (!changed) return false;
    next.updatedAt = now;
    this.#dataset.setNurture(record, next, now);
    this.#emitContact('contact.updated', record, now);
    return true;
  }

  renderNurture(record: ContactRecord): JsonObject {
    const state = record.nurture;
    const emails = this.#dataset.emailsSent(record.seq);
    return {
      contact_id: record.id,
      engagement_score: state?.engagementScore ?? null,
      engagement_scored_at: state?.engagementScoredAt == null ? null : isoTime(state.engagementScoredAt),
      hot_lead: state?.hotLead ?? false,
      hot_lead_at: state?.hotLeadAt == null ? null : isoTime(state.hotLeadAt),
      emails_sent: emails.count,
      last_email_sent_at: emails.last === null ? null : isoTime(emails.last),
      updated_at: state === null ? null : isoTime(state.updatedAt),
    };
  }

  #emitContact(event: 'contact.created' | 'contact.updated', record: ContactRecord, now: number): void {
    if (this.webhooks.hasSubscribers(event))
      this.webhooks.emit(event, now, renderContact(record, this.#dataset.seed));
  }
}
