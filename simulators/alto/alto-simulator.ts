import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../../server/infrastructure/logger.ts';
import { listen as listenApp, type RunningServer } from '../toolkit/app-listener.ts';
import {
  FaultControls,
  faultMiddleware,
  type FaultSettings,
} from '../toolkit/fault-controls.ts';
import {
  RateLimiter,
  rateLimitMiddleware,
  type RateLimitConfig,
} from '../toolkit/rate-limiter.ts';
import { RequestLog } from '../toolkit/request-log.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { createSimulatorClock, type SimulatorClock } from '../toolkit/simulator-clock.ts';
import { PHONE_STYLES, formatPhone, toE164 } from '../toolkit/uk-contact-format.ts';
import type { UkPerson } from '../toolkit/uk-people.ts';
import {
  EMAIL_DOMAINS,
  POSTCODE_UNIT_LETTERS,
  STREET_NAMES,
  STREET_SUFFIXES,
  SURNAMES,
} from '../toolkit/uk-reference-data.ts';
import {
  WebhookDispatcher,
  type WebhookAttempt,
  type WebhookDeliveryFaults,
} from '../toolkit/webhook-dispatcher.ts';
import { renderAppointment, renderFileNote, renderOffer, seqOfId } from './alto-activity.model.ts';
import { createAltoApiRouter, fieldsFromRequest, type AltoCallContext } from './alto-api.routes.ts';
import { AltoAuth, type TokenStats } from './alto-auth.ts';
import {
  ALTO_APPOINTMENT_ID_BASE,
  ALTO_DEMO_CLIENT,
  ALTO_OFFER_ID_BASE,
  ALTO_PROPERTY_ID_BASE,
  ALTO_RATE_LIMITS,
  ALTO_TOKEN_LIFETIME_SECONDS,
  ALTO_WEBHOOK_RETRY_DELAYS_MS,
  ALTO_WEBHOOK_TIMEOUT_MS,
  type AltoAppointmentStatus,
  type AltoAppointmentType,
  type AltoIntegration,
  type AltoOfferStatus,
  type AltoRateLimits,
} from './alto-constants.ts';
import {
  contactIdOf,
  fieldsOf,
  renderContact,
  renderListItem,
  type AltoContactFields,
  type ContactRecord,
  type JsonObject,
} from './alto-contact.model.ts';
import { createAltoControlRouter } from './alto-control.routes.ts';
import { AltoDataset } from './alto-dataset.ts';
import { AltoEngine } from './alto-engine.ts';
import {
  BadRequestError,
  PostContactSchema,
  camelKeys,
  sendErrors,
  sendProblem,
  type PostContactRequest,
} from './alto-http.ts';
import { AltoWebhooks, cloudEventBody, deliveryHeaders } from './alto-webhooks.ts';

export interface AltoSimulatorOptions {
  /** Seeds the data, fault draws and control choices (default 1: the same people as the other CRMs). */
  seed?: number;
  /** Contacts generated per agency (default 1,000). */
  contactCount?: number;
  /** Share of planted duplicate contacts (default 0.02). */
  duplicateRate?: number;
  /** Integrations the simulator accepts (default {@link ALTO_DEMO_CLIENT}); each agency gets its own data. */
  integrations?: readonly AltoIntegration[];
  /** Access token lifetime in seconds (default 3600; fractions allowed). */
  tokenLifetimeSeconds?: number;
  /** The catalogue's limits by default; override parts, or `false` to disable (benchmarks). */
  rateLimits?: Partial<AltoRateLimits> | false;
  /** The simulator's clock (default Date.now); `controls.advanceClock` shifts it further. */
  now?: () => number;
  /** Generated timestamps lie in the months before this instant (default: midnight UTC today). */
  dataAnchor?: number | string | Date;
  /** Multiplies the webhook retry schedule (30 s … 2 h); e.g. 0.0001 in tests. Default 1. */
  webhookRetryScale?: number;
  /** How long a webhook receiver may take (default 10 s). */
  webhookTimeoutMs?: number;
  /** Most request-log entries kept (default 100,000). */
  requestLogLimit?: number;
  /** Where unexpected errors are logged. */
  logger?: Pick<Logger, 'error'>;
}

