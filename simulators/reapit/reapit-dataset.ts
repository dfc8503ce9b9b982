import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import { EmailIndex } from '../toolkit/email-index.ts';
import { DatasetBase } from '../toolkit/dataset-base.ts';
import { generatedRecords } from '../toolkit/generated-data.ts';
import { mixSeed } from '../toolkit/seeded-random.ts';
import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import { NumberedCollection } from '../toolkit/numbered-collection.ts';
import type { TimedCollection, TimedRecord } from '../toolkit/timed-collection.ts';
import {
  generateActivities,
  renderAppointment,
  renderOffer,
  type AppointmentRecord,
  type JournalEntryRecord,
  type OfferRecord,
} from './reapit-activity.model.ts';
import {
  contactSeqOfRoleId,
  diffSnapshots,
  emailOf,
  fieldsOf,
  isEtagOnlyDiff,
  reapitId,
  renderContact,
  roleEntitySnapshots,
  rolesOf,
  seqOfId,
  type ContactRecord,
  type JsonObject,
  type ReapitAddress,
  type ReapitContactFields,
} from './reapit-contact.model.ts';
import type { ReapitNotification, ReapitWebhooks } from './reapit-webhooks.ts';

/** A partial update of a contact, as PATCH /contacts/{id} accepts it (already validated). */
export type ContactPatch = Partial<
  Omit<ReapitContactFields, 'primaryAddress' | 'secondaryAddress' | 'workAddress' | 'source'>
> & {
  primaryAddress?: Partial<ReapitAddress> | null;
  secondaryAddress?: Partial<ReapitAddress> | null;
  workAddress?: Partial<ReapitAddress> | null;
  source?: Partial<ReapitContactFields['source']>;
  /** Replaces the stored metadata as a whole (null clears it). */
  metadata?: Record<string, unknown> | null;
};

/** A new contact, as POST /contacts/ accepts it (already validated). */
export type ContactCreate = ContactPatch &
  Pick<ReapitContactFields, 'surname' | 'marketingConsent' | 'officeIds' | 'negotiatorIds'>;

const EMPTY_ADDRESS: ReapitAddress = {
  type: 'primary',
  buildingName: '',
  buildingNumber: '',
  line1: '',
  line2: '',
  line3: '',
  line4: '',
  postcode: '',
  countryId: 'GB',
};

function mergeAddress(
  current: ReapitAddress | null,
  patch: Partial<ReapitAddress> | null,
  type: string,
): ReapitAddress | null {
  if (patch === null) return null;
  return { ...(current ?? { ...EMPTY_ADDRESS, type }), ...patch, type: patch.type ?? current?.type ?? type };
}

/** What an agent can change on an appointment. */
export type AppointmentEdit = Partial<Pick<AppointmentRecord, 'attended' | 'cancelled' | 'confirmed'>>;
/** What an agent can change on an offer. */
export type OfferEdit = Partial<Pick<OfferRecord, 'status' | 'amount'>>;
/** The status topics Reapit publishes for offers (docs/crms/reapit.md, webhooks). */
const STATUS_TOPICS = new Set(['offers.accepted', 'offers.rejected', 'offers.withdrawn']);

/** A record's new fields, before the dataset numbers and stamps it. */
type NewRecord<T> = Omit<T, 'seq' | 'id' | 'version' | 'created' | 'modified'>;

const ROLE_TOPIC_PREFIXES = ['applicants.', 'landlords.', 'vendors.', 'tenancies.'];

/** A notification of a change that is not an ETag-only one. */
const change = (
  topicId: string,
  entityId: string,
  next: JsonObject | null,
  old: JsonObject | null,
  diff: JsonObject | null,
): ReapitNotification => ({ topicId, entityId, new: next, old, diff, etagOnly: false });

/**
 * One Reapit customer's data: contacts (generated from the shared UK people), appointments,
 * offers and journal entries. Each change is followed by the webhooks Reapit would send; the API
 * routes and the control surface both change data through here, so a change made either way notifies.
 */
