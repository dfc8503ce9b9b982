import { TimedCollection, type TimedRecord } from '../toolkit/timed-collection.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { normaliseEmail } from '../toolkit/uk-contact-format.ts';
import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import { generatedTimes, peopleOf } from '../toolkit/generated-data.ts';
import type { GeneratedPeople } from '../toolkit/uk-people.ts';
import {
  LISTED_PROPERTY_BASE,
  type NoteRecord,
  type OfferRecord,
  type ValuationRecord,
  type ViewingRecord,
} from './street-activity.model.ts';
import type { StreetOfferStatus, StreetValuationStatus, StreetViewingStatus } from './street-constants.ts';
import { seqOfStreetUuid, streetUuid, type StreetEntityKind } from './street-ids.ts';
import {
  fieldsOf,
  propertySeq,
  type PersonRecord,
  type StreetAddress,
  type StreetContactPreferences,
  type StreetContactValue,
  type StreetPersonFields,
  type StreetStatuses,
} from './street-person.model.ts';

const DAY_MS = 86_400_000;

/** A change to a person (already validated): attributes replace, nested objects merge. */
export type PersonPatch = Partial<
  Pick<StreetPersonFields, 'title' | 'first_name' | 'last_name' | 'marketing_consent' | 'applicants'>
> & {
  contact_preferences?: Partial<StreetContactPreferences>;
  statuses?: Partial<StreetStatuses>;
  email_addresses?: StreetContactValue[];
  telephone_numbers?: StreetContactValue[];
  /** Merged into the current address; null removes it. */
  address?: Partial<StreetAddress> | null;
};

/** A person entered in Street's own UI (the Open API cannot create people). */
export type PersonCreate = PersonPatch & Pick<StreetPersonFields, 'first_name' | 'last_name'>;

const EMPTY_ADDRESS: StreetAddress = {
  building_number: null,
  building_name: null,
  street: null,
  line_1: null,
  line_2: null,
  line_3: null,
  line_4: null,
  town: null,
  postcode: null,
  country: 'United Kingdom',
  udprn: null,
};

/** Lower-cased email or E.164 phone → the people holding it (most values belong to one person). */
type ValueIndex = Map<string, PersonRecord | PersonRecord[]>;

function indexValue(index: ValueIndex, key: string, record: PersonRecord): void {
  const existing = index.get(key);
  if (existing === undefined) index.set(key, record);
  else if (Array.isArray(existing)) {
    if (!existing.includes(record)) existing.push(record);
  } else if (existing !== record) index.set(key, [existing, record]);
}

function unindexValue(index: ValueIndex, key: string, record: PersonRecord): void {
  const existing = index.get(key);
  if (existing === record) index.delete(key);
  else if (Array.isArray(existing)) {
    const remaining = existing.filter((candidate) => candidate !== record);
    if (remaining.length === 0) index.delete(key);
    else index.set(key, remaining.length === 1 ? (remaining[0] as PersonRecord) : remaining);
  }
}

function lookupValue(index: ValueIndex, key: string): PersonRecord[] {
  const found = index.get(key);
  if (found === undefined) return [];
  return Array.isArray(found) ? [...found].sort((a, b) => a.seq - b.seq) : [found];
}

const emailKey = (email: string) => normaliseEmail(email);

/**
 * One Street company's data: people (generated from the shared UK people, so the same humans
 * appear in every CRM simulator with the same seed), their viewings, valuations, offers and
 * notes. Data only; HTTP and webhooks live elsewhere.
 */
export class StreetDataset {
  readonly seed: number;
  readonly people: GeneratedPeople;
  /** People listed by default; soft-deleted ones move to `trashed`. */
  readonly persons = new TimedCollection<PersonRecord>();
  readonly trashed = new TimedCollection<PersonRecord>();
  readonly viewings = new TimedCollection<ViewingRecord>();
  readonly valuations = new TimedCollection<ValuationRecord>();
  readonly salesOffers = new TimedCollection<OfferRecord>();
  readonly lettingsOffers = new TimedCollection<OfferRecord>();
  readonly notes = new TimedCollection<NoteRecord>();
  readonly #notesByPerson = new Map<number, NoteRecord[]>();
  #nextPersonSeq = 1;
  #emailIndex: ValueIndex | null = null;
  #phoneIndex: ValueIndex | null = null;

  constructor(options: DatasetSeed) {
    this.seed = options.seed;
    this.people = peopleOf(options, 'street');
    this.#generate(options.anchor);
  }