/** A typed edit of a contact's lead person and flags (what an agent might change in Alto). */
export interface AltoContactEdit {
  title?: string | null;
  forename?: string | null;
  surname?: string;
  email?: string | null;
  mobile?: string | null;
  address?: Partial<NonNullable<AltoContactFields['address']>>;
  potentialVendor?: boolean;
  potentialLandlord?: boolean;
  archived?: boolean;
}

export interface ModifyContactsOptions {
  /** How many contacts to modify, picked deterministically at random among unarchived ones. */
  count?: number;
  /** Or exactly these contacts. */
  ids?: readonly string[];
  /** Fields to set. Without fields nor `randomChange`, only `modifiedDate` moves. */
  fields?: AltoContactEdit;
  /** A realistic random edit per contact (email, phone format, address, surname or a potential-vendor flag). */
  randomChange?: boolean;
  agencyRef?: string;
}

export interface CreateAppointmentOptions {
  contactId: string;
  /** `Viewing` (default for applicants) or `Valuation` (default otherwise). */
  type?: AltoAppointmentType;
  start?: number | string | Date;
  durationMinutes?: number;
  propertyId?: string;
  agencyRef?: string;
}

export interface CreateOfferOptions {
  contactId: string;
  amount?: number;
  status?: AltoOfferStatus;
  propertyId?: string;
  recordType?: 'Sale' | 'Rent';
  agencyRef?: string;
}

/** Test and demo controls; every method also exists under `/_sim/…` over HTTP. */
export interface AltoSimulatorControls {
  /** Modifies contacts (moving `modifiedDate`) and sends `Contact.Modified`; returns their ids. */
  modifyContacts(options: ModifyContactsOptions): string[];
  /** Creates a contact as if entered in Alto (`Contact.Created`); the body is a POST /contacts body. */
  createContact(input: unknown, options?: { agencyRef?: string }): string;
  /** Archives a contact (`Contact.Modified`). False when not found. */
  archiveContact(id: string, options?: { agencyRef?: string }): boolean;
  /** Removes a contact entirely (GET answers 404; a `Contact.Modified` is sent). False when not found. */
  deleteContact(id: string, options?: { agencyRef?: string }): boolean;
  /** Books a viewing or valuation (`Appointment.Created`); returns its id. */
  createAppointment(options: CreateAppointmentOptions): string;
  /** Changes an appointment's status, e.g. to cancel it (`Appointment.Modified`). */
  updateAppointment(
    id: string,
    status: AltoAppointmentStatus,
    options?: { applicantFeedback?: string; agencyRef?: string },
  ): void;
  /** Records an offer by a contact (`Offer.Created`); returns its id. */
  createOffer(options: CreateOfferOptions): string;
  /** Moves an offer on (`Offer.Modified`, plus `Offer.Accepted`/`Offer.Withdrawn`). */
  setOfferStatus(
    id: string,
    status: AltoOfferStatus,
    options?: { amount?: number; agencyRef?: string },
  ): void;
  /** Standing faults; merges with current settings. */
  setFaults(settings: Partial<FaultSettings>): void;
  /** Removes all request faults and revocations. */
  clearFaults(): void;
  setWebhookFaults(faults: Partial<WebhookDeliveryFaults>): void;
  /** Every token issued so far expires now (the data clock does not move). */
  expireTokens(): void;
  /** Token requests and existing tokens of the integration then fail with 401. */
  revokeClient(clientId: string): void;
  restoreClient(clientId: string): void;
  /** Moves the simulator clock (token expiry, timestamps of later writes). */
  advanceClock(milliseconds: number): void;
  /** Back to the initial state: data regenerated; tokens, subscriptions, faults, logs and clock cleared. */
  reset(): void;
}

export interface PlantedDuplicateContact {
  contactId: string;
  duplicateOfContactId: string;
  personKey: string;
  variations: readonly string[];
}

