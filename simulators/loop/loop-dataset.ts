import { EmailIndex } from '../toolkit/email-index.ts';
import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import { DatasetBase } from '../toolkit/dataset-base.ts';
import { generatedTimes } from '../toolkit/generated-data.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { NumberedCollection } from '../toolkit/numbered-collection.ts';
import type { TimedCollection, TimedRecord } from '../toolkit/timed-collection.ts';
import {
  renderAppointment,
  renderOffer,
  type AppointmentRecord,
  type NoteRecord,
  type OfferRecord,
} from './loop-activity.model.ts';
import type { LoopAppointmentStatus, LoopWebhookEvent } from './loop-constants.ts';
import { generateActivities } from './loop-activity.seed.ts';
import {
  changedFields,
  contactIdOf,
  emailsOf,
  fieldsOf,
  loopTime,
  renderContact,
  type JsonObject,
  type ContactRecord,
  type CustomFieldValue,
  type LoopAddress,
  type LoopContactFields,
  type RenderContext,
} from './loop-contact.model.ts';
import type { ContactPatch } from './loop-http.ts';
import { seqOfLoopId, type LoopEntityKind } from './loop-ids.ts';
import type { LoopWebhooks } from './loop-webhooks.ts';

/** What the team's data is generated from (timestamps lie before `anchor`), and what it tells of changes. */
interface LoopDatasetOptions extends DatasetSeed {
  teamId: string;
  name: string;
  /** Share of generated contacts archived (default 0.02). */
  archivedRate?: number;
  /** The simulator's clock: every change happens at its `now()`. */
  now: () => number;
  /** Where the team's changes are announced. */
  webhooks: LoopWebhooks;
}

/** Marks the first entry primary when none is, so every list has exactly one primary. */
function withPrimary<T extends { isPrimary?: boolean | undefined }>(
  items: readonly T[],
): Array<T & { isPrimary: boolean }> {
  const hasPrimary = items.some((item) => item.isPrimary === true);
  return items.map((item, i) => ({ ...item, isPrimary: hasPrimary ? item.isPrimary === true : i === 0 }));
}

const EMPTY_ADDRESS: LoopAddress = {
  line1: '',
  line2: null,
  line3: null,
  town: null,
  county: null,
  postcode: null,
  countryCode: 'GB',
};

/**
 * One Loop team's data: contacts generated from the shared UK people, appointments, offers and
 * notes. Each change is followed by the webhook event Loop would send; the API routes and the
 * control surface both change data through here, so a change made either way notifies.
 */
export class LoopDataset extends DatasetBase implements RenderContext {
  readonly teamId: string;
  readonly name: string;
  /** Keys this team's ids, so two teams never share one. */
  readonly salt: number;
  readonly contacts = new NumberedCollection<ContactRecord>();
  // Each by its contact (`of(contactSeq)`).
  readonly appointments = new NumberedCollection<AppointmentRecord>({ ownerOf: byContact });
  readonly offers = new NumberedCollection<OfferRecord>({ ownerOf: byContact });
  readonly notes = new NumberedCollection<NoteRecord>({ ownerOf: byContact });
  readonly #emails = new EmailIndex<ContactRecord>(() => this.contacts.values(), emailsOf);
  readonly #webhooks: LoopWebhooks;

  constructor(options: LoopDatasetOptions) {
    super(options, 'loop', options.now);
    this.#webhooks = options.webhooks;
    this.teamId = options.teamId;
    this.name = options.name;
    this.salt = mixSeed(options.seed, 'loop', options.teamId);
    this.#generate(options.anchor, options.archivedRate ?? 0.02);
  }