  #generate(anchor: number): void {
    const random = new SeededRandom(mixSeed(this.seed, 'street-timestamps'));
    const people = this.people.people;
    const records: PersonRecord[] = people.map((person, i) => ({
      seq: i + 1,
      ...generatedTimes(i, people.length, anchor, random),
      person,
      fields: null,
      trashedAt: null,
    }));
    this.#nextPersonSeq = people.length + 1;
    this.persons.load(records);
    this.trashed.load([]);
    this.notes.load([]);
    this.#generateActivities(records, anchor);
  }

  #generateActivities(records: readonly PersonRecord[], anchor: number): void {
    const random = new SeededRandom(1);
    const activitySeed = mixSeed(this.seed, 'street-activities');
    const viewings: ViewingRecord[] = [];
    const valuations: ValuationRecord[] = [];
    const salesOffers: OfferRecord[] = [];
    const lettingsOffers: OfferRecord[] = [];
    // Appointments start within [-120, +21] days of the anchor on a quarter hour, are booked up
    // to two weeks before, and were last touched some time after booking (never after the anchor).
    const appointmentTimes = (earliest: number) => {
      const start = Math.round((anchor - 120 * DAY_MS + random.next() * 141 * DAY_MS) / 900_000) * 900_000;
      const created = Math.max(earliest, Math.min(anchor - 60_000, start - random.int(1, 14) * DAY_MS));
      const modified = Math.min(
        anchor - 1,
        Math.max(created, Math.min(start, anchor) + Math.floor(random.next() * 2 * 3_600_000)),
      );
      return { start, created, modified };
    };
    for (const record of records) {
      const roles = record.person?.roles ?? [];
      if (roles.length === 0) continue;
      random.reseed(mixSeed(activitySeed, record.seq));
      for (const [role, kind] of [
        ['buyerApplicant', 'sales'],
        ['tenantApplicant', 'lettings'],
      ] as const) {
        if (!roles.includes(role) || !random.chance(0.45)) continue;
        const count = random.int(1, 3);
        for (let v = 0; v < count; v++) {
          const { start, created, modified } = appointmentTimes(record.created);
          const status = viewingStatusFor(start < anchor, random);
          viewings.push({
            seq: viewings.length + 1,
            created,
            modified,
            personSeq: record.seq,
            applicantKind: kind,
            propertySeq: LISTED_PROPERTY_BASE + random.int(1, 50_000),
            start,
            end: start + 30 * 60_000,
            status,
            cancelledAt: status === 'cancelled' ? modified : null,
          });
        }
      }
      for (const [role, kind] of [
        ['vendor', 'sales'],
        ['landlord', 'lettings'],
      ] as const) {
        if (!roles.includes(role) || !random.chance(0.4)) continue;
        const { start, created, modified } = appointmentTimes(record.created);
        valuations.push({
          seq: valuations.length + 1,
          created,
          modified,
          personSeq: record.seq,
          valuationType: kind,
          propertySeq: propertySeq(record.seq, kind === 'sales' ? 'home' : 'let'),
          start,
          end: start + 60 * 60_000,
          status: valuationStatusFor(start < anchor, random),
        });
      }
      for (const [role, kind, list, chance] of [
        ['buyerApplicant', 'sales', salesOffers, 0.15],
        ['tenantApplicant', 'lettings', lettingsOffers, 0.12],
      ] as const) {
        if (!roles.includes(role) || !random.chance(chance)) continue;
        const created = Math.max(record.created, anchor - Math.floor(random.next() * 180 * DAY_MS));
        list.push({
          seq: list.length + 1,
          created,
          modified: Math.min(anchor - 1, created + Math.floor(random.next() * (anchor - created) * 0.5)),
          kind,
          personSeq: record.seq,
          propertySeq: LISTED_PROPERTY_BASE + random.int(1, 50_000),
          amount: kind === 'sales' ? random.int(30, 190) * 5_000 : random.int(9, 45) * 100,
          status: random.pickWeighted(
            [
              'pending',
              kind === 'sales' ? 'put_to_vendor' : 'put_to_landlord',
              'accepted',
              'rejected',
              'withdrawn',
            ] as const,
            [30, 15, 25, 20, 10],
          ),
        });
      }
    }
    this.viewings.load(viewings);
    this.valuations.load(valuations);
    this.salesOffers.load(salesOffers);
    this.lettingsOffers.load(lettingsOffers);
  }

  /** A live person by UUID; soft-deleted ones too when `withTrashed`. */
  personById(id: string, options: { withTrashed?: boolean } = {}): PersonRecord | undefined {
    const seq = seqOfStreetUuid(this.seed, 'person', id);
    if (seq === null) return undefined;
    return this.persons.get(seq) ?? (options.withTrashed ? this.trashed.get(seq) : undefined);
  }

  personBySeq(seq: number): PersonRecord | undefined {
    return this.persons.get(seq) ?? this.trashed.get(seq);
  }

  personId(record: Pick<PersonRecord, 'seq'>): string {
    return streetUuid(this.seed, 'person', record.seq);
  }

  /** Any record of a collection by UUID. */
  byId<T extends TimedRecord>(
    collection: TimedCollection<T>,
    kind: StreetEntityKind,
    id: string,
  ): T | undefined {
    const seq = seqOfStreetUuid(this.seed, kind, id);
    return seq === null ? undefined : collection.get(seq);
  }

  /** Live people holding this email (case-insensitive, trimmed; any of their addresses). */
  peopleByEmail(email: string): PersonRecord[] {
    return lookupValue(this.#emails(), emailKey(email));
  }

  /** Live people holding this number (full international format, exact). */
  peopleByPhone(e164: string): PersonRecord[] {
    return lookupValue(this.#phones(), e164);
  }

  // Both indexes are built on first use and then kept current: most runs never filter by them.
  #emails(): ValueIndex {
    if (this.#emailIndex === null) {
      const index: ValueIndex = new Map();
      for (const record of this.persons.values()) this.#indexRecord(index, record, 'email');
      this.#emailIndex = index;
    }
    return this.#emailIndex;
  }

  #phones(): ValueIndex {
    if (this.#phoneIndex === null) {
      const index: ValueIndex = new Map();
      for (const record of this.persons.values()) this.#indexRecord(index, record, 'phone');
      this.#phoneIndex = index;
    }
    return this.#phoneIndex;
  }

  #keysOf(record: PersonRecord, kind: 'email' | 'phone'): string[] {
    const fields = fieldsOf(record, this.seed);
    return kind === 'email'
      ? fields.email_addresses.map((entry) => emailKey(entry.value))
      : fields.telephone_numbers.map((entry) => entry.value);
  }

  #indexRecord(index: ValueIndex, record: PersonRecord, kind: 'email' | 'phone'): void {
    for (const key of this.#keysOf(record, kind)) if (key !== '') indexValue(index, key, record);
  }

  /** Runs a change to people's contact values while keeping the lookup indexes current. */
  #reindexing(records: readonly PersonRecord[], change: () => void): void {
    const indexes = [
      [this.#emailIndex, 'email'],
      [this.#phoneIndex, 'phone'],
    ] as const;
    const before = records.map((record) =>
      indexes.map(([index, kind]) => (index === null ? [] : this.#keysOf(record, kind))),
    );
    change();
    records.forEach((record, r) => {
      indexes.forEach(([index, kind], i) => {
        if (index === null) return;
        for (const key of before[r]?.[i] ?? []) unindexValue(index, key, record);
        if (record.trashedAt === null && this.persons.get(record.seq) === record)
          this.#indexRecord(index, record, kind);
      });
    });
  }

  createPerson(input: PersonCreate, now: number): PersonRecord {
    const record: PersonRecord = {
      seq: this.#nextPersonSeq++,
      created: now,
      modified: now,
      person: null,
      fields: {
        title: null,
        first_name: input.first_name,
        last_name: input.last_name,
        address: null,
        telephone_numbers: [],
        email_addresses: [],
        marketing_consent: null,
        contact_preferences: { email: false, post: false, text: false, phone: false },
        statuses: { vendor: null, landlord: null, tenant: null },
        applicants: [],
      },
      trashedAt: null,
    };
    this.#applyPatch(record, input);
    this.#reindexing([record], () => this.persons.add(record));
    return record;
  }

  /** Applies validated patches and bumps `updated_at`, even when nothing changed (Laravel touches on save). */
  patchPeople(
    records: readonly PersonRecord[],
    patchFor: (record: PersonRecord) => PersonPatch,
    now: number,
  ): void {
    this.#reindexing(records, () => {
      const live = records.filter((record) => record.trashedAt === null);
      const trashed = records.filter((record) => record.trashedAt !== null);
      const mutate = (record: PersonRecord) => {
        this.#applyPatch(record, patchFor(record));
        record.modified = now;
      };
      this.persons.updateMany(live, mutate);
      this.trashed.updateMany(trashed, mutate);
    });
  }

  #applyPatch(record: PersonRecord, patch: PersonPatch): void {
    // Copy on first write: generated people are computed until then.
    const fields: StreetPersonFields = record.fields ?? fieldsOf(record, this.seed);
    for (const [key, value] of Object.entries(patch) as Array<[keyof PersonPatch, unknown]>) {
      if (value === undefined) continue;
      switch (key) {
        case 'address':
          fields.address =
            value === null
              ? null
              : { ...(fields.address ?? EMPTY_ADDRESS), ...(value as Partial<StreetAddress>) };
          break;
        case 'contact_preferences':
          fields.contact_preferences = {
            ...fields.contact_preferences,
            ...(value as Partial<StreetContactPreferences>),
          };
          break;
        case 'statuses':
          fields.statuses = { ...fields.statuses, ...(value as Partial<StreetStatuses>) };
          break;
        case 'email_addresses':
        case 'telephone_numbers':
          fields[key] = (value as StreetContactValue[]).map((entry) => ({ ...entry }));
          break;
        case 'applicants':
          fields.applicants = [...new Set(value as StreetPersonFields['applicants'])];
          break;
        default:
          (fields as unknown as Record<string, unknown>)[key] = value;
      }
    }
    record.fields = fields;
  }

  /** Street's delete: a soft delete that also touches `updated_at`; `filter[trashed]` still finds it. */
  trashPerson(record: PersonRecord, now: number): void {
    if (record.trashedAt !== null) return;
    this.#reindexing([record], () => {
      this.persons.remove(record);
      record.fields = fieldsOf(record, this.seed);
      record.trashedAt = now;
      record.modified = now;
      this.trashed.add(record);
    });
  }

  restorePerson(record: PersonRecord, now: number): void {
    if (record.trashedAt === null) return;
    this.trashed.remove(record);
    record.trashedAt = null;
    record.modified = now;
    this.#reindexing([record], () => this.persons.add(record));
  }

  /** Removes a person for good (GET answers 404 even with trashed); their notes stay. */
  deletePerson(record: PersonRecord): void {
    this.#reindexing([record], () => {
      this.persons.remove(record);
      this.trashed.remove(record);
    });
  }

  addViewing(input: Omit<ViewingRecord, 'seq'>): ViewingRecord {
    const record: ViewingRecord = { ...input, seq: this.viewings.size + 1 };
    this.viewings.add(record);
    return record;
  }

  addValuation(input: Omit<ValuationRecord, 'seq'>): ValuationRecord {
    const record: ValuationRecord = { ...input, seq: this.valuations.size + 1 };
    this.valuations.add(record);
    return record;
  }

  addOffer(input: Omit<OfferRecord, 'seq'>): OfferRecord {
    const collection = input.kind === 'sales' ? this.salesOffers : this.lettingsOffers;
    const record: OfferRecord = { ...input, seq: collection.size + 1 };
    collection.add(record);
    return record;
  }

  /** Changes an activity's status, touching `updated_at`. */
  setStatus<T extends ViewingRecord | ValuationRecord | OfferRecord>(
    collection: TimedCollection<T>,
    record: T,
    status: T['status'],
    now: number,
  ): void {
    collection.update(record, (target) => {
      target.status = status;
      target.modified = now;
      if ('cancelledAt' in target) target.cancelledAt = status === 'cancelled' ? now : null;
    });
  }

  offersOf(kind: OfferRecord['kind']): TimedCollection<OfferRecord> {
    return kind === 'sales' ? this.salesOffers : this.lettingsOffers;
  }

  addNote(input: Omit<NoteRecord, 'seq' | 'modified'>): NoteRecord {
    const record: NoteRecord = { ...input, seq: this.notes.size + 1, modified: input.created };
    this.notes.add(record);
    const list = this.#notesByPerson.get(record.personSeq);
    if (list === undefined) this.#notesByPerson.set(record.personSeq, [record]);
    else list.push(record);
    return record;
  }

  /** Edits a note in place (body and/or pin), touching its `updated_at`. */
  updateNote(record: NoteRecord, change: { body?: string; pinnedAt?: number | null }, now: number): void {
    this.notes.update(record, (target) => {
      if (change.body !== undefined) target.body = change.body;
      if (change.pinnedAt !== undefined) target.pinnedAt = change.pinnedAt;
      target.modified = now;
    });
  }

  /** A person's notes, oldest first. */
  notesOf(personSeq: number): readonly NoteRecord[] {
    return this.#notesByPerson.get(personSeq) ?? [];
  }
}

function viewingStatusFor(past: boolean, random: SeededRandom): StreetViewingStatus {
  return past
    ? random.pickWeighted(['completed', 'cancelled', 'missed', 'rejected'] as const, [74, 14, 8, 4])
    : random.pickWeighted(['confirmed', 'unconfirmed', 'cancelled'] as const, [60, 32, 8]);
}

function valuationStatusFor(past: boolean, random: SeededRandom): StreetValuationStatus {
  return past
    ? random.pickWeighted(['completed', 'cancelled'] as const, [85, 15])
    : random.pickWeighted(['booked', 'provisional'] as const, [75, 25]);
}

export type { StreetOfferStatus };