export interface AltoSimulator {
  readonly app: Express;
  /** Starts an HTTP server (port 0 = any free port). */
  listen(port?: number, host?: string): Promise<RunningServer>;
  readonly controls: AltoSimulatorControls;
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  readonly clock: SimulatorClock;
  readonly integrations: readonly AltoIntegration[];
  readonly defaultAgencyRef: string;
  contactCount(agencyRef?: string): number;
  /** Contact ids in creation order (archived contacts included: `/contacts/all` lists them). */
  contactIds(agencyRef?: string): string[];
  /** The Contact as `GET /contacts/{id}` returns it. */
  getContact(id: string, agencyRef?: string): JsonObject | undefined;
  /** The item `GET /contacts/all` lists for the contact. */
  getListItem(id: string, agencyRef?: string): JsonObject | undefined;
  /** The generated people behind the contacts (index i is contact sequence i + 1). */
  people(agencyRef?: string): readonly UkPerson[];
  plantedDuplicates(agencyRef?: string): PlantedDuplicateContact[];
  namesakes(agencyRef?: string): Array<{ contactIds: [string, string]; forename: string; surname: string }>;
  /** File notes of one contact, or of the whole agency. */
  fileNotes(options?: { contactId?: string; agencyRef?: string }): JsonObject[];
  appointments(options?: { contactId?: string; agencyRef?: string }): JsonObject[];
  offers(options?: { contactId?: string; agencyRef?: string }): JsonObject[];
  /** Webhook subscriptions of an agency, without their secrets. */
  subscriptions(agencyRef?: string): JsonObject[];
  webhookAttempts(): WebhookAttempt[];
  /**
   * Access tokens accepted right now (issued, not expired, not revoked, client not revoked) and
   * tokens revoked at `POST /revoke` since start-up or the last reset. Also `GET /_sim/tokens`.
   */
  tokenStats(): TokenStats;
  /** Resolves once every queued webhook is delivered or given up (retries included). */
  webhooksIdle(): Promise<void>;
  /**
   * A `Contact.Modified` notification as Alto would deliver it, signed with `secret` (null: no
   * `x-signature` at all), without sending it: for testing receivers. `timestampOffsetSeconds`
   * shifts the signed timestamp (stale or future deliveries).
   */
  contactWebhook(options: {
    contactId: string;
    secret: string | null;
    timestampOffsetSeconds?: number;
    type?: 'Contact.Created' | 'Contact.Modified';
    agencyRef?: string;
  }): { headers: Record<string, string>; rawBody: string };
  /** Stops servers started with `listen` and cancels pending webhook work. */
  close(): Promise<void>;
}

function anchorOf(option: AltoSimulatorOptions['dataAnchor'], now: number): number {
  if (option === undefined) return Math.floor(now / 86_400_000) * 86_400_000;
  const ms =
    option instanceof Date ? option.getTime() : typeof option === 'string' ? Date.parse(option) : option;
  if (Number.isNaN(ms)) throw new RangeError('dataAnchor is not a valid date');
  return ms;
}

function rateLimitConfig(limits: Partial<AltoRateLimits> | false | undefined): RateLimitConfig | false {
  if (limits === false) return false;
  const merged = { ...ALTO_RATE_LIMITS, ...limits };
  return {
    windows: [{ limit: merged.requestsPerSecond, windowMs: Math.max(1, 1000 - merged.windowToleranceMs) }],
    maxConcurrent: merged.maxConcurrent,
  };
}

const LIMIT_DETAILS = {
  window: (limit: number) =>
    `Too many requests: at most ${limit} requests per second per integration and agency`,
  concurrency: (limit: number) =>
    `Too many requests: at most ${limit} concurrent requests per integration and agency`,
  daily: (limit: number) => `Too many requests: the daily limit of ${limit} requests has been reached`,
} as const;

/**
 * An in-process Alto API: OAuth client credentials with an AgencyRef per call, cursor-paged
 * contacts with delta filters, batch and single reads, POST with duplicate detection, JSON Patch
 * updates, file notes, appointments, offers, CloudEvents webhooks signed with an HMAC of a shared
 * secret in `x-signature`, the catalogue's rate limit (429 + Retry-After), fault injection and a control surface under `/_sim`.
 */