  #generate(anchor: number, archivedRate: number): void {
    const random = new SeededRandom(mixSeed(this.seed, 'loop-timestamps'));
    const people = this.people.people;
    const count = people.length;
    const records: ContactRecord[] = [];
    for (let i = 0; i < count; i++) {
      const { created, modified } = generatedTimes(i, count, anchor, random);
      records.push({
        seq: i + 1,
        id: null,
        created,
        modified,
        person: people[i] ?? null,
        fields: null,
        customFields: null,
        // Archiving was the last change made to an archived contact.
        archivedAt: random.chance(archivedRate) ? modified : null,
      });
    }
    this.contacts.load(records);
    const { appointments, offers } = generateActivities(records, anchor, this.seed);
    this.appointments.load(appointments);
    this.offers.load(offers);
  }

  /** The record behind a Loop id of this kind, if the id is one of this team's. */
  #byId<T extends TimedRecord>(
    kind: LoopEntityKind,
    collection: TimedCollection<T>,
    id: string,
  ): T | undefined {
    const seq = seqOfLoopId(this.salt, kind, id);
    return seq === null ? undefined : collection.get(seq);
  }

  contactById = (id: string): ContactRecord | undefined => this.#byId('contact', this.contacts, id);
  appointmentById = (id: string): AppointmentRecord | undefined =>
    this.#byId('appointment', this.appointments, id);
  offerById = (id: string): OfferRecord | undefined => this.#byId('offer', this.offers, id);
  noteById = (id: string): NoteRecord | undefined => this.#byId('note', this.notes, id);

  /** Contacts with this email among their addresses (case-insensitive, trimmed), in creation order. */
  contactsByEmail(email: string): ContactRecord[] {
    return this.#emails.find(email);
  }

  /** Sends the event when someone listens; `data` is rendered only then. */
  #notify(type: LoopWebhookEvent, now: number, data: () => JsonObject, changed?: string[]): void {
    if (this.#webhooks.hasSubscribers(this.teamId, type))
      this.#webhooks.emit(this.teamId, type, now, data(), changed);
  }

  createContact(input: ContactPatch): ContactRecord {
    const now = this.now();
    const record = this.contacts.insert({
      id: null,
      created: now,
      modified: now,
      person: null,
      fields: {
        title: null,
        firstName: null,
        lastName: null,
        dateOfBirth: null,
        emailAddresses: [],
        phoneNumbers: [],
        address: null,
        contactTypes: [],
        applicantProfiles: [],
        tenancy: null,
        marketingConsent: {
          status: 'notAsked',
          channels: { email: false, sms: false, phone: false, post: false },
          updated: now,
        },
        source: 'API',
        branchSeq: 1,
        negotiatorSeq: 1,
        tags: [],
      },
      customFields: null,
      archivedAt: null,
    });
    // Patched once stored: a new contact's times, all its collection indexes, do not change.
    this.#applyPatch(record, input, now);
    this.#emails.add(record);
    this.#notify('contact.created', now, () => renderContact(record, this));
    return record;
  }

  /**
   * Applies validated patches, moving `modified` (even when nothing changed); one
   * `contact.updated` each, naming the fields that changed.
   */
  patchContacts(records: readonly ContactRecord[], patchFor: (record: ContactRecord) => ContactPatch): void {
    const now = this.now();
    const notify = this.#webhooks.hasSubscribers(this.teamId, 'contact.updated');
    const before = notify ? records.map((record) => renderContact(record, this)) : [];
    this.#emails.update(records, () =>
      this.contacts.updateMany(records, (record) => {
        this.#applyPatch(record, patchFor(record), now);
        record.modified = now;
      }),
    );
    if (!notify) return;
    records.forEach((record, i) => {
      const after = renderContact(record, this);
      this.#webhooks.emit(this.teamId, 'contact.updated', now, after, changedFields(before[i] ?? {}, after));
    });
  }

  #applyPatch(record: ContactRecord, patch: ContactPatch, now: number): void {
    // Generated contacts are computed until their first write; copy them then.
    const fields: LoopContactFields = record.fields ?? fieldsOf(record, this.seed);
    if (patch.title !== undefined) fields.title = patch.title;
    if (patch.firstName !== undefined) fields.firstName = patch.firstName;
    if (patch.lastName !== undefined) fields.lastName = patch.lastName;
    if (patch.dateOfBirth !== undefined) fields.dateOfBirth = patch.dateOfBirth;
    if (patch.emailAddresses !== undefined) fields.emailAddresses = withPrimary(patch.emailAddresses);
    if (patch.phoneNumbers !== undefined) fields.phoneNumbers = withPrimary(patch.phoneNumbers);
    if (patch.address !== undefined) {
      fields.address =
        patch.address === null ? null : { ...(fields.address ?? EMPTY_ADDRESS), ...patch.address };
    }
    if (patch.contactTypes !== undefined) fields.contactTypes = [...new Set(patch.contactTypes)];
    if (patch.source !== undefined) fields.source = patch.source;
    if (patch.tags !== undefined) fields.tags = [...patch.tags];
    const consent = patch.marketingConsent;
    if (consent !== undefined) {
      const current = fields.marketingConsent;
      const status = consent.status ?? current.status;
      // Opting out withdraws every channel unless the same request names some.
      const base =
        status === 'optedOut' && current.status !== 'optedOut'
          ? { email: false, sms: false, phone: false, post: false }
          : current.channels;
      fields.marketingConsent = {
        status,
        channels: { ...base, ...consent.channels },
        updated: status !== current.status || consent.channels !== undefined ? now : current.updated,
      };
    }
    if (patch.customFields !== undefined) {
      if (patch.customFields === null) record.customFields = null;
      else {
        const merged: Record<string, CustomFieldValue> = { ...record.customFields };
        for (const [key, value] of Object.entries(patch.customFields)) {
          if (value === null) delete merged[key];
          else merged[key] = value;
        }
        record.customFields = merged;
      }
    }
    record.fields = fields;
  }

  /** Archives (Loop keeps the contact, flagged `archived`); bumps `modified`. */
  archiveContact(record: ContactRecord): void {
    const now = this.now();
    this.contacts.update(record, (target) => {
      target.fields = fieldsOf(target, this.seed);
      target.archivedAt = now;
      target.modified = now;
    });
    this.#notify('contact.archived', now, () => renderContact(record, this));
  }

  /**
   * Removes a contact (GET answers 404); its activities and notes stay, as history. Deletion
   * carries no snapshot: only the id and when.
   */
  deleteContact(record: ContactRecord): void {
    const now = this.now();
    const id = contactIdOf(record, this.salt);
    this.#emails.remove(record);
    this.contacts.remove(record);
    this.#notify('contact.deleted', now, () => ({ id, deletedAt: loopTime(now) }));
  }

  addAppointment(input: Omit<AppointmentRecord, 'seq' | 'created' | 'modified'>): AppointmentRecord {
    const now = this.now();
    const record = this.appointments.insert({ ...input, created: now, modified: now });
    this.#notify('appointment.created', now, () => renderAppointment(record, this));
    return record;
  }

  updateAppointment(record: AppointmentRecord, status: LoopAppointmentStatus): void {
    const now = this.now();
    this.appointments.update(record, (target) => {
      target.status = status;
      target.modified = now;
    });
    this.#notify('appointment.updated', now, () => renderAppointment(record, this), ['status']);
  }

  addOffer(input: Omit<OfferRecord, 'seq' | 'created' | 'modified' | 'submitted'>): OfferRecord {
    const now = this.now();
    const record = this.offers.insert({ ...input, submitted: now, created: now, modified: now });
    this.#notify('offer.created', now, () => renderOffer(record, this));
    return record;
  }

  updateOffer(record: OfferRecord, changes: { status?: OfferRecord['status']; amount?: number }): void {
    const now = this.now();
    this.offers.update(record, (target) => {
      if (changes.status !== undefined) target.status = changes.status;
      if (changes.amount !== undefined) target.amount = changes.amount;
      target.modified = now;
    });
    this.#notify('offer.updated', now, () => renderOffer(record, this), Object.keys(changes));
  }

  /** Notes are their own records: writing one does not change the contact's `updatedAt`. */
  addNote(
    input: Omit<NoteRecord, 'seq' | 'created' | 'modified' | 'occurred'> & { occurred?: number },
  ): NoteRecord {
    const now = this.now();
    return this.notes.insert({ ...input, occurred: input.occurred ?? now, created: now, modified: now });
  }

  noteByExternalReference(contactSeq: number, externalReference: string): NoteRecord | undefined {
    return this.notes.of(contactSeq).find((note) => note.externalReference === externalReference);
  }
}

function byContact(record: { contactSeq: number }): number {
  return record.contactSeq;
}