export class ReapitDataset extends DatasetBase {
  readonly customerId: string;
  readonly #webhooks: ReapitWebhooks;
  readonly contacts = new NumberedCollection<ContactRecord>();
  readonly appointments = new NumberedCollection<AppointmentRecord>();
  readonly offers = new NumberedCollection<OfferRecord>();
  readonly journal = new NumberedCollection<JournalEntryRecord>();
  readonly #byEmail = new EmailIndex<ContactRecord>(
    () => this.contacts.values(),
    (record) => [emailOf(record) ?? ''],
  );

  constructor(
    options: DatasetSeed & { customerId: string },
    notify: { clock: SimulatorClock; webhooks: ReapitWebhooks },
  ) {
    super(options, 'reapit', notify.clock.now);
    this.customerId = options.customerId;
    this.#webhooks = notify.webhooks;
    this.#generate(options.anchor);
  }

  #generate(anchor: number): void {
    const timestamps = mixSeed(this.seed, 'reapit-timestamps');
    const records: ContactRecord[] = generatedRecords(
      this.people.people,
      anchor,
      timestamps,
      (person, seq) => ({
        id: reapitId('contact', seq),
        version: 1,
        person,
        fields: null,
        metadata: null,
        archivedOn: null,
      }),
    );
    this.contacts.load(records);
    const { appointments, offers } = generateActivities(records, anchor, this.seed);
    this.appointments.load(appointments);
    this.offers.load(offers);
  }

  contactById(id: string): ContactRecord | undefined {
    const seq = seqOfId('contact', id);
    return seq === null ? undefined : this.contacts.get(seq);
  }

  /** The contact behind an applicant, vendor, landlord or tenancy id. */
  contactByRoleId(id: string): ContactRecord | undefined {
    const seq = contactSeqOfRoleId(id);
    if (seq === null) return undefined;
    const contact = this.contacts.get(seq);
    return contact !== undefined && rolesOf(contact).length > 0 ? contact : undefined;
  }

  /** Contacts whose email matches, case-insensitively and ignoring surrounding spaces. */
  contactsByEmail(email: string): ContactRecord[] {
    return this.#byEmail.find(email);
  }

  /** The contact as webhooks show it. */
  #snapshot(record: ContactRecord): JsonObject {
    return renderContact(record, { seed: this.seed, forWebhook: true });
  }

  #notify(topicPrefix: string, notifications: () => ReapitNotification[]): void {
    if (this.#webhooks.hasSubscribers(this.customerId, topicPrefix))
      this.#webhooks.emit(this.customerId, this.now(), notifications());
  }

  #notifyCreated(topicId: string, entityId: string, model: () => JsonObject): void {
    this.#notify(topicId, () => [change(topicId, entityId, model(), null, null)]);
  }

  createContact(input: ContactCreate): ContactRecord {
    const now = this.now();
    const record = this.contacts.insert({
      id: reapitId('contact', this.contacts.nextSeq),
      created: now,
      modified: now,
      version: 1,
      person: null,
      fields: {
        title: null,
        forename: null,
        surname: input.surname,
        dateOfBirth: null,
        active: true,
        marketingConsent: input.marketingConsent,
        identityCheck: 'unchecked',
        source: { id: '', type: '' },
        homePhone: null,
        workPhone: null,
        mobilePhone: null,
        email: null,
        primaryAddress: null,
        secondaryAddress: null,
        workAddress: null,
        officeIds: [...input.officeIds],
        negotiatorIds: [...input.negotiatorIds],
        categoryIds: [],
        communicationPreferenceLetter: false,
        communicationPreferenceEmail: false,
        communicationPreferencePhone: false,
        communicationPreferenceSMS: false,
        additionalContactDetails: [],
      },
      metadata: null,
      archivedOn: null,
    });
    // Patched once stored: a new contact's times, all its collection indexes, do not change.
    this.#applyPatch(record, input);
    this.#byEmail.add(record);
    this.#notifyCreated('contacts.created', record.id, () => this.#snapshot(record));
    return record;
  }

  /**
   * Applies validated patches, bumping `modified` and the version (so the eTag) even if nothing
   * changed, and notifies: `contacts.modified` for each, `contacts.optedout` when consent became
   * deny, and one `<role>.modified` per role entity whose related contact changed — all
   * notifications of one contact's change share its eventId.
   */
  patchContacts(records: readonly ContactRecord[], patchFor: (record: ContactRecord) => ContactPatch): void {
    const now = this.now();
    const notifyContacts = this.#webhooks.hasSubscribers(this.customerId, 'contacts.');
    const notifyRoles = ROLE_TOPIC_PREFIXES.some((prefix) =>
      this.#webhooks.hasSubscribers(this.customerId, prefix),
    );
    const snapshot = (record: ContactRecord) => ({
      contact: this.#snapshot(record),
      roles: notifyRoles ? roleEntitySnapshots(record, this.seed) : [],
    });
    const before = notifyContacts || notifyRoles ? records.map(snapshot) : null;
    this.#byEmail.update(records, () =>
      this.contacts.updateMany(records, (record) => {
        this.#applyPatch(record, patchFor(record));
        // Reapit's modified times have sub-millisecond precision, so every write moves them forward.
        record.modified = Math.max(now, record.modified + 1);
        record.version++;
      }),
    );
    if (before === null) return;
    records.forEach((record, i) => {
      const old = before[i]!;
      const after = snapshot(record);
      const diff = diffSnapshots(old.contact, after.contact);
      const notifications: ReapitNotification[] = [
        {
          ...change('contacts.modified', record.id, after.contact, old.contact, diff),
          etagOnly: isEtagOnlyDiff(diff),
        },
      ];
      if (old.contact.marketingConsent !== 'deny' && after.contact.marketingConsent === 'deny')
        notifications.push(change('contacts.optedout', record.id, after.contact, old.contact, diff));
      after.roles.forEach((role, r) => {
        const previous = old.roles[r];
        if (previous === undefined) return;
        const roleDiff = diffSnapshots(previous.snapshot, role.snapshot);
        // Roles only hear about changes to what they show of the contact.
        if (!isEtagOnlyDiff(roleDiff))
          notifications.push(change(role.topicId, role.entityId, role.snapshot, previous.snapshot, roleDiff));
      });
      this.#webhooks.emit(this.customerId, now, notifications);
    });
  }

  #applyPatch(record: ContactRecord, patch: ContactPatch): void {
    const fields = fieldsOf(record, this.seed);
    // Copy on first write: generated contacts are computed until then.
    const next: ReapitContactFields = record.fields ?? fields;
    for (const [key, value] of Object.entries(patch) as Array<[keyof ContactPatch, unknown]>) {
      if (value === undefined) continue;
      switch (key) {
        case 'metadata':
          // Reapit documents no merge for app metadata: the object sent replaces the stored one,
          // the hostile reading, so a writer that does not re-send other keys loses them.
          record.metadata = value === null ? null : structuredClone(value as Record<string, unknown>);
          break;
        case 'primaryAddress':
        case 'secondaryAddress':
        case 'workAddress':
          next[key] = mergeAddress(
            next[key],
            value as Partial<ReapitAddress> | null,
            key.replace('Address', ''),
          );
          break;
        case 'source':
          next.source = { ...next.source, ...(value as Partial<ReapitContactFields['source']>) };
          break;
        default:
          (next as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
      }
    }
    record.fields = next;
  }

  /** Archives (Reapit's soft delete): the contact stays, `archivedOn` is set; webhook `new` is null. */
  archiveContact(record: ContactRecord): void {
    const now = this.now();
    const old = this.#snapshot(record);
    this.contacts.update(record, (target) => {
      target.fields = fieldsOf(target, this.seed);
      target.archivedOn = now;
      target.modified = Math.max(now, target.modified + 1);
      target.version++;
    });
    this.#notify('contacts.modified', () => [
      change('contacts.modified', record.id, null, old, diffSnapshots(old, this.#snapshot(record))),
    ]);
  }

  /** Removes the contact outright (GET then answers 404); webhook `new` and `diff` are null. */
  deleteContact(record: ContactRecord): void {
    const old = this.#snapshot(record);
    this.#byEmail.remove(record);
    this.contacts.remove(record);
    this.#notify('contacts.modified', () => [change('contacts.modified', record.id, null, old, null)]);
  }

  /** Stores a new record under the collection's next sequence, with its id, version and times. */
  #insert<T extends AppointmentRecord | OfferRecord>(
    collection: NumberedCollection<T>,
    kind: 'appointment' | 'offer',
    input: NewRecord<T>,
  ): T {
    const now = this.now();
    const id = reapitId(kind, collection.nextSeq);
    return collection.insert({ ...input, id, version: 1, created: now, modified: now } as Omit<T, 'seq'>);
  }

  readonly #contactOf = (seq: number): ContactRecord | undefined => this.contacts.get(seq);

  addAppointment(input: NewRecord<AppointmentRecord>): AppointmentRecord {
    const record = this.#insert(this.appointments, 'appointment', input);
    this.#notifyCreated('appointments.created', record.id, () =>
      renderAppointment(record, this.#contactOf, this.seed, true),
    );
    return record;
  }

  addOffer(input: NewRecord<OfferRecord>): OfferRecord {
    const record = this.#insert(this.offers, 'offer', input);
    this.#notifyCreated('offers.created', record.id, () =>
      renderOffer(record, this.#contactOf, this.seed, true),
    );
    return record;
  }

  /**
   * Registers the contact as a buying applicant (an agent does so before recording its first
   * offer): its relationships gain the applicant, and the contact's `modified` and eTag move.
   */
  registerBuyer(record: ContactRecord): void {
    if (rolesOf(record).includes('buyerApplicant')) return;
    this.patchContacts([record], (target) => {
      target.registeredRoles = [...(target.registeredRoles ?? []), 'buyerApplicant'];
      return {};
    });
  }

  /**
   * An agent's edit of an appointment (attendance recorded, cancelled, moved): `modified` and the
   * eTag move, and `appointments.modified` goes out (with `appointments.cancelled` when it was).
   */
  updateAppointment(record: AppointmentRecord, edit: AppointmentEdit): void {
    const render = () => renderAppointment(record, this.#contactOf, this.seed, true);
    const topics = edit.cancelled === true && !record.cancelled ? ['appointments.cancelled'] : [];
    this.#update<AppointmentRecord>(this.appointments, record, edit, 'appointments.', render, topics);
  }

  /**
   * An agent's edit of an offer: `modified` and the eTag move, and `offers.modified` goes out, with
   * `offers.accepted|rejected|withdrawn` when the status became that.
   */
  updateOffer(record: OfferRecord, edit: OfferEdit): void {
    const render = () => renderOffer(record, this.#contactOf, this.seed, true);
    const statusTopic = `offers.${edit.status}`;
    const topics =
      edit.status !== undefined && edit.status !== record.status && STATUS_TOPICS.has(statusTopic)
        ? [statusTopic]
        : [];
    this.#update<OfferRecord>(this.offers, record, edit, 'offers.', render, topics);
  }

  /** One event for one edited record: `<prefix>modified` and any `extraTopics`, sharing its eventId. */
  #update<T extends TimedRecord & { version: number; id: string }>(
    collection: TimedCollection<T>,
    record: T,
    edit: Partial<T>,
    prefix: string,
    render: () => JsonObject,
    extraTopics: string[],
  ): void {
    const now = this.now();
    const old = render();
    collection.update(record, (target) => {
      Object.assign(target, edit);
      target.modified = Math.max(now, target.modified + 1);
      target.version++;
    });
    this.#notify(prefix, () => {
      const after = render();
      const diff = diffSnapshots(old, after);
      return [`${prefix}modified`, ...extraTopics].map((topicId) =>
        change(topicId, record.id, after, old, diff),
      );
    });
  }

  addJournalEntry(input: Omit<JournalEntryRecord, 'seq' | 'modified' | 'created'>): JournalEntryRecord {
    const now = this.now();
    return this.journal.insert({ ...input, created: now, modified: now });
  }

  /** The display name Reapit shows for a journal entry's associated entity, when we know it. */
  associatedName(associatedType: string, associatedId: string): string | null {
    const contact =
      associatedType === 'contact' ? this.contactById(associatedId) : this.contactByRoleId(associatedId);
    if (contact === undefined) return null;
    const fields = fieldsOf(contact, this.seed);
    return [fields.title, fields.forename, fields.surname].filter((part) => part).join(' ');
  }
}