export function createAltoSimulator(options: AltoSimulatorOptions = {}): AltoSimulator {
  const seed = options.seed ?? 1;
  const contactCount = options.contactCount ?? 1000;
  const integrations = (options.integrations ?? [ALTO_DEMO_CLIENT]).map((integration) => ({
    ...integration,
    agencyRefs: [...integration.agencyRefs],
  }));
  const defaultAgencyRef = integrations[0]?.agencyRefs[0];
  if (defaultAgencyRef === undefined)
    throw new RangeError('at least one integration with one agency is required');
  const clock = createSimulatorClock(options.now ?? Date.now);
  const anchor = anchorOf(options.dataAnchor, clock.now());
  const faults = new FaultControls({ seed: mixSeed(seed, 'alto-faults') });
  const requestLog = new RequestLog({
    now: clock.now,
    ...(options.requestLogLimit === undefined ? {} : { maxEntries: options.requestLogLimit }),
  });
  const rateLimiter = new RateLimiter(rateLimitConfig(options.rateLimits), { now: clock.now });
  const auth = new AltoAuth({
    integrations,
    now: clock.now,
    faults,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? ALTO_TOKEN_LIFETIME_SECONDS,
  });
  const retryScale = options.webhookRetryScale ?? 1;
  const dispatcher = new WebhookDispatcher({
    retryDelaysMs: ALTO_WEBHOOK_RETRY_DELAYS_MS.map((delay) => Math.max(0, Math.round(delay * retryScale))),
    // Alto retries any failed delivery: non-2xx, unreachable or timed out.
    shouldRetry: () => true,
    timeoutMs: options.webhookTimeoutMs ?? ALTO_WEBHOOK_TIMEOUT_MS,
    seed: mixSeed(seed, 'alto-webhooks'),
    now: clock.now,
  });
  const webhooks = new AltoWebhooks({ dispatcher, now: clock.now });
  const engine = new AltoEngine({ clock, webhooks });
  const datasets = new Map<string, AltoDataset>();
  const buildDatasets = (): void => {
    datasets.clear();
    for (const agencyRef of new Set(integrations.flatMap((integration) => integration.agencyRefs))) {
      // The default agency uses the seed as is, so other simulators with the same seed share its people.
      datasets.set(
        agencyRef,
        new AltoDataset({
          agencyRef,
          seed: agencyRef === defaultAgencyRef ? seed : mixSeed(seed, agencyRef),
          contactCount,
          anchor,
          ...(options.duplicateRate === undefined ? {} : { duplicateRate: options.duplicateRate }),
        }),
      );
    }
  };
  buildDatasets();
  let controlRandom = new SeededRandom(mixSeed(seed, 'alto-controls'));

  const datasetFor = (agencyRef?: string): AltoDataset => {
    const dataset = datasets.get(agencyRef ?? defaultAgencyRef);
    if (dataset === undefined) throw new RangeError(`unknown agency ${agencyRef}`);
    return dataset;
  };
  const contactFor = (dataset: AltoDataset, id: string): ContactRecord => {
    const record = dataset.contactById(id);
    if (record === undefined) throw new RangeError(`contact ${id} not found for agency ${dataset.agencyRef}`);
    return record;
  };
  const seqOrThrow = (id: string, base: number, what: string): number => {
    const seq = seqOfId(id, base);
    if (seq === null) throw new RangeError(`${what} ${id} not found`);
    return seq;
  };

  const controls: AltoSimulatorControls = {
    modifyContacts(modify) {
      const dataset = datasetFor(modify.agencyRef);
      const records =
        modify.ids !== undefined
          ? modify.ids.map((id) => contactFor(dataset, id))
          : pickContacts(dataset, modify.count ?? 1, controlRandom);
      const edits = new Map(
        records.map((record) => [
          record.seq,
          { ...(modify.randomChange ? randomChange(dataset, record, controlRandom) : {}), ...modify.fields },
        ]),
      );
      engine.updateContacts(dataset, records, (fields, record) =>
        applyEdit(fields, edits.get(record.seq) ?? {}),
      );
      return records.map((record) => contactIdOf(record.seq));
    },
    createContact(input, createOptions) {
      const dataset = datasetFor(createOptions?.agencyRef);
      const parsed = PostContactSchema.parse(camelKeys(input)) as PostContactRequest;
      // Validated like POST /contacts, without the duplicate check (agents can force a duplicate).
      return contactIdOf(engine.createContact(dataset, fieldsFromRequest(parsed)).seq);
    },
    archiveContact(id, archiveOptions) {
      const dataset = datasetFor(archiveOptions?.agencyRef);
      const record = dataset.contactById(id);
      if (record === undefined) return false;
      engine.archiveContact(dataset, record);
      return true;
    },
    deleteContact(id, deleteOptions) {
      const dataset = datasetFor(deleteOptions?.agencyRef);
      const record = dataset.contactById(id);
      if (record === undefined) return false;
      engine.deleteContact(dataset, record);
      return true;
    },
    createAppointment(appointment) {
      const dataset = datasetFor(appointment.agencyRef);
      const contact = contactFor(dataset, appointment.contactId);
      const fields = fieldsOf(contact, dataset.seed);
      const type = appointment.type ?? (fields.persona.includes('Applicant') ? 'Viewing' : 'Valuation');
      const start =
        appointment.start === undefined ? clock.now() + 86_400_000 : new Date(appointment.start).getTime();
      if (Number.isNaN(start)) throw new RangeError('start is not a valid date');
      const record = engine.addAppointment(dataset, {
        type,
        start,
        end: start + (appointment.durationMinutes ?? (type === 'Valuation' ? 60 : 30)) * 60_000,
        status: 'Active',
        contactSeqs: [contact.seq],
        propertyId: appointment.propertyId ?? String(ALTO_PROPERTY_ID_BASE + 1),
        negotiatorId: fields.negotiatorId ?? '47141',
        branchId: fields.branchId,
        applicantFeedback: null,
      });
      return String(ALTO_APPOINTMENT_ID_BASE + record.seq);
    },
    updateAppointment(id, status, updateOptions) {
      const dataset = datasetFor(updateOptions?.agencyRef);
      const record = dataset.appointments.get(seqOrThrow(id, ALTO_APPOINTMENT_ID_BASE, 'appointment'));
      if (record === undefined) throw new RangeError(`appointment ${id} not found`);
      engine.updateAppointment(dataset, record, status, updateOptions?.applicantFeedback);
    },
    createOffer(offer) {
      const dataset = datasetFor(offer.agencyRef);
      const contact = contactFor(dataset, offer.contactId);
      const fields = fieldsOf(contact, dataset.seed);
      const rents = fields.applicantRequirements.some(
        (requirement) => requirement.profileIntention === 'Rent',
      );
      const buys = fields.applicantRequirements.some((requirement) => requirement.profileIntention === 'Buy');
      const recordType = offer.recordType ?? (rents && !buys ? 'Rent' : 'Sale');
      const record = engine.addOffer(dataset, {
        contactSeq: contact.seq,
        propertyId: offer.propertyId ?? String(ALTO_PROPERTY_ID_BASE + 1),
        branchId: fields.branchId,
        ownerContactSeq: null,
        amount: offer.amount ?? (recordType === 'Sale' ? 350_000 : 1_450),
        status: offer.status ?? 'Received',
        recordType,
      });
      return String(ALTO_OFFER_ID_BASE + record.seq);
    },
    setOfferStatus(id, status, offerOptions) {
      const dataset = datasetFor(offerOptions?.agencyRef);
      const record = dataset.offers.get(seqOrThrow(id, ALTO_OFFER_ID_BASE, 'offer'));
      if (record === undefined) throw new RangeError(`offer ${id} not found`);
      engine.setOfferStatus(dataset, record, status, offerOptions?.amount);
    },
    setFaults: (settings) => faults.configure(settings),
    clearFaults: () => faults.clear(),
    setWebhookFaults: (webhookFaults) => dispatcher.setFaults(webhookFaults),
    expireTokens: () => auth.expireAllTokens(),
    revokeClient: (clientId) => faults.revokeCredential(clientId),
    restoreClient: (clientId) => faults.restoreCredential(clientId),
    advanceClock: (milliseconds) => clock.advance(milliseconds),
    reset() {
      clock.reset();
      faults.clear();
      requestLog.clear();
      rateLimiter.reset();
      dispatcher.reset();
      webhooks.reset();
      auth.revokeAllTokens();
      controlRandom = new SeededRandom(mixSeed(seed, 'alto-controls'));
      buildDatasets();
    },
  };

  // The control routes read the simulator object below; they only run once it exists.
  const controlRouter = createAltoControlRouter(() => simulator);
  const app = buildApp({
    engine,
    auth,
    faults,
    requestLog,
    rateLimiter,
    datasets,
    clock,
    logger: options.logger,
    controlRouter,
  });
  const servers = new Set<RunningServer>();
  const byContact = <T>(
    dataset: AltoDataset,
    contactId: string | undefined,
    all: () => T[],
    forContact: (seq: number) => T[],
  ): T[] => (contactId === undefined ? all() : forContact(contactFor(dataset, contactId).seq));

  const simulator: AltoSimulator = {
    app,
    async listen(port = 0, host = '127.0.0.1') {
      const running = await listenApp(app, port, host);
      servers.add(running);
      return {
        ...running,
        close: async () => {
          servers.delete(running);
          await running.close();
        },
      };
    },
    controls,
    faults,
    requestLog,
    clock,
    integrations: integrations.map((integration) => ({
      ...integration,
      agencyRefs: [...integration.agencyRefs],
    })),
    defaultAgencyRef,
    contactCount: (agencyRef) => datasetFor(agencyRef).contacts.size,
    contactIds: (agencyRef) =>
      [...datasetFor(agencyRef).contacts.values()].map((record) => contactIdOf(record.seq)),
    getContact(id, agencyRef) {
      const dataset = datasetFor(agencyRef);
      const record = dataset.contactById(id);
      return record === undefined ? undefined : renderContact(record, dataset.seed);
    },
    getListItem(id, agencyRef) {
      const dataset = datasetFor(agencyRef);
      const record = dataset.contactById(id);
      return record === undefined ? undefined : renderListItem(record, dataset.seed);
    },
    people: (agencyRef) => datasetFor(agencyRef).people.people,
    plantedDuplicates(agencyRef) {
      const dataset = datasetFor(agencyRef);
      return dataset.people.duplicates.map((duplicate) => ({
        contactId: contactIdOf(duplicate.index + 1),
        duplicateOfContactId: contactIdOf(duplicate.originalIndex + 1),
        personKey: duplicate.personKey,
        variations: duplicate.variations,
      }));
    },
    namesakes(agencyRef) {
      return datasetFor(agencyRef).people.namesakes.map((pair) => ({
        contactIds: [contactIdOf(pair.firstIndex + 1), contactIdOf(pair.secondIndex + 1)] as [string, string],
        forename: pair.forename,
        surname: pair.surname,
      }));
    },
    fileNotes(read = {}) {
      const dataset = datasetFor(read.agencyRef);
      return byContact(
        dataset,
        read.contactId,
        () => [...dataset.fileNotes.values()],
        (seq) => dataset.fileNotesFor(seq),
      ).map(renderFileNote);
    },
    appointments(read = {}) {
      const dataset = datasetFor(read.agencyRef);
      return byContact(
        dataset,
        read.contactId,
        () => [...dataset.appointments.values()],
        (seq) => dataset.appointmentsFor(seq),
      ).map(renderAppointment);
    },
    offers(read = {}) {
      const dataset = datasetFor(read.agencyRef);
      return byContact(
        dataset,
        read.contactId,
        () => [...dataset.offers.values()],
        (seq) => dataset.offersFor(seq),
      ).map(renderOffer);
    },
    subscriptions: (agencyRef) =>
      webhooks.list(agencyRef ?? defaultAgencyRef).map((subscription) => webhooks.render(subscription)),
    webhookAttempts: () => dispatcher.attempts(),
    tokenStats: () => auth.tokenStats(),
    webhooksIdle: () => dispatcher.idle(),
    contactWebhook(webhook) {
      const dataset = datasetFor(webhook.agencyRef);
      const record = contactFor(dataset, webhook.contactId);
      const integration = integrations.find((candidate) =>
        candidate.agencyRefs.includes(dataset.agencyRef),
      ) as AltoIntegration;
      const id = contactIdOf(record.seq);
      const rawBody = cloudEventBody(
        {
          type: webhook.type ?? 'Contact.Modified',
          subject: `/contacts/${id}`,
          subjectId: id,
          branchId: fieldsOf(record, dataset.seed).branchId,
          relatedSubjects: [],
          time: clock.now(),
        },
        integration.integrationId,
        dataset.agencyRef,
      );
      const signedAt = Math.floor(Date.now() / 1000) + Math.round(webhook.timestampOffsetSeconds ?? 0);
      const headers = deliveryHeaders(webhook.secret ?? '', rawBody, signedAt);
      if (webhook.secret === null) delete headers['x-signature'];
      return { headers, rawBody };
    },
    async close() {
      dispatcher.reset();
      await Promise.all([...servers].map((server) => server.close()));
      servers.clear();
    },
  };
  return simulator;
}

