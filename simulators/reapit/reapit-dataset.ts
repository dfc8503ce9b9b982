import { generatedCreatedAt, generatedModifiedAt } from '../toolkit/record-history.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { normaliseEmail } from '../toolkit/uk-contact-format.ts';
import { generatePeople, type GeneratedPeople } from '../toolkit/uk-people.ts';
import { REAPIT_OFFER_STATUSES } from './reapit-constants.ts';
import { TimedCollection } from '../toolkit/timed-collection.ts';
import type { AppointmentRecord, JournalEntryRecord, OfferRecord } from './reapit-activity.model.ts';
import {
  REAPIT_NEGOTIATOR_IDS,
  applicantIdOf,
  contactSeqOfRoleId,
  emailOf,
  fieldsOf,
  officeIdOf,
  reapitId,
  rolesOf,
  seqOfId,
  type ContactRecord,
  type ReapitAddress,
  type ReapitContactFields,
} from './reapit-contact.model.ts';

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

export interface ReapitDatasetOptions {
  customerId: string;
  seed: number;
  contactCount: number;
  /** Generated timestamps lie before this instant (ms). */
  anchor: number;
  duplicateRate?: number;
}

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

/** Normalised email → the contact, or contacts when several share it (most addresses are unique). */
type EmailIndex = Map<string, ContactRecord | ContactRecord[]>;

function indexEmail(index: EmailIndex, record: ContactRecord, email: string | null): void {
  if (email === null || email.trim() === '') return;
  const key = normaliseEmail(email);
  const existing = index.get(key);
  if (existing === undefined) index.set(key, record);
  else if (Array.isArray(existing)) existing.push(record);
  else index.set(key, [existing, record]);
}

function unindexEmail(index: EmailIndex, record: ContactRecord, email: string | null): void {
  if (email === null) return;
  const key = normaliseEmail(email);
  const existing = index.get(key);
  if (existing === record) index.delete(key);
  else if (Array.isArray(existing)) {
    const remaining = existing.filter((candidate) => candidate !== record);
    if (remaining.length === 0) index.delete(key);
    else index.set(key, remaining.length === 1 ? (remaining[0] as ContactRecord) : remaining);
  }
}

function mergeAddress(
  current: ReapitAddress | null,
  patch: Partial<ReapitAddress> | null,
  type: string,
): ReapitAddress | null {
  if (patch === null) return null;
  return { ...(current ?? { ...EMPTY_ADDRESS, type }), ...patch, type: patch.type ?? current?.type ?? type };
}

/**
 * One Reapit customer's data: contacts (generated from the shared UK people), appointments,
 * offers and journal entries. Data only; webhooks and HTTP live elsewhere.
 */
export class ReapitDataset {
  readonly customerId: string;
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
  #emailIndex: EmailIndex | null = null;

  constructor(options: ReapitDatasetOptions) {
    this.customerId = options.customerId;
    this.seed = options.seed;
    this.people = generatePeople({
      seed: options.seed,
      count: options.contactCount,
      formatSalt: 'reapit',
      ...(options.duplicateRate === undefined ? {} : { duplicateRate: options.duplicateRate }),
    });
    this.#generate(options.anchor);
  }

  #generate(anchor: number): void {
    const random = new SeededRandom(mixSeed(this.seed, 'reapit-timestamps'));
    const people = this.people.people;
    const count = people.length;
    const records: ContactRecord[] = [];
    for (let i = 0; i < count; i++) {
      const seq = i + 1;
      const created = generatedCreatedAt(random, i, count, anchor);
      const modified = generatedModifiedAt(random, created, anchor);
      records.push({
        seq,
        id: reapitId('contact', seq),
        created,
        modified,
        version: 1,
        person: people[i] ?? null,
        fields: null,
        metadata: null,
        archivedOn: null,
      });
    }
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
      const start = Math.round((anchor - 120 * DAY_MS + random.next() * 141 * DAY_MS) / 900_000) * 900_000;
      const created = Math.max(earliest, Math.min(anchor - 60_000, start - random.int(1, 14) * DAY_MS));
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
    if (this.#emailIndex === null) {
      // Built on first use and then kept current: most runs never filter by email.
      const index: EmailIndex = new Map();
      for (const record of this.contacts.values()) indexEmail(index, record, emailOf(record));
      this.#emailIndex = index;
    }
    const found = this.#emailIndex.get(normaliseEmail(email));
    if (found === undefined) return [];
    return Array.isArray(found) ? [...found].sort((a, b) => a.seq - b.seq) : [found];
  }

  createContact(input: ContactCreate, now: number): ContactRecord {
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
    if (this.#emailIndex !== null) indexEmail(this.#emailIndex, record, emailOf(record));
    return record;
  }

  /** Applies a validated patch, bumping `modified` and the version (so the eTag) even if nothing changed. */
  patchContacts(
    records: readonly ContactRecord[],
    patchFor: (record: ContactRecord) => ContactPatch,
    now: number,
  ): void {
    const oldEmails = records.map(emailOf);
    this.contacts.updateMany(records, (record) => {
      this.#applyPatch(record, patchFor(record));
      // Reapit's modified times have sub-millisecond precision, so every write moves them forward.
      record.modified = Math.max(now, record.modified + 1);
      record.version++;
    });
    records.forEach((record, i) => {
      const before = oldEmails[i] ?? null;
      const after = emailOf(record);
      if (before === after || this.#emailIndex === null) return;
      unindexEmail(this.#emailIndex, record, before);
      indexEmail(this.#emailIndex, record, after);
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

  archiveContact(record: ContactRecord, now: number): void {
    this.contacts.update(record, (target) => {
      target.fields = fieldsOf(target, this.seed);
      target.archivedOn = now;
      target.modified = Math.max(now, target.modified + 1);
      target.version++;
    });
  }

  deleteContact(record: ContactRecord): void {
    if (this.#emailIndex !== null) unindexEmail(this.#emailIndex, record, emailOf(record));
    this.contacts.remove(record);
  }

  addAppointment(input: Omit<AppointmentRecord, 'seq' | 'id' | 'version'>): AppointmentRecord {
    const seq = this.#nextAppointmentSeq++;
    const record: AppointmentRecord = { ...input, seq, id: reapitId('appointment', seq), version: 1 };
    this.appointments.add(record);
    return record;
  }

  addOffer(input: Omit<OfferRecord, 'seq' | 'id' | 'version'>): OfferRecord {
    const seq = this.#nextOfferSeq++;
    const record: OfferRecord = { ...input, seq, id: reapitId('offer', seq), version: 1 };
    this.offers.add(record);
    return record;
  }

  addJournalEntry(input: Omit<JournalEntryRecord, 'seq' | 'modified'>): JournalEntryRecord {
    const record: JournalEntryRecord = { ...input, seq: this.#nextJournalSeq++, modified: input.created };
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
