import { EmailIndex } from '../toolkit/email-index.ts';
import { DatasetBase } from '../toolkit/dataset-base.ts';
import { generatedTimes } from '../toolkit/generated-data.ts';
import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import { NumberedCollection } from '../toolkit/numbered-collection.ts';
import { TimedCollection } from '../toolkit/timed-collection.ts';
import { dramaMobile, emailElsewhere, movedAddress } from '../toolkit/random-edits.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import {
  ACTIVITY_KINDS,
  activityEvent,
  renderActivity,
  renderActivityIncluded,
  renderNote,
  type ActivityKind,
  type ActivityRecords,
  type NoteRecord,
} from './street-activity.model.ts';
import { seedActivities } from './street-activity.seed.ts';
import type { StreetWebhookEvent } from './street-constants.ts';
import { seqOfStreetUuid, streetUuid, type StreetEntityKind } from './street-ids.ts';
import {
  fieldsOf,
  renderIncluded,
  renderPerson,
  streetTime,
  udprnOf,
  type JsonObject,
  type PersonRecord,
  type RenderContext,
  type StreetAddress,
  type StreetContactPreferences,
  type StreetContactValue,
  type StreetPersonFields,
  type StreetStatuses,
} from './street-person.model.ts';
import type { StreetWebhooks } from './street-webhooks.ts';

const PERSON_INCLUDES = new Set(['applicants']);
/** Where a random consent edit moves: granted → refused → not asked → granted. */
const NEXT_CONSENT = new Map<boolean | null, boolean | null>([
  [true, false],
  [false, null],
  [null, true],
]);

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

/** What a dataset's changes need: the simulator clock, the webhook fan-out and the base webhook links use. */
export interface StreetDatasetDeps {
  clock: SimulatorClock;
  webhooks: StreetWebhooks;
  publicBase: () => string;
}

/**
 * One Street company's data: people (generated from the shared UK people, so the same humans
 * appear in every CRM simulator with the same seed), their viewings, valuations, offers and
 * notes. Every change is followed by the webhooks Street would send, so a change made through
 * the API or the control surface notifies alike.
 */