/** Deterministic pick of `count` distinct, unarchived contacts. */
function pickContacts(dataset: AltoDataset, count: number, random: SeededRandom): ContactRecord[] {
  const pool = [...dataset.contacts.values()].filter((record) => !fieldsOf(record, dataset.seed).archived);
  if (count >= pool.length) return pool;
  const chosen = new Set<ContactRecord>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return [...chosen].sort((a, b) => a.seq - b.seq);
}

function applyEdit(fields: AltoContactFields, edit: AltoContactEdit): void {
  const lead = fields.people[0];
  if (lead !== undefined) {
    if (edit.title !== undefined) lead.title = edit.title;
    if (edit.forename !== undefined) lead.forename = edit.forename;
    if (edit.surname !== undefined) lead.surname = edit.surname;
    if (edit.email !== undefined) {
      lead.emailAddresses =
        edit.email === null
          ? []
          : [{ preferenceOrder: 1, type: 'Personal', address: edit.email }, ...lead.emailAddresses.slice(1)];
    }
    if (edit.mobile !== undefined) {
      const others = lead.phoneNumbers.filter((phone) => phone.type !== 'Mobile');
      lead.phoneNumbers = [
        ...(edit.mobile === null
          ? []
          : [{ preferenceOrder: 1, type: 'Mobile' as const, number: edit.mobile, description: null }]),
        ...others,
      ].map((phone, i) => ({ ...phone, preferenceOrder: i + 1 }));
    }
  }
  if (edit.address !== undefined) {
    fields.address = {
      subDwelling: null,
      nameNumber: null,
      street: null,
      locality: null,
      town: null,
      county: null,
      postcode: null,
      countryCode: 'GB',
      uprn: null,
      ...fields.address,
      ...edit.address,
    };
  }
  if (edit.potentialVendor !== undefined) fields.potentialVendor = edit.potentialVendor;
  if (edit.potentialLandlord !== undefined) fields.potentialLandlord = edit.potentialLandlord;
  if (edit.archived !== undefined) fields.archived = edit.archived;
}

