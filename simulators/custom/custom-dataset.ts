import type { z } from 'zod';
import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import { DatasetBase } from '../toolkit/dataset-base.ts';
import { generatedTimes } from '../toolkit/generated-data.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { EmailIndex } from '../toolkit/email-index.ts';
import {
  activityId,
  occurredAtFor,
  renderActivity,
  seqOfActivityId,
  type ActivityRecord,
} from './custom-activity.model.ts';
import type { CustomWebhookEvent } from './custom-constants.ts';
import { seedActivities } from './custom-seeded-activities.ts';
import { NumberedCollection } from '../toolkit/numbered-collection.ts';
import {
  contactId,
  emailKeysOf,
  fieldsOf,
  isoTime,
  mergePatch,
  renderContact,
  seqOfContactId,
  withOnePrimary,
  type AddressFields,
  type ContactFields,
  type ContactRecord,
  type JsonObject,
  type NurtureState,
} from './custom-contact.model.ts';
import type { ControlContactChangeSchema, NurturePatchSchema } from './custom-http.ts';
import type { CustomWebhooks } from './custom-webhooks.ts';

/**
 * A change to a contact, in the API's field names (already validated): the control surface's
 * shape, which adds what only the CRM itself changes (applicant, tenancy, vendor…) to the API's.
 */
export type ContactChange = z.infer<typeof ControlContactChangeSchema>;

/** What a new activity holds before it gets its id and times. */
export type ActivityInput = Omit<ActivityRecord, 'seq' | 'id' | 'created' | 'modified' | 'occurredAt'> & {
  occurredAt?: number;
};

/** The toolkit's dataset seed (generated times lie before its `anchor`), the clock and where changes are announced. */
export type CustomDatasetOptions = DatasetSeed & { now: () => number; webhooks: CustomWebhooks };

/** What a nurture write asks for (already validated). */
type NurtureWrite = z.infer<typeof NurturePatchSchema>;

/** A new contact's fields before its change: nothing set. */
const BLANK_FIELDS: ContactFields = {
  title: null,
  first_name: null,
  last_name: null,
  date_of_birth: null,
  emails: [],
  phones: [],
  address: null,
  marketing_consent: 'not_asked',
  applicant: null,
  tenancy: null,
  is_vendor: false,
  is_landlord: false,
  source: null,
};

const EMPTY_ADDRESS: AddressFields = {
  line1: null,
  line2: null,
  line3: null,
  town: null,
  county: null,
  postcode: null,
  country_code: 'GB',
  uprn: null,
};

/** The fields a change leads to (a fresh object; `current` is left alone). */
function changedFields(current: ContactFields, change: ContactChange): ContactFields {
  const next: ContactFields = structuredClone(current);
  if (change.title !== undefined) next.title = change.title;
  if (change.first_name !== undefined) next.first_name = change.first_name;
  if (change.last_name !== undefined) next.last_name = change.last_name;
  if (change.date_of_birth !== undefined) next.date_of_birth = change.date_of_birth;
  if (change.emails !== undefined) {
    next.emails = withOnePrimary(
      change.emails.map((email) => ({
        address: email.address,
        type: email.type ?? 'personal',
        primary: email.primary ?? false,
      })),
    );
  }
  if (change.phones !== undefined) {
    next.phones = withOnePrimary(
      change.phones.map((phone) => ({
        number: phone.number,
        type: phone.type ?? 'mobile',
        primary: phone.primary ?? false,
      })),
    );
  }
  if (change.address !== undefined) {
    next.address =
      change.address === null ? null : { ...(current.address ?? EMPTY_ADDRESS), ...change.address };
  }
  if (change.marketing_consent !== undefined) next.marketing_consent = change.marketing_consent;
  if (change.applicant !== undefined)
    next.applicant = change.applicant === null ? null : { ...change.applicant };
  if (change.tenancy !== undefined) next.tenancy = change.tenancy === null ? null : { ...change.tenancy };
  if (change.is_vendor !== undefined) next.is_vendor = change.is_vendor;
  if (change.is_landlord !== undefined) next.is_landlord = change.is_landlord;
  if (change.source !== undefined) next.source = change.source;
  return next;
}

/**
 * The agency's data: contacts generated from the shared UK people, activities (viewings,
 * valuations, offers, calls) and the write-back Propsync leaves. Data only: webhooks and HTTP
 * live elsewhere.
 */
export class CustomDataset extends DatasetBase {
  readonly contacts = new NumberedCollection<ContactRecord>();
  /** By contact (`of(contactSeq)`, in creation order). */
  readonly activities = new NumberedCollection<ActivityRecord>({
    ownerOf: (activity) => activity.contactSeq,
  });
  readonly #emails = new EmailIndex<ContactRecord>(() => this.contacts.values(), emailKeysOf);
  readonly #webhooks: CustomWebhooks;

  constructor(options: CustomDatasetOptions) {
    super(options, 'custom', options.now);
    this.#webhooks = options.webhooks;
    this.#generate(options.anchor);
  }

