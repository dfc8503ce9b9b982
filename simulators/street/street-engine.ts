import type { TimedCollection } from '../toolkit/timed-collection.ts';
import type { SimulatorClock } from '../toolkit/simulator-clock.ts';
import {
  renderActivityIncluded,
  renderOffer,
  renderValuation,
  renderViewing,
  type NoteRecord,
  type OfferRecord,
  type ValuationRecord,
  type ViewingRecord,
} from './street-activity.model.ts';
import type { StreetWebhookEvent } from './street-constants.ts';
import type { PersonCreate, PersonPatch, StreetDataset } from './street-dataset.ts';
import { streetUuid } from './street-ids.ts';
import {
  fieldsOf,
  renderIncluded,
  renderPerson,
  streetTime,
  type JsonObject,
  type PersonRecord,
  type RenderContext,
} from './street-person.model.ts';
import type { StreetWebhooks } from './street-webhooks.ts';

const PERSON_INCLUDES = new Set(['applicants']);

/**
 * The simulator's state changes, each followed by the webhooks Street would send. The API routes
 * and the control surface both go through here, so a change made either way notifies.
 */
export class StreetEngine {
  readonly clock: SimulatorClock;
  readonly webhooks: StreetWebhooks;
  readonly #dataset: () => StreetDataset;
  readonly #base: () => string;

  constructor(options: {
    clock: SimulatorClock;
    webhooks: StreetWebhooks;
    dataset: () => StreetDataset;
    publicBase: () => string;
  }) {
    this.clock = options.clock;
    this.webhooks = options.webhooks;
    this.#dataset = options.dataset;
    this.#base = options.publicBase;
  }

  get dataset(): StreetDataset {
    return this.#dataset();
  }

