import type { DatasetSeed } from '../toolkit/define-simulator.ts';
import {
  DAY_MS,
  generatedBooking,
  generatedCreatedAt,
  generatedModifiedAt,
  generatedOfferTimes,
  generatedViewingCount,
} from '../toolkit/generated-data.ts';
import { DatasetBase } from '../toolkit/dataset-base.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import type { PersonRole } from '../toolkit/uk-people.ts';
import {
  AGENTOS_CONTACT_TYPES,
  AGENTOS_OFFER_STATUSES,
  type AgentosAppointmentStatus,
  type AgentosAppointmentType,
  type AgentosContactType,
  type AgentosWebhookEvent,
} from './agentos-constants.ts';
import {
  EMPTY_ENGAGEMENT,
  type AppointmentRecord,
  type ContactRef,
  type LogEntryRecord,
  type OfferRecord,
} from './agentos-activity.model.ts';
import {
  AGENTOS_BRANCHES,
  agentosOid,
  agentosTime,
  externalIdOf,
  fieldsOf,
  isVisible,
  renderContact,
  seqOfOid,
  type AgentosAddress,
  type AgentosContactFields,
  type AgentosRequirements,
  type ContactRecord,
  type EngagementRecord,
  type JsonObject,
} from './agentos-contact.model.ts';
import { NumberedCollection } from '../toolkit/numbered-collection.ts';
import { TimedCollection, type TimedRecord } from '../toolkit/timed-collection.ts';
import type { AgentosWebhooks } from './agentos-webhooks.ts';

/** A partial update of a contact record, as PATCH accepts it (already validated). */
export type ContactPatch = Partial<Omit<AgentosContactFields, 'Address' | 'Requirements' | 'BranchOID'>> & {
  Address?: Partial<AgentosAddress> | null;
  Requirements?: Partial<AgentosRequirements>;
  ThirdPartyMarketingConsent?: boolean | null;
};

/** A new contact record, as POST accepts it (already validated). */
export type ContactCreate = ContactPatch & { Surname: string };

/** What the agency's data is generated from (timestamps lie before `anchor`), and what it tells of changes. */
interface AgentosDatasetOptions extends DatasetSeed {
  shortName: string;
  /** The simulator's clock: every change happens at its `now()`. */
  now: () => number;
  /** Where the agency's changes are announced. */
  webhooks: AgentosWebhooks;
}

/** The list each generated role puts a person on. */
const ROLE_LISTS: Readonly<Record<PersonRole, AgentosContactType>> = {
  vendor: 'Vendor',
  landlord: 'Landlord',
  buyerApplicant: 'SalesApplicant',
  tenantApplicant: 'LettingsApplicant',
  activeTenant: 'Tenant',
};

const CONSENT = { granted: true, denied: false, not_asked: null } as const;
const NEGOTIATORS = [
  'Jas Singh',
  'Rachel Moore',
  'Liam Hughes',
  'Dev Patel',
  'Sarah Kent',
  'Aoife Flynn',
  'Marcus Price',
  'Chloe Evans',
] as const;
const OFFER_STATUS_WEIGHTS = [35, 10, 20, 20, 15];
const EMPTY_ADDRESS: AgentosAddress = {
  Number: '',
  Name: '',
  Street: '',
  Locality: '',
  Town: '',
  County: '',
  Postcode: '',
  Country: 'United Kingdom',
};

/** One value per contact list, each made afresh. */
function perList<T>(make: () => T): Record<AgentosContactType, T> {
  return Object.fromEntries(AGENTOS_CONTACT_TYPES.map((type) => [type, make()])) as Record<
    AgentosContactType,
    T
  >;
}

function refKey(ref: ContactRef): string {
  return `${ref.type}:${ref.seq}`;
}

/**
 * One agency's data: the five contact lists (from the shared UK people, one record per role),
 * appointments, offers, contact log entries and engagement values. Data only; webhooks and HTTP
 * live elsewhere.
 */
