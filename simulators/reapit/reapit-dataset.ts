import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import { EmailIndex } from '../toolkit/email-index.ts';
import { generatedBooking, generatedTimes, peopleOf } from '../toolkit/generated-data.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import { TimedCollection } from '../toolkit/timed-collection.ts';
import type { GeneratedPeople } from '../toolkit/uk-people.ts';
import { REAPIT_OFFER_STATUSES } from './reapit-constants.ts';
import {
  renderAppointment,
  renderOffer,
  type AppointmentRecord,
  type JournalEntryRecord,
  type OfferRecord,
} from './reapit-activity.model.ts';
import {
  REAPIT_NEGOTIATOR_IDS,
  applicantIdOf,
  contactSeqOfRoleId,
  diffSnapshots,
  emailOf,
  fieldsOf,
  isEtagOnlyDiff,
  officeIdOf,
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

const DAY_MS = 86_400_000;
const OFFER_STATUS_WEIGHTS = [35, 10, 20, 20, 15];

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
export class ReapitDataset {
  readonly customerId: string;
  readonly clock: SimulatorClock;
  readonly #webhooks: ReapitWebhooks;
  readonly seed: number;
  readonly people: GeneratedPeople;
  readonly contacts = new TimedCollection<ContactRecord>();
  readonly appointments = new TimedCollection<AppointmentRecord>();
  readonly offers = new TimedCollection<OfferRecord>();
  readonly journal = new TimedCollection<JournalEntryRecord>();
  #nextContactSeq = 1;
  #nextAppointmentSeq = 1;
  #nextOfferSeq = 1;
  #nextJournalSeq = 1;
  readonly #byEmail = new EmailIndex<ContactRecord>(
    () => this.contacts.values(),
    (record) => [emailOf(record) ?? ''],
  );

  constructor(
    options: DatasetSeed & { customerId: string },
    notify: { clock: SimulatorClock; webhooks: ReapitWebhooks },
  ) {
    this.customerId = options.customerId;
    this.clock = notify.clock;
    this.#webhooks = notify.webhooks;
    this.seed = options.seed;
    this.people = peopleOf(options, 'reapit');
    this.#generate(options.anchor);
  }

  #generate(anchor: number): void {
    const random = new SeededRandom(mixSeed(this.seed, 'reapit-timestamps'));
    const people = this.people.people;
    const count = people.length;
    const records: ContactRecord[] = people.map((person, i) => ({
      seq: i + 1,
      id: reapitId('contact', i + 1),
      ...generatedTimes(i, count, anchor, random),
      version: 1,
      person,
      fields: null,
      metadata: null,
      archivedOn: null,
    }));
    this.#nextContactSeq = count + 1;
    this.contacts.load(records);
    this.#generateActivities(records, anchor);
  }

  #generateActivities(contacts: readonly ContactRecord[], anchor: number): void {
    const random = new SeededRandom(1);
    const activitySeed = mixSeed(this.seed, 'activities');
    const appointments: AppointmentRecord[] = [];
    const offers: OfferRecord[] = [];
    // Appointment times: start within [-120, +21] days of the anchor on a quarter hour; created
    // up to two weeks before; modified some time after that, never after the anchor.
    const appointmentTimes = (earliest: number): { created: number; modified: number; start: number } => {
      const { start, created } = generatedBooking(random, anchor, earliest);
      const modified = Math.min(
        anchor - 1,
        created + Math.floor(random.next() * Math.max(0, anchor - created) * 0.3),
      );
      return { created, modified, start };
    };
    for (const contact of contacts) {
      const roles = rolesOf(contact);
      if (roles.length === 0) continue;
      random.reseed(mixSeed(activitySeed, contact.seq));
      const isApplicant = roles.includes('buyerApplicant') || roles.includes('tenantApplicant');
      const negotiatorId = random.pick(REAPIT_NEGOTIATOR_IDS);
      if (isApplicant && random.chance(0.45)) {
        const applicantId = applicantIdOf(contact) ?? '';
        const viewings = random.int(1, 3);
        for (let v = 0; v < viewings; v++) {
          const seq = this.#nextAppointmentSeq++;
          const { created, modified, start } = appointmentTimes(contact.created);
          appointments.push({
            seq,
            id: reapitId('appointment', seq),
            created,
            modified,
            version: 1,
            start,
            end: start + 30 * 60_000,
            typeId: 'VW',
            description: 'Viewing',
            propertyId: reapitId('property', random.int(1, 5000)),
            negotiatorId,
            officeId: officeIdOf(contact),
            attendeeType: 'applicant',
            attendeeId: applicantId,
            contactSeq: contact.seq,
            cancelled: random.chance(0.08),
            confirmed: start < anchor || random.chance(0.7),
            virtual: random.chance(0.05),
          });
        }
      }
      const isOwner = roles.includes('vendor') || roles.includes('landlord');
      if (isOwner && random.chance(0.4)) {
        const seq = this.#nextAppointmentSeq++;
        const { created, modified, start } = appointmentTimes(contact.created);
        appointments.push({
          seq,
          id: reapitId('appointment', seq),
          created,
          modified,
          version: 1,
          start,
          end: start + 60 * 60_000,
          typeId: 'VL',
          description: roles.includes('vendor') ? 'Sales valuation' : 'Lettings valuation',
          propertyId: reapitId('property', random.int(1, 5000)),
          negotiatorId,
          officeId: officeIdOf(contact),
          attendeeType: 'contact',
          attendeeId: contact.id,
          contactSeq: contact.seq,
          cancelled: random.chance(0.05),
          confirmed: start < anchor || random.chance(0.7),
          virtual: false,
        });
      }
      if (roles.includes('buyerApplicant') && random.chance(0.15)) {
        const seq = this.#nextOfferSeq++;
        const created = Math.max(contact.created, anchor - Math.floor(random.next() * 180 * DAY_MS));
        offers.push({
          seq,
          id: reapitId('offer', seq),
          created,
          modified: Math.min(anchor - 1, created + Math.floor(random.next() * (anchor - created) * 0.5)),
          version: 1,
          applicantId: applicantIdOf(contact) ?? '',
          contactSeq: contact.seq,
          propertyId: reapitId('property', random.int(1, 5000)),
          amount: random.int(30, 190) * 5000,
          status: random.pickWeighted(REAPIT_OFFER_STATUSES, OFFER_STATUS_WEIGHTS),
          date: new Date(created).toISOString().slice(0, 10),
          negotiatorId,
        });
      }
    }
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
      this.#webhooks.emit(this.customerId, this.clock.now(), notifications());
  }

  #notifyCreated(topicId: string, entityId: string, model: () => JsonObject): void {
    this.#notify(topicId, () => [change(topicId, entityId, model(), null, null)]);
  }

  createContact(input: ContactCreate): ContactRecord {
    const now = this.clock.now();
    const seq = this.#nextContactSeq++;
    const record: ContactRecord = {
      seq,
      id: reapitId('contact', seq),
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
    };
    this.#applyPatch(record, input);
    this.contacts.add(record);
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
    const now = this.clock.now();
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
    const now = this.clock.now();
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

  /** A new record's id, version and times. */
  #stamped(kind: 'appointment' | 'offer', seq: number) {
    const now = this.clock.now();
    return { seq, id: reapitId(kind, seq), version: 1, created: now, modified: now };
  }

  readonly #contactOf = (seq: number): ContactRecord | undefined => this.contacts.get(seq);

  addAppointment(input: NewRecord<AppointmentRecord>): AppointmentRecord {
    const record: AppointmentRecord = {
      ...input,
      ...this.#stamped('appointment', this.#nextAppointmentSeq++),
    };
    this.appointments.add(record);
    this.#notifyCreated('appointments.created', record.id, () =>
      renderAppointment(record, this.#contactOf, this.seed, true),
    );
    return record;
  }

  addOffer(input: NewRecord<OfferRecord>): OfferRecord {
    const record: OfferRecord = { ...input, ...this.#stamped('offer', this.#nextOfferSeq++) };
    this.offers.add(record);
    this.#notifyCreated('offers.created', record.id, () =>
      renderOffer(record, this.#contactOf, this.seed, true),
    );
    return record;
  }

  addJournalEntry(input: Omit<JournalEntryRecord, 'seq' | 'modified' | 'created'>): JournalEntryRecord {
    const now = this.clock.now();
    const record: JournalEntryRecord = { ...input, seq: this.#nextJournalSeq++, created: now, modified: now };
    this.journal.add(record);
    return record;
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