/** A plausible edit an agent might make in Alto. */
function randomChange(dataset: AltoDataset, record: ContactRecord, random: SeededRandom): AltoContactEdit {
  const fields = fieldsOf(record, dataset.seed);
  const lead = fields.people[0];
  switch (random.int(0, 4)) {
    case 0: {
      const current =
        lead?.emailAddresses[0]?.address.trim().toLowerCase() ??
        `${(lead?.forename ?? 'contact').toLowerCase()}@example.com`;
      return { email: `${current.split('@')[0] ?? 'contact'}@${random.pick(EMAIL_DOMAINS)}` };
    }
    case 1: {
      const mobile = lead?.phoneNumbers.find((phone) => phone.type === 'Mobile')?.number ?? null;
      const e164 = mobile === null ? null : toE164(mobile);
      if (e164 === null)
        return {
          mobile: formatPhone(`+447700900${String(random.int(0, 999)).padStart(3, '0')}`, 'national'),
        };
      const styles = PHONE_STYLES.filter((style) => formatPhone(e164, style) !== mobile);
      return { mobile: formatPhone(e164, random.pick(styles)) };
    }
    case 2: {
      const outward = (fields.address?.postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11';
      const letters = POSTCODE_UNIT_LETTERS;
      return {
        address: {
          nameNumber: String(random.int(1, 220)),
          subDwelling: null,
          street: `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`,
          postcode: `${outward} ${random.int(1, 9)}${letters[random.int(0, letters.length - 1)]}${letters[random.int(0, letters.length - 1)]}`,
          uprn: null,
        },
      };
    }
    case 3:
      return { surname: random.pick(SURNAMES) };
    default:
      return { potentialVendor: true };
  }
}

interface AppParts {
  engine: AltoEngine;
  auth: AltoAuth;
  faults: FaultControls;
  requestLog: RequestLog;
  rateLimiter: RateLimiter;
  datasets: Map<string, AltoDataset>;
  clock: SimulatorClock;
  logger: Pick<Logger, 'error'> | undefined;
  controlRouter: Router;
}

function buildApp(parts: AppParts): Express {
  const { engine, auth, faults, requestLog, rateLimiter, datasets } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use('/_sim', express.json({ limit: '1mb' }), parts.controlRouter);
  app.use(requestLog.middleware());

  const injectFaults = faultMiddleware(faults, {
    sendError: (_request, response, status) => sendProblem(response, status),
  });

  app.post(
    '/token',
    injectFaults,
    express.urlencoded({ extended: false, limit: '16kb' }),
    (request, response) => {
      const result = auth.issueToken(
        request.get('authorization'),
        (request.body ?? {}) as Record<string, unknown>,
      );
      response.setHeader('cache-control', 'no-store');
      response.status(result.ok ? 200 : result.status).json(result.body);
    },
  );

  // RFC 7009 token revocation (Alto documents none): the client authenticates as at /token.
  app.post(
    '/revoke',
    injectFaults,
    express.urlencoded({ extended: false, limit: '16kb' }),
    (request, response) => {
      const result = auth.revokeToken(
        request.get('authorization'),
        (request.body ?? {}) as Record<string, unknown>,
      );
      response.setHeader('cache-control', 'no-store');
      if (result.ok) response.status(200).end();
      else response.status(result.status).json(result.body);
    },
  );

  const authenticate: RequestHandler = (request, response, next) => {
    const check = auth.checkBearer(request.get('authorization'));
    if (!check.ok) {
      const details = {
        missing: 'An Authorization: Bearer <access token> header is required',
        unknown: 'The access token is not valid',
        expired: 'The access token has expired: request a new one from /token',
        revoked: 'The access token has been revoked',
      } as const;
      response.setHeader('www-authenticate', 'Bearer');
      sendProblem(response, 401, details[check.reason]);
      return;
    }
    // A missing or wrong AgencyRef is a 403 (the token is fine; the tenancy is not).
    const agencyRef = request.get('agencyref')?.trim();
    const dataset = agencyRef === undefined ? undefined : datasets.get(agencyRef);
    if (
      agencyRef === undefined ||
      agencyRef === '' ||
      dataset === undefined ||
      !check.integration.agencyRefs.includes(agencyRef)
    ) {
      sendProblem(response, 403, 'Invalid scope or AgencyRef for request.');
      return;
    }
    const context: AltoCallContext = { integration: check.integration, dataset };
    response.locals.alto = context;
    next();
  };

  const limitRate = rateLimitMiddleware(rateLimiter, {
    keyOf: (_request, response) => {
      const { integration, dataset } = response.locals.alto as AltoCallContext;
      return `${integration.clientId}|${dataset.agencyRef}`;
    },
    // Alto documents no limit headers; a one-second Retry-After (the window) tells clients when to try again.
    onLimited: (_request, response, dimension, limit) => {
      response.setHeader('retry-after', '1');
      sendProblem(response, 429, LIMIT_DETAILS[dimension](limit));
    },
  });

  app.use(
    authenticate,
    limitRate,
    injectFaults,
    express.json({ type: ['application/json', 'application/*+json', 'text/json'], limit: '1mb' }),
    createAltoApiRouter(engine),
  );

  app.use((request, response) =>
    sendProblem(response, 404, `No route for ${request.method} ${request.path}`),
  );

  const handleErrors: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (response.headersSent) return;
    if (error instanceof BadRequestError) {
      sendErrors(response, 400, error.errors);
      return;
    }
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      sendErrors(response, 400, [{ code: 'InvalidJson', message: 'The request body is not valid JSON' }]);
      return;
    }
    if (type === 'entity.too.large') {
      sendProblem(response, 413, 'The request body is larger than 1 MB');
      return;
    }
    parts.logger?.error({ err: error }, 'alto simulator: unexpected error');
    sendProblem(response, 500);
  };
  app.use(handleErrors);
  return app;
}

export type { AltoIntegration, AltoRateLimits };