  #generate(anchor: number): void {
    const random = new SeededRandom(mixSeed(this.seed, 'custom-timestamps'));
    const people = this.people.people;
    const count = people.length;
    const records: ContactRecord[] = [];
    for (let i = 0; i < count; i++) {
      const seq = i + 1;
      records.push({
        seq,
        id: contactId(seq),
        ...generatedTimes(i, count, anchor, random),
        version: 1,
        person: people[i] ?? null,
        fields: null,
        customFields: null,
        archivedAt: null,
        nurture: null,
      });
    }
    this.contacts.load(records);
    this.activities.load(seedActivities(this.seed, records, anchor));
  }

  contactById(id: string): ContactRecord | undefined {
    const seq = seqOfContactId(id);
    return seq === null ? undefined : this.contacts.get(seq);
  }

  activityById(id: string): ActivityRecord | undefined {
    const seq = seqOfActivityId(id);
    return seq === null ? undefined : this.activities.get(seq);
  }

  /** Contacts holding this email, case-insensitively and ignoring surrounding spaces. */
  contactsByEmail(email: string): ContactRecord[] {
    return this.#emails.find(email);
  }

  /** Sends the event when someone listens; `data` is rendered only then. */
  #notify(event: CustomWebhookEvent, now: number, data: () => JsonObject): void {
    if (this.#webhooks.hasSubscribers(event)) this.#webhooks.emit(event, now, data());
  }

  createContact(change: ContactChange): ContactRecord {
    const now = this.now();
    const { custom_fields: customFields, archived, ...rest } = change;
    const record = this.contacts.insert({
      id: contactId(this.contacts.nextSeq),
      created: now,
      modified: now,
      version: 1,
      person: null,
      fields: changedFields(BLANK_FIELDS, rest),
      customFields: customFields ?? null,
      archivedAt: archived === true ? now : null,
      nurture: null,
    });
    this.#emails.add(record);
    this.#notify('contact.created', now, () => renderContact(record, this.seed));
    return record;
  }

  /**
   * Applies changes to contacts and sends `contact.updated` for each one that changed. A record
   * whose change alters nothing keeps its `modified` and version unless `touch` is set (an agent
   * saving the record in the CRM). Returns the changed records.
   */
  changeContacts(
    records: readonly ContactRecord[],
    changeFor: (record: ContactRecord) => ContactChange,
    touch: boolean,
  ): ContactRecord[] {
    const now = this.now();
    const planned: Array<{
      record: ContactRecord;
      fields: ContactFields;
      customFields: JsonObject | null;
      archivedAt: number | null;
    }> = [];
    for (const record of records) {
      const change = changeFor(record);
      const current = fieldsOf(record, this.seed);
      const fields = changedFields(current, change);
      const customFields =
        change.custom_fields === undefined
          ? record.customFields
          : change.custom_fields === null
            ? null
            : mergePatch(record.customFields ?? {}, change.custom_fields);
      const archivedAt =
        change.archived === undefined
          ? record.archivedAt
          : change.archived
            ? (record.archivedAt ?? now)
            : null;
      const same =
        JSON.stringify(fields) === JSON.stringify(current) &&
        JSON.stringify(customFields ?? {}) === JSON.stringify(record.customFields ?? {}) &&
        archivedAt === record.archivedAt;
      if (same && !touch) continue;
      planned.push({ record, fields, customFields, archivedAt });
    }
    const byRecord = new Map(planned.map((plan) => [plan.record, plan]));
    const changed = planned.map((plan) => plan.record);
    this.#emails.update(changed, () =>
      this.contacts.updateMany(changed, (record) => {
        const plan = byRecord.get(record)!;
        record.fields = plan.fields;
        record.customFields = plan.customFields;
        record.archivedAt = plan.archivedAt;
        record.modified = now;
        record.version++;
      }),
    );
    for (const record of changed)
      this.#notify('contact.updated', now, () => renderContact(record, this.seed));
    return changed;
  }

  /**
   * Writes Propsync's outcomes. A score older than the stored one is ignored, so a late retry never
   * overwrites a newer score; a contact already hot keeps the time it first became hot. A write
   * that changes something moves the contact's `updated_at` and ETag and sends `contact.updated`;
   * one that changes nothing (a retry) leaves both alone. Returns whether anything changed.
   */
  writeNurture(record: ContactRecord, write: NurtureWrite): boolean {
    const now = this.now();
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
    // Nurture outcomes are part of the contact, so `modified` and the ETag move.
    this.contacts.update(record, (target) => {
      target.nurture = next;
      target.modified = now;
      target.version++;
    });
    this.#notify('contact.updated', now, () => renderContact(record, this.seed));
    return true;
  }

  /** GET /contacts/{id}/nurture. */
  renderNurture(record: ContactRecord): JsonObject {
    const state = record.nurture;
    const emails = this.#emailsSent(record.seq);
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

  /** Removes a contact: GET answers 404, lists never show it again, `contact.deleted` tells subscribers. */
  deleteContact(record: ContactRecord): void {
    const now = this.now();
    this.#emails.remove(record);
    this.contacts.remove(record);
    this.#notify('contact.deleted', now, () => ({ id: record.id, deleted_at: isoTime(now) }));
  }

  addActivity(input: ActivityInput): ActivityRecord {
    const now = this.now();
    const id = activityId(this.activities.nextSeq);
    const record = this.activities.insert({ ...input, id, created: now, modified: now, occurredAt: now });
    record.occurredAt = input.occurredAt ?? occurredAtFor(record, now);
    this.#notify('activity.created', now, () => renderActivity(record));
    return record;
  }

  /** Moves an activity to a new status (a viewing completed, an offer accepted). */
  setActivityStatus(record: ActivityRecord, status: string): void {
    const now = this.now();
    this.activities.update(record, (target) => {
      target.status = status;
      target.modified = now;
      target.occurredAt = occurredAtFor(target, now);
    });
    this.#notify('activity.updated', now, () => renderActivity(record));
  }

  /** Outbound emails Propsync wrote back for a contact. */
  #emailsSent(contactSeq: number): { count: number; last: number | null } {
    let count = 0;
    let last: number | null = null;
    for (const activity of this.activities.of(contactSeq)) {
      if (activity.source !== 'api' || activity.type !== 'email' || activity.direction !== 'outbound')
        continue;
      count++;
      if (last === null || activity.occurredAt > last) last = activity.occurredAt;
    }
    return { count, last };
  }
}