export class StreetDataset extends DatasetBase {
  /** People listed by default; soft-deleted ones move to `trashed`. */
  readonly persons = new NumberedCollection<PersonRecord>();
  readonly trashed = new TimedCollection<PersonRecord>();
  readonly activities: { [K in ActivityKind]: NumberedCollection<ActivityRecords[K]> } = {
    viewing: new NumberedCollection(),
    valuation: new NumberedCollection(),
    sales_offer: new NumberedCollection(),
    lettings_offer: new NumberedCollection(),
  };
  /** By person (`of(personSeq)`, oldest first). */
  readonly notes = new NumberedCollection<NoteRecord>({ ownerOf: (note) => note.personSeq });
  /** The person planted as a hot lead (an offer and a completed viewing days ago), if any. */
  hotLeadSeq: number | null = null;
  readonly #deps: StreetDatasetDeps;
  // Live people only: a trashed person leaves both indexes.
  readonly #emails = new EmailIndex<PersonRecord>(
    () => this.persons.values(),
    (record) => fieldsOf(record, this.seed).email_addresses.map((entry) => entry.value),
  );
  readonly #phones = new EmailIndex<PersonRecord>(
    () => this.persons.values(),
    (record) => fieldsOf(record, this.seed).telephone_numbers.map((entry) => entry.value),
    (phone) => phone,
  );

  constructor(options: DatasetSeed, deps: StreetDatasetDeps) {
    super(options, 'street', deps.clock.now);
    this.#deps = deps;
    const random = new SeededRandom(mixSeed(this.seed, 'street-timestamps'));
    const people = this.people.people;
    // Built in one literal: generatedRecords would spread a second object per person.
    const records: PersonRecord[] = people.map((person, i) => ({
      seq: i + 1,
      ...generatedTimes(i, people.length, options.anchor, random),
      person,
      fields: null,
      trashedAt: null,
    }));
    this.persons.load(records);
    const seeded = seedActivities(records, this.seed, options.anchor);
    this.hotLeadSeq = seeded.hotLeadSeq;
    this.activities.viewing.load(seeded.viewing);
    this.activities.valuation.load(seeded.valuation);
    this.activities.sales_offer.load(seeded.sales_offer);
    this.activities.lettings_offer.load(seeded.lettings_offer);
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

  activityById<K extends ActivityKind>(kind: K, id: string): ActivityRecords[K] | undefined {
    return this.#byId(this.activities[kind], kind, id);
  }

  noteById(id: string): NoteRecord | undefined {
    return this.#byId(this.notes, 'note', id);
  }

  #byId<T extends { seq: number }>(
    collection: { get(seq: number): T | undefined },
    kind: StreetEntityKind,
    id: string,
  ): T | undefined {
    const seq = seqOfStreetUuid(this.seed, kind, id);
    return seq === null ? undefined : collection.get(seq);
  }

  /** Live people holding this email (case-insensitive, trimmed; any of their addresses). */
  peopleByEmail(email: string): PersonRecord[] {
    return this.#emails.find(email);
  }

  /** Live people holding this number (full international format, exact). */
  peopleByPhone(e164: string): PersonRecord[] {
    return this.#phones.find(e164);
  }

  /** How resources render for links under `base` (the request's host, or the public URL for webhooks). */
  context(base: string = this.#deps.publicBase()): RenderContext {
    return {
      seed: this.seed,
      base,
      noteIds: (personSeq) => this.notes.of(personSeq).map((note) => streetUuid(this.seed, 'note', note.seq)),
    };
  }

  /** The person document webhooks carry: the resource and its applicants, so receivers need not fetch. */
  personDocument(record: PersonRecord): JsonObject {
    const context = this.context();
    return {
      data: renderPerson(record, context),
      included: renderIncluded([record], PERSON_INCLUDES, context),
    };
  }

  /** Side-loads for people: applicants and owned properties from the model, notes from here. */
  includedFor(
    records: readonly PersonRecord[],
    include: ReadonlySet<string>,
    context: RenderContext,
  ): JsonObject[] {
    const included = renderIncluded(records, include, context);
    if (include.has('notes'))
      for (const record of records)
        for (const note of this.notes.of(record.seq)) included.push(renderNote(note, context));
    return included;
  }

  createPerson(input: PersonCreate): PersonRecord {
    const now = this.now();
    const record = this.persons.insert({
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
    });
    // Patched once stored: a new person's times, all their collection indexes, do not change.
    this.#applyPatch(record, input);
    this.#emails.add(record);
    this.#phones.add(record);
    this.#emit('person.created', now, () => this.personDocument(record));
    return record;
  }

  /**
   * Applies validated patches and bumps `updated_at`, even when nothing changed (Laravel touches
   * on save); notifies `person.updated`, plus Street's announced
   * `person.marketing-preferences.updated` when consent or contact preferences changed.
   */
  patchPeople(records: readonly PersonRecord[], patchFor: (record: PersonRecord) => PersonPatch): void {
    const now = this.now();
    const webhooks = this.#deps.webhooks;
    const notify = webhooks.hasSubscribers('person.updated', 'person.marketing-preferences.updated');
    const preferencesOf = (record: PersonRecord) => {
      const fields = fieldsOf(record, this.seed);
      return JSON.stringify([fields.marketing_consent, fields.contact_preferences]);
    };
    const before = notify ? records.map(preferencesOf) : [];
    const live = records.filter((record) => record.trashedAt === null);
    const mutate = (record: PersonRecord) => {
      this.#applyPatch(record, patchFor(record));
      record.modified = now;
    };
    this.#emails.update(live, () => this.#phones.update(live, () => this.persons.updateMany(live, mutate)));
    this.trashed.updateMany(
      records.filter((record) => record.trashedAt !== null),
      mutate,
    );
    if (!notify) return;
    records.forEach((record, i) => {
      const document = this.personDocument(record);
      webhooks.emit('person.updated', now, document);
      if (preferencesOf(record) !== before[i])
        webhooks.emit('person.marketing-preferences.updated', now, document);
    });
  }

  /** A plausible edit an agent might make in Street (the `randomChange` control). */
  randomChange(record: PersonRecord, random: SeededRandom): PersonPatch {
    const fields = fieldsOf(record, this.seed);
    switch (random.int(0, 4)) {
      case 0: {
        const primary = fields.email_addresses.find((entry) => entry.primary) ?? fields.email_addresses[0];
        const email = emailElsewhere(random, primary?.value, fields.first_name, { keepCase: true });
        const next = { value: email, notes: null, primary: true };
        return {
          email_addresses: [
            next,
            ...fields.email_addresses
              .filter((entry) => entry !== primary)
              .map((entry) => ({ ...entry, primary: false })),
          ],
        };
      }
      case 1: {
        const mobile = { value: dramaMobile(random), notes: 'Mobile', primary: true };
        return { telephone_numbers: [mobile, ...fields.telephone_numbers.filter((entry) => !entry.primary)] };
      }
      case 2:
        return { marketing_consent: NEXT_CONSENT.get(fields.marketing_consent) ?? null };
      case 3: {
        const { number, street, postcode } = movedAddress(random, fields.address?.postcode);
        return {
          address: {
            building_number: number,
            building_name: null,
            street,
            line_1: `${number} ${street}`,
            postcode,
            udprn: udprnOf({ postcode, buildingNumber: number, buildingName: '', street }),
          },
        };
      }
      default:
        return { last_name: random.pick(SURNAMES) };
    }
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
  trashPerson(record: PersonRecord): void {
    if (record.trashedAt !== null) return;
    const now = this.now();
    this.#emails.remove(record);
    this.#phones.remove(record);
    this.persons.remove(record);
    record.fields = fieldsOf(record, this.seed);
    record.trashedAt = now;
    record.modified = now;
    this.trashed.add(record);
    this.#emit('person.deleted', now, () => ({
      data: { type: 'person', id: this.personId(record), meta: { deleted_at: streetTime(now) } },
    }));
  }

  /** Adds an activity (sends `<kind>.created`); returns its UUID. */
  addActivity<K extends ActivityKind>(
    kind: K,
    input: Omit<ActivityRecords[K], 'seq' | 'created' | 'modified'>,
  ): string {
    const now = this.now();
    const collection = this.activities[kind] as NumberedCollection<ActivityRecords[K]>;
    const record = collection.insert({ ...input, created: now, modified: now } as Omit<
      ActivityRecords[K],
      'seq'
    >);
    this.#emit(activityEvent(kind, 'created'), now, () => this.#activityDocument(kind, record));
    return streetUuid(this.seed, kind, record.seq);
  }

  /** Changes an activity's status, touching `updated_at`. */
  setActivityStatus<K extends ActivityKind>(
    kind: K,
    record: ActivityRecords[K],
    status: ActivityRecords[K]['status'],
  ): void {
    const now = this.now();
    (this.activities[kind] as TimedCollection<ActivityRecords[K]>).update(record, (target) => {
      target.status = status;
      target.modified = now;
      if ('cancelledAt' in target) target.cancelledAt = status === 'cancelled' ? now : null;
    });
    this.#emit(activityEvent(kind, 'updated'), now, () => this.#activityDocument(kind, record));
  }

  /** Activity webhooks side-load who it concerns: the applicant or owner, and the person behind it. */
  #activityDocument(kind: ActivityKind, record: ActivityRecords[ActivityKind]): JsonObject {
    const { via } = ACTIVITY_KINDS[kind];
    const context = this.context();
    const include = new Set([via, `${via}.people`]);
    return {
      data: renderActivity(kind, record, context),
      included: renderActivityIncluded(kind, [record], include, (seq) => this.personBySeq(seq), context),
    };
  }

  addNote(input: Omit<NoteRecord, 'seq' | 'modified' | 'created'>): NoteRecord {
    const now = this.now();
    return this.notes.insert({ ...input, created: now, modified: now });
  }

  /** Edits a note's body and/or pin, touching its `updated_at`; pinning keeps the first pin time, unpinning clears it. */
  updateNote(record: NoteRecord, change: { body?: string | undefined; pinned?: boolean | undefined }): void {
    const now = this.now();
    this.notes.update(record, (target) => {
      if (change.body !== undefined) target.body = change.body;
      if (change.pinned !== undefined) target.pinnedAt = change.pinned ? (target.pinnedAt ?? now) : null;
      target.modified = now;
    });
  }

  #emit(type: StreetWebhookEvent, now: number, document: () => JsonObject): void {
    if (this.#deps.webhooks.hasSubscribers(type)) this.#deps.webhooks.emit(type, now, document());
  }
}