  /** How resources render for links under `base` (the request's host, or the public URL for webhooks). */
  context(base: string = this.#base()): RenderContext {
    const dataset = this.#dataset();
    return {
      seed: dataset.seed,
      base,
      noteIds: (personSeq) =>
        dataset.notesOf(personSeq).map((note) => streetUuid(dataset.seed, 'note', note.seq)),
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

  createPerson(input: PersonCreate): PersonRecord {
    const now = this.clock.now();
    const record = this.dataset.createPerson(input, now);
    this.#emit('person.created', now, () => this.personDocument(record));
    return record;
  }

  /**
   * Updates people and notifies `person.updated`, plus Street's announced
   * `person.marketing-preferences.updated` when consent or contact preferences changed.
   */
  patchPeople(records: readonly PersonRecord[], patchFor: (record: PersonRecord) => PersonPatch): void {
    const now = this.clock.now();
    const dataset = this.dataset;
    if (!this.webhooks.hasSubscribers('person.updated', 'person.marketing-preferences.updated')) {
      dataset.patchPeople(records, patchFor, now);
      return;
    }
    const preferencesOf = (record: PersonRecord) => {
      const fields = fieldsOf(record, dataset.seed);
      return JSON.stringify([fields.marketing_consent, fields.contact_preferences]);
    };
    const before = records.map(preferencesOf);
    dataset.patchPeople(records, patchFor, now);
    records.forEach((record, i) => {
      const document = this.personDocument(record);
      this.webhooks.emit('person.updated', now, document);
      if (preferencesOf(record) !== before[i])
        this.webhooks.emit('person.marketing-preferences.updated', now, document);
    });
  }

  /** Street's delete (soft): the person leaves listings; `filter[trashed]` still finds them. */
  trashPerson(record: PersonRecord): void {
    const now = this.clock.now();
    this.dataset.trashPerson(record, now);
    this.#emit('person.deleted', now, () => ({
      data: { type: 'person', id: this.dataset.personId(record), meta: { deleted_at: streetTime(now) } },
    }));
  }

  restorePerson(record: PersonRecord): void {
    const now = this.clock.now();
    this.dataset.restorePerson(record, now);
    this.#emit('person.updated', now, () => this.personDocument(record));
  }

  /** Removes the person for good. */
  deletePerson(record: PersonRecord): void {
    const now = this.clock.now();
    const id = this.dataset.personId(record);
    this.dataset.deletePerson(record);
    this.#emit('person.deleted', now, () => ({
      data: { type: 'person', id, meta: { deleted_at: streetTime(now), permanent: true } },
    }));
  }

  addViewing(input: Omit<ViewingRecord, 'seq' | 'created' | 'modified'>): ViewingRecord {
    const now = this.clock.now();
    const record = this.dataset.addViewing({ ...input, created: now, modified: now });
    this.#emit('viewing.created', now, () =>
      this.#activityDocument(renderViewing(record, this.context()), record, 'applicant'),
    );
    return record;
  }

  addValuation(input: Omit<ValuationRecord, 'seq' | 'created' | 'modified'>): ValuationRecord {
    const now = this.clock.now();
    const record = this.dataset.addValuation({ ...input, created: now, modified: now });
    this.#emit('valuation.created', now, () =>
      this.#activityDocument(renderValuation(record, this.context()), record, 'owner'),
    );
    return record;
  }

  addOffer(input: Omit<OfferRecord, 'seq' | 'created' | 'modified'>): OfferRecord {
    const now = this.clock.now();
    const record = this.dataset.addOffer({ ...input, created: now, modified: now });
    this.#emit(`${record.kind}-offer.created`, now, () =>
      this.#activityDocument(renderOffer(record, this.context()), record, 'applicant'),
    );
    return record;
  }

  setViewingStatus(record: ViewingRecord, status: ViewingRecord['status']): void {
    const now = this.clock.now();
    this.dataset.setStatus(this.dataset.viewings, record, status, now);
    this.#emit('viewing.updated', now, () =>
      this.#activityDocument(renderViewing(record, this.context()), record, 'applicant'),
    );
  }

  setValuationStatus(record: ValuationRecord, status: ValuationRecord['status']): void {
    const now = this.clock.now();
    this.dataset.setStatus(this.dataset.valuations, record, status, now);
    this.#emit('valuation.updated', now, () =>
      this.#activityDocument(renderValuation(record, this.context()), record, 'owner'),
    );
  }

  setOfferStatus(record: OfferRecord, status: OfferRecord['status']): void {
    const now = this.clock.now();
    const collection: TimedCollection<OfferRecord> = this.dataset.offersOf(record.kind);
    this.dataset.setStatus(collection, record, status, now);
    this.#emit(`${record.kind}-offer.updated`, now, () =>
      this.#activityDocument(renderOffer(record, this.context()), record, 'applicant'),
    );
  }

  addNote(input: Omit<NoteRecord, 'seq' | 'modified' | 'created'>): NoteRecord {
    return this.dataset.addNote({ ...input, created: this.clock.now() });
  }

  /** Edits a note; pinning keeps the first pin time, unpinning clears it. */
  updateNote(record: NoteRecord, change: { body?: string; pinned?: boolean }): void {
    const now = this.clock.now();
    const pinnedAt =
      change.pinned === undefined ? undefined : change.pinned ? (record.pinnedAt ?? now) : null;
    this.dataset.updateNote(
      record,
      {
        ...(change.body === undefined ? {} : { body: change.body }),
        ...(pinnedAt === undefined ? {} : { pinnedAt }),
      },
      now,
    );
  }

  /** Activity webhooks side-load who it concerns: the applicant or owner, and the person behind it. */
  #activityDocument(
    resource: JsonObject,
    record: ViewingRecord | ValuationRecord | OfferRecord,
    via: 'applicant' | 'owner',
  ): JsonObject {
    const dataset = this.dataset;
    const include = new Set([via, `${via}.people`]);
    return {
      data: resource,
      included: renderActivityIncluded([record], include, (seq) => dataset.personBySeq(seq), this.context()),
    };
  }

  #emit(type: StreetWebhookEvent, now: number, document: () => JsonObject): void {
    if (this.webhooks.hasSubscribers(type)) this.webhooks.emit(type, now, document());
  }
}