export class AgentosDataset extends DatasetBase {
  readonly shortName: string;
  readonly lists: Readonly<Record<AgentosContactType, TimedCollection<ContactRecord>>>;
  readonly appointments = new NumberedCollection<AppointmentRecord>();
  readonly offers = new NumberedCollection<OfferRecord>();
  readonly logEntries = new NumberedCollection<LogEntryRecord, string>({
    ownerOf: (entry) => refKey(entry.contact),
  });
  // Rowversions start well above zero, like a database that has seen writes before.
  #rowVersion = 1_000_000;
  #nextSeq = perList(() => 1);
  readonly #webhooks: AgentosWebhooks;

  constructor(options: AgentosDatasetOptions) {
    super(options, 'agentos', options.now);
    this.#webhooks = options.webhooks;
    this.shortName = options.shortName;
    this.lists = perList(() => new TimedCollection<ContactRecord>(isVisible));
    this.#generate(options.anchor);
  }

  #generate(anchor: number): void {
    const random = new SeededRandom(mixSeed(this.seed, 'agentos-timestamps'));
    const people = this.people.people;
    const byType = perList<ContactRecord[]>(() => []);
    for (let i = 0; i < people.length; i++) {
      const person = people[i]!;
      // People join the agency in index order.
      const joined = generatedCreatedAt(random, i, people.length, anchor);
      for (const role of person.roles) {
        const type = ROLE_LISTS[role];
        const created = Math.min(anchor - DAY_MS, joined + Math.floor(random.next() * 30) * DAY_MS);
        const records = byType[type];
        records.push({
          type,
          seq: records.length + 1,
          created,
          modified: generatedModifiedAt(random, created, anchor),
          rowVersion: ++this.#rowVersion,
          person,
          fields: null,
          consent: CONSENT[person.marketingConsent],
          archived: random.chance(0.015),
          deleted: false,
          engagement: null,
        });
      }
    }
    for (const type of AGENTOS_CONTACT_TYPES) {
      this.lists[type].load(byType[type]);
      this.#nextSeq[type] = byType[type].length + 1;
    }
    this.#generateActivities(byType, anchor);
  }

  #generateActivities(byType: Record<AgentosContactType, ContactRecord[]>, anchor: number): void {
    const random = new SeededRandom(1);
    const activitySeed = mixSeed(this.seed, 'agentos-activities');
    const appointments: AppointmentRecord[] = [];
    const offers: OfferRecord[] = [];
    const appointment = (
      record: ContactRecord,
      systemType: AgentosAppointmentType,
      subject: string,
      minutes: number,
    ): AppointmentRecord => {
      const { start, created } = generatedBooking(random, anchor, record.created);
      const modified = Math.min(
        anchor - 1,
        created + Math.floor(random.next() * Math.max(0, anchor - created) * 0.3),
      );
      const cancelled = random.chance(0.07);
      const status: AgentosAppointmentStatus = cancelled
        ? 'Cancelled'
        : start + minutes * 60_000 < anchor
          ? 'Completed'
          : 'Booked';
      return {
        seq: appointments.length + 1,
        created,
        modified,
        rowVersion: ++this.#rowVersion,
        systemType,
        subject,
        start,
        end: start + minutes * 60_000,
        status,
        propertySeq: random.int(1, 5000),
        negotiator: random.pick(NEGOTIATORS),
        attendees: [{ type: record.type, seq: record.seq }],
      };
    };
    for (const type of AGENTOS_CONTACT_TYPES) {
      for (const record of byType[type]) {
        random.reseed(mixSeed(activitySeed, type, record.seq));
        const applicant = type === 'LettingsApplicant' || type === 'SalesApplicant';
        for (let v = generatedViewingCount(random, applicant); v > 0; v--)
          appointments.push(appointment(record, 'Viewing', 'Viewing', 30));
        if (type === 'Vendor' && random.chance(0.4))
          appointments.push(appointment(record, 'SalesAppraisal', 'Sales valuation', 60));
        if (type === 'Landlord' && random.chance(0.4))
          appointments.push(appointment(record, 'ViewAndValue', 'Lettings valuation', 45));
        if (type === 'Tenant' && random.chance(0.3)) {
          appointments.push(
            appointment(
              record,
              random.chance(0.3) ? 'OpeningInspection' : 'InterimInspection',
              'Property inspection',
              45,
            ),
          );
        }
        if (type === 'SalesApplicant' && random.chance(0.15)) {
          const times = generatedOfferTimes(random, anchor, record.created);
          offers.push({
            seq: offers.length + 1,
            ...times,
            rowVersion: ++this.#rowVersion,
            applicant: { type, seq: record.seq },
            propertySeq: random.int(1, 5000),
            amount: random.int(30, 190) * 5000,
            status: random.pickWeighted(AGENTOS_OFFER_STATUSES, OFFER_STATUS_WEIGHTS),
            dateOffered: new Date(times.created).toISOString().slice(0, 10),
          });
        }
      }
    }
    this.#plantHotLead(byType.SalesApplicant, anchor, appointments, offers);
    this.appointments.load(appointments);
    this.offers.load(offers);
  }

  /**
   * Makes sure the demo shows a hot lead: the newest shared sales applicant completed a viewing two
   * days before the anchor and made an offer the day before (30 + 45 before decay; the threshold
   * is 60). Fixed times, so the seed alone decides everything else.
   */
  #plantHotLead(
    applicants: readonly ContactRecord[],
    anchor: number,
    appointments: AppointmentRecord[],
    offers: OfferRecord[],
  ): void {
    const applicant = applicants.findLast((record) => isVisible(record) && !record.archived);
    if (applicant === undefined) return;
    const ref = { type: applicant.type, seq: applicant.seq };
    const start = anchor - 2 * DAY_MS + 10 * 3_600_000;
    appointments.push({
      seq: appointments.length + 1,
      created: Math.max(applicant.created, start - 3 * DAY_MS),
      modified: start + 3_600_000,
      rowVersion: ++this.#rowVersion,
      systemType: 'Viewing',
      subject: 'Viewing',
      start,
      end: start + 30 * 60_000,
      status: 'Completed',
      propertySeq: 1,
      negotiator: NEGOTIATORS[0],
      attendees: [ref],
    });
    const offered = anchor - DAY_MS + 9 * 3_600_000;
    offers.push({
      seq: offers.length + 1,
      created: Math.max(applicant.created, offered),
      modified: Math.max(applicant.created, offered),
      rowVersion: ++this.#rowVersion,
      applicant: ref,
      propertySeq: 1,
      amount: 425_000,
      status: 'Submitted',
      dateOffered: new Date(offered).toISOString().slice(0, 10),
    });
  }

  oidOf(record: ContactRecord): string {
    return agentosOid(this.seed, record.type, record.seq);
  }

  appointmentOid(seq: number): string {
    return agentosOid(this.seed, 'appointment', seq);
  }

  offerOid(seq: number): string {
    return agentosOid(this.seed, 'offer', seq);
  }

  externalIdOf(record: ContactRecord): string {
    return externalIdOf(record.type, this.oidOf(record));
  }

  /** The record of `type` with this OID, visible or not (callers decide what the API may show). */
  contactByOid(type: AgentosContactType, oid: string): ContactRecord | undefined {
    const seq = seqOfOid(this.seed, type, oid);
    return seq === null ? undefined : this.lists[type].get(seq);
  }

  /** Resolves `<ContactType>:<OID>` (Propsync's external id). */
  contactByExternalId(externalId: string): ContactRecord | undefined {
    const at = externalId.indexOf(':');
    const type = externalId.slice(0, at) as AgentosContactType;
    if (at < 0 || !(AGENTOS_CONTACT_TYPES as readonly string[]).includes(type)) return undefined;
    return this.contactByOid(type, externalId.slice(at + 1));
  }

  contactByRef(ref: ContactRef): ContactRecord | undefined {
    return this.lists[ref.type].get(ref.seq);
  }

  /** Total records the API shows, over all lists. */
  visibleCount(): number {
    return AGENTOS_CONTACT_TYPES.reduce((sum, type) => sum + this.lists[type].listedCount, 0);
  }

  /**
   * Announces the record's change to the agency's subscribers to `event`, if any. Only records
   * shared with third parties (marketing consent given) are announced: a record that stops being
   * shared (consent withdrawn, deleted) is announced once more, with `Contact: null`.
   */
  #announce(record: ContactRecord, event: AgentosWebhookEvent, now: number): void {
    if (!this.#webhooks.hasSubscribers(this.shortName, event)) return;
    const contact = isVisible(record) ? renderContact(record, this.seed) : null;
    this.#webhooks.emit(this.shortName, now, { event, type: record.type, oid: this.oidOf(record), contact });
  }

  createContact(type: AgentosContactType, input: ContactCreate): ContactRecord {
    const now = this.now();
    const record: ContactRecord = {
      type,
      seq: this.#nextSeq[type]++,
      created: now,
      modified: now,
      rowVersion: ++this.#rowVersion,
      person: null,
      fields: {
        Title: null,
        Forename: null,
        Surname: input.Surname,
        EmailAddress: null,
        MobilePhone: null,
        HomePhone: null,
        WorkPhone: null,
        DateOfBirth: null,
        Address: null,
        BranchOID: agentosOid(this.seed, 'branch', 1),
        ...(type === 'Tenant' ? { TenancyStatus: 'Prospective' as const, TenancyStartDate: null } : {}),
        ...(type === 'LettingsApplicant' || type === 'SalesApplicant'
          ? { Requirements: { MinBedrooms: 0, Areas: [] } }
          : {}),
        ...(type === 'Landlord' ? { PropertyCount: 0 } : {}),
        ...(type === 'Vendor' ? { SaleStatus: 'Valuation' } : {}),
      },
      consent: null,
      archived: false,
      deleted: false,
      engagement: null,
    };
    this.#applyPatch(record, input);
    this.lists[type].add(record);
    if (isVisible(record)) this.#announce(record, 'contact.created', now);
    return record;
  }

  /**
   * Applies validated patches, bumping ModifiedDate and the ETag even when nothing changed, and
   * announces each record as its own event.
   */
  patchContacts(records: readonly ContactRecord[], patchFor: (record: ContactRecord) => ContactPatch): void {
    const now = this.now();
    const wasVisible = records.map(isVisible);
    for (const type of AGENTOS_CONTACT_TYPES) {
      const ofType = records.filter((record) => record.type === type);
      if (ofType.length === 0) continue;
      this.lists[type].updateMany(ofType, (record) => {
        this.#applyPatch(record, patchFor(record));
        record.modified = now;
        record.rowVersion = ++this.#rowVersion;
      });
    }
    records.forEach((record, i) => {
      if (wasVisible[i] || isVisible(record)) this.#announce(record, 'contact.updated', now);
    });
  }

  #applyPatch(record: ContactRecord, patch: ContactPatch): void {
    // Copy on first write: generated records are computed until then (fieldsOf builds a fresh object).
    const next = record.fields ?? fieldsOf(record, this.seed);
    const isApplicant = record.type === 'LettingsApplicant' || record.type === 'SalesApplicant';
    for (const [key, value] of Object.entries(patch) as Array<[keyof ContactPatch, unknown]>) {
      if (value === undefined) continue;
      switch (key) {
        case 'ThirdPartyMarketingConsent':
          record.consent = value as boolean | null;
          break;
        case 'Address':
          next.Address =
            value === null
              ? null
              : { ...(next.Address ?? EMPTY_ADDRESS), ...(value as Partial<AgentosAddress>) };
          break;
        case 'Requirements':
          if (isApplicant) {
            const merged = {
              ...(next.Requirements ?? { MinBedrooms: 0, Areas: [] }),
              ...(value as Partial<AgentosRequirements>),
            };
            next.Requirements = { ...merged, Areas: [...merged.Areas] };
          }
          break;
        case 'TenancyStatus':
        case 'TenancyStartDate':
          if (record.type === 'Tenant') (next as unknown as Record<string, unknown>)[key] = value;
          break;
        case 'PropertyCount':
          if (record.type === 'Landlord') next.PropertyCount = value as number;
          break;
        case 'SaleStatus':
          if (record.type === 'Vendor') next.SaleStatus = value as string;
          break;
        default:
          (next as unknown as Record<string, unknown>)[key] = value;
      }
    }
    record.fields = next;
  }

  /** Archives a record: it stays listed with `IsArchived: true`. */
  archiveContact(record: ContactRecord): void {
    const now = this.now();
    this.lists[record.type].update(record, (target) => {
      target.fields = fieldsOf(target, this.seed);
      target.archived = true;
      target.modified = now;
      target.rowVersion = ++this.#rowVersion;
    });
    if (isVisible(record)) this.#announce(record, 'contact.updated', now);
  }

  /** Removes a record outright: lists and GET no longer show it. */
  deleteContact(record: ContactRecord): void {
    const now = this.now();
    const wasVisible = isVisible(record);
    const list = this.lists[record.type];
    if (list.get(record.seq) === record) {
      list.update(record, (target) => {
        target.deleted = true;
      });
      list.remove(record);
    }
    if (wasVisible) this.#announce(record, 'contact.updated', now);
  }

  addAppointment(
    input: Omit<AppointmentRecord, 'seq' | 'rowVersion' | 'created' | 'modified'>,
  ): AppointmentRecord {
    return this.appointments.insert({ ...input, ...this.#stamp() });
  }

  addOffer(input: Omit<OfferRecord, 'seq' | 'rowVersion' | 'created' | 'modified'>): OfferRecord {
    return this.offers.insert({ ...input, ...this.#stamp() });
  }

  /** A new record's times and rowversion. */
  #stamp(): { created: number; modified: number; rowVersion: number } {
    const now = this.now();
    return { created: now, modified: now, rowVersion: ++this.#rowVersion };
  }

  appointmentByOid(oid: string): AppointmentRecord | undefined {
    const seq = seqOfOid(this.seed, 'appointment', oid);
    return seq === null ? undefined : this.appointments.get(seq);
  }

  offerByOid(oid: string): OfferRecord | undefined {
    const seq = seqOfOid(this.seed, 'offer', oid);
    return seq === null ? undefined : this.offers.get(seq);
  }

  /** An agent's edit of an appointment (e.g. Booked → Completed): its ModifiedDate and ETag move. */
  editAppointment(record: AppointmentRecord, change: Partial<Pick<AppointmentRecord, 'status'>>): void {
    this.#edit<AppointmentRecord>(this.appointments, record, change);
  }

  /** An agent's edit of an offer (e.g. Submitted → Accepted): its ModifiedDate and ETag move. */
  editOffer(record: OfferRecord, change: Partial<Pick<OfferRecord, 'status'>>): void {
    this.#edit<OfferRecord>(this.offers, record, change);
  }

  #edit<T extends TimedRecord & { rowVersion: number }>(
    collection: TimedCollection<T>,
    record: T,
    change: Partial<T>,
  ): void {
    const now = this.now();
    collection.update(record, (target) => {
      Object.assign(target, change);
      target.modified = now;
      target.rowVersion = ++this.#rowVersion;
    });
  }

  addLogEntry(input: Omit<LogEntryRecord, 'seq' | 'created' | 'modified'>): LogEntryRecord {
    const now = this.now();
    return this.logEntries.insert({ ...input, created: now, modified: now });
  }

  logEntriesOf(ref: ContactRef): readonly LogEntryRecord[] {
    return this.logEntries.of(refKey(ref));
  }

  engagementOf(ref: ContactRef): EngagementRecord {
    return { ...(this.contactByRef(ref)?.engagement ?? EMPTY_ENGAGEMENT) };
  }

  /**
   * Merges engagement values (given fields only) into the record. They are the integration's own
   * fields: the record's ETag and ModifiedDate stay as they are, so nurture write-back never makes
   * an agent's pending edit stale nor comes back to Propsync as a contact change.
   */
  setEngagement(ref: ContactRef, patch: Partial<Omit<EngagementRecord, 'ModifiedDate'>>): EngagementRecord {
    const now = this.now();
    const record = this.contactByRef(ref);
    if (record === undefined) throw new RangeError(`${refKey(ref)} does not exist`);
    record.engagement = {
      ...(record.engagement ?? EMPTY_ENGAGEMENT),
      ...patch,
      ModifiedDate: agentosTime(now),
    };
    return { ...record.engagement };
  }

  branches(): JsonObject[] {
    return AGENTOS_BRANCHES.map((branch) => ({
      OID: agentosOid(this.seed, 'branch', branch.seq),
      Name: branch.name,
      CompanyShortName: this.shortName,
      Town: branch.town ?? 'London',
      EmailAddress: `${branch.name.toLowerCase().replace(/\s+/g, '.')}@${this.shortName}.example.co.uk`,
    }));
  }
}
