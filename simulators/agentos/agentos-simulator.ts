import { randomBytes, randomUUID } from 'node:crypto';
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
import {
  PHONE_STYLES,
  formatPhone,
  normaliseEmail,
  toE164,
} from '../toolkit/uk-contact-format.ts';
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
import { renderLogEntry, type EngagementRecord } from './agentos-activity.model.ts';
import { createAgentosApiRouter, type AgentosCallContext } from './agentos-api.routes.ts';
import { AgentosKeyGuard, apiKeyOf } from './agentos-auth.ts';
import {
  AGENTOS_CONTACT_TYPES,
  AGENTOS_DEMO_KEY,
  AGENTOS_RATE_LIMITS,
  AGENTOS_WEBHOOK_RETRY_DELAYS_MS,
  AGENTOS_WEBHOOK_TIMEOUT_MS,
  type AgentosApiKey,
  type AgentosAppointmentStatus,
  type AgentosAppointmentType,
  type AgentosContactType,
  type AgentosOfferStatus,
  type AgentosRateLimits,
  type AgentosWebhookEvent,
} from './agentos-constants.ts';
import {
  fieldsOf,
  isVisible,
  renderContact,
  type ContactRecord,
  type JsonObject,
} from './agentos-contact.model.ts';
import { createAgentosControlRouter } from './agentos-control.routes.ts';
import { AgentosDataset, type ContactCreate, type ContactPatch } from './agentos-dataset.ts';
import { AgentosEngine } from './agentos-engine.ts';
import { BadRequestError, ContactCreateSchema, ContactPatchSchema, sendError } from './agentos-http.ts';
import { AgentosWebhooks, webhookBody, webhookHeaders } from './agentos-webhooks.ts';

export interface AgentosSimulatorOptions {
  /** Seeds the data, fault draws and control choices (default 1, as every simulator). */
  seed?: number;
  /** People generated per agency (default 1,000); each becomes one record per role they hold. */
  contactCount?: number;
  /** Share of planted duplicate people (default 0.02). */
  duplicateRate?: number;
  /** Keys the simulator accepts (default: {@link AGENTOS_DEMO_KEY}); the first key's agency is the default agency. */
  keys?: readonly AgentosApiKey[];
  /** Documented limits by default; override parts, or `false` to disable (benchmarks). */
  rateLimits?: Partial<AgentosRateLimits> | false;
  /** The simulator's clock (default Date.now); `controls.advanceClock` shifts it further. */
  now?: () => number;
  /** Generated timestamps lie in the months before this instant (default: midnight UTC today). */
  dataAnchor?: number | string | Date;
  /** Multiplies the webhook retry schedule (1 min … 6 h); e.g. 0.0001 in tests. Default 1. */
  webhookRetryScale?: number;
  /** How long a webhook receiver may take (default 10 s). */
  webhookTimeoutMs?: number;
  /** Most request-log entries kept (default 100,000). */
  requestLogLimit?: number;
  /** Where unexpected errors are logged. */
  logger?: Pick<Logger, 'error'>;
}

export interface ModifyContactsOptions {
  /** How many records to modify, picked deterministically among shared, unarchived ones. */
  count?: number;
  /** Or exactly these records (`<ContactType>:<OID>`). */
  ids?: readonly string[];
  /** Fields to set (validated like a PATCH body). Without fields nor `randomChange`, only ModifiedDate and ETag move. */
  fields?: ContactPatch;
  /** A realistic random edit per record (email, phone format, address, surname). */
  randomChange?: boolean;
  shortName?: string;
}

export interface CreateAppointmentOptions {
  /** The attendee (`<ContactType>:<OID>`). */
  contactId: string;
  /** Default: Viewing for applicants, SalesAppraisal for vendors, ViewAndValue for landlords, InterimInspection for tenants. */
  systemType?: AgentosAppointmentType;
  start?: number | string | Date;
  durationMinutes?: number;
  status?: AgentosAppointmentStatus;
  shortName?: string;
}

export interface CreateOfferOptions {
  /** A sales applicant (`SalesApplicant:<OID>`). */
  contactId: string;
  amount?: number;
  status?: AgentosOfferStatus;
  shortName?: string;
}

/** Test and demo controls; every method also exists under `/_sim/…` over HTTP. */
export interface AgentosSimulatorControls {
  /** Modifies records (bumping ModifiedDate and ETag) and sends contact.updated; returns their ids. */
  modifyContacts(options: ModifyContactsOptions): string[];
  /** Creates a record as if entered in agentOS (contact.created when shared); returns its id. */
  createContact(type: AgentosContactType, input: ContactCreate, options?: { shortName?: string }): string;
  /** Archives a record (still listed, `IsArchived: true`). False when not found. */
  archiveContact(id: string, options?: { shortName?: string }): boolean;
  /** Removes a record entirely (lists and GET stop showing it). False when not found. */
  deleteContact(id: string, options?: { shortName?: string }): boolean;
  /** Books a diary appointment for a record; returns the appointment OID. */
  createAppointment(options: CreateAppointmentOptions): string;
  /** Records an offer by a sales applicant; returns the offer OID. */
  createOffer(options: CreateOfferOptions): string;
  setFaults(settings: Partial<FaultSettings>): void;
  /** Removes all request faults and key revocations. */
  clearFaults(): void;
  setWebhookFaults(faults: Partial<WebhookDeliveryFaults>): void;
  /** Requests with the key then fail with 401, until restored. */
  revokeKey(apiKey: string): void;
  restoreKey(apiKey: string): void;
  /** What repeated rate-limit abuse does: 403 until unblocked (or the block expires). */
  blockKey(apiKey: string): void;
  unblockKey(apiKey: string): void;
  advanceClock(milliseconds: number): void;
  /** Back to the initial state: data regenerated; subscriptions, faults, blocks, logs and clock cleared. */
  reset(): void;
}

export interface PlantedDuplicateRecord {
  /** The duplicate's records (one per list the person is on). */
  ids: string[];
  originalIds: string[];
  personKey: string;
  variations: readonly string[];
}

export interface AgentosSimulator {
  readonly app: Express;
  listen(port?: number, host?: string): Promise<RunningServer>;
  readonly controls: AgentosSimulatorControls;
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  readonly clock: SimulatorClock;
  readonly keys: readonly AgentosApiKey[];
  readonly defaultShortName: string;
  /** Records the API shows (marketing consent given, not deleted), over all five lists. */
  listableContactCount(shortName?: string): number;
  /** Ids (`<ContactType>:<OID>`) of every record the API shows, list by list in creation order. */
  listableContactIds(shortName?: string): string[];
  /** Same as {@link listableContactCount}: the name every simulator shares. */
  contactCount(shortName?: string): number;
  /** Same as {@link listableContactIds}: the name every simulator shares. */
  contactIds(shortName?: string): string[];
  /** Every stored record, shown or not. */
  recordCount(shortName?: string): number;
  /** The record as GET returns it (also for records the API hides), or undefined when deleted or unknown. */
  getContact(id: string, shortName?: string): JsonObject | undefined;
  people(shortName?: string): readonly UkPerson[];
  plantedDuplicates(shortName?: string): PlantedDuplicateRecord[];
  /** Log entries written to a record (or to every record), oldest first. */
  logEntries(id?: string, shortName?: string): JsonObject[];
  engagement(id: string, shortName?: string): EngagementRecord;
  /** Subscriptions as the API lists them (secrets never included). */
  webhookSubscriptions(shortName?: string): JsonObject[];
  webhookAttempts(): WebhookAttempt[];
  webhooksIdle(): Promise<void>;
  /**
   * A delivery as agentOS would send it for the record, signed with `secret` at now plus
   * `timestampOffsetSeconds` (for receiver tests).
   */
  signedDelivery(options: {
    id: string;
    secret: string;
    event?: AgentosWebhookEvent;
    timestampOffsetSeconds?: number;
    shortName?: string;
  }): { headers: Record<string, string>; rawBody: Buffer };
  close(): Promise<void>;
}

function anchorOf(option: AgentosSimulatorOptions['dataAnchor'], now: number): number {
  if (option === undefined) return Math.floor(now / 86_400_000) * 86_400_000;
  const ms =
    option instanceof Date ? option.getTime() : typeof option === 'string' ? Date.parse(option) : option;
  if (Number.isNaN(ms)) throw new RangeError('dataAnchor is not a valid date');
  return ms;
}

function limitsOf(option: AgentosSimulatorOptions['rateLimits']): {
  config: RateLimitConfig | false;
  limits: AgentosRateLimits;
} {
  if (option === false) return { config: false, limits: { ...AGENTOS_RATE_LIMITS } };
  const limits = { ...AGENTOS_RATE_LIMITS, ...option };
  return { config: { windows: [{ limit: limits.requestsPerMinute, windowMs: 60_000 }] }, limits };
}

/**
 * An in-process agentOS (LetMC) v4 API: API keys per agency and tier, the five contact lists with
 * offset/count paging, a modified-since filter and ETags, diary appointments, sales offers,
 * contact log entries and engagement values for write-back, HMAC-signed webhooks, the 50
 * requests/minute limit with abuse blocking, fault injection and a control surface under `/_sim`.
 */
export function createAgentosSimulator(options: AgentosSimulatorOptions = {}): AgentosSimulator {
  const seed = options.seed ?? 1;
  const contactCount = options.contactCount ?? 1000;
  const keys = (options.keys ?? [AGENTOS_DEMO_KEY]).map((key) => ({ ...key, tiers: [...key.tiers] }));
  if (keys.length === 0) throw new RangeError('at least one API key is required');
  const defaultShortName = (keys[0] as AgentosApiKey).shortName;
  const clock = createSimulatorClock(options.now ?? Date.now);
  const anchor = anchorOf(options.dataAnchor, clock.now());
  const faults = new FaultControls({ seed: mixSeed(seed, 'faults') });
  const requestLog = new RequestLog({
    now: clock.now,
    ...(options.requestLogLimit === undefined ? {} : { maxEntries: options.requestLogLimit }),
  });
  const { config: limitConfig, limits } = limitsOf(options.rateLimits);
  const rateLimiter = new RateLimiter(limitConfig, { now: clock.now });
  const guard = new AgentosKeyGuard({ keys, faults, now: clock.now, limits });
  const retryScale = options.webhookRetryScale ?? 1;
  const dispatcher = new WebhookDispatcher({
    retryDelaysMs: AGENTOS_WEBHOOK_RETRY_DELAYS_MS.map((delay) =>
      Math.max(0, Math.round(delay * retryScale)),
    ),
    // Network errors, timeouts, 429 and 5xx are retried; any other answer is final.
    shouldRetry: (status) => status === null || status === 429 || status >= 500,
    timeoutMs: options.webhookTimeoutMs ?? AGENTOS_WEBHOOK_TIMEOUT_MS,
    seed: mixSeed(seed, 'webhooks'),
    now: clock.now,
  });
  const webhooks = new AgentosWebhooks({ dispatcher, now: clock.now });
  const engine = new AgentosEngine({ clock, webhooks });
  const datasets = new Map<string, AgentosDataset>();
  const buildDatasets = (): void => {
    datasets.clear();
    for (const shortName of new Set(keys.map((key) => key.shortName))) {
      // The default agency uses the seed as is, so other simulators with the same seed share its people.
      const agencySeed = shortName === defaultShortName ? seed : mixSeed(seed, shortName);
      datasets.set(
        shortName.toLowerCase(),
        new AgentosDataset({
          shortName,
          seed: agencySeed,
          contactCount,
          anchor,
          ...(options.duplicateRate === undefined ? {} : { duplicateRate: options.duplicateRate }),
        }),
      );
    }
  };
  buildDatasets();
  let controlRandom = new SeededRandom(mixSeed(seed, 'controls'));

  const datasetFor = (shortName?: string): AgentosDataset => {
    const dataset = datasets.get((shortName ?? defaultShortName).toLowerCase());
    if (dataset === undefined) throw new RangeError(`unknown agency ${shortName}`);
    return dataset;
  };
  const recordFor = (dataset: AgentosDataset, id: string): ContactRecord => {
    const record = dataset.contactByExternalId(id);
    if (record === undefined || record.deleted)
      throw new RangeError(`record ${id} not found in ${dataset.shortName}`);
    return record;
  };

  const controls: AgentosSimulatorControls = {
    modifyContacts(modify) {
      const dataset = datasetFor(modify.shortName);
      const fields =
        modify.fields === undefined ? undefined : stripEtag(ContactPatchSchema.parse(modify.fields));
      const records =
        modify.ids !== undefined
          ? modify.ids.map((id) => recordFor(dataset, id))
          : pickRecords(dataset, modify.count ?? 1, controlRandom);
      engine.patchContacts(dataset, records, (record) => ({
        ...(modify.randomChange ? randomChange(dataset, record, controlRandom) : {}),
        ...fields,
      }));
      return records.map((record) => dataset.externalIdOf(record));
    },
    createContact(type, input, createOptions) {
      const dataset = datasetFor(createOptions?.shortName);
      return dataset.externalIdOf(
        engine.createContact(dataset, type, ContactCreateSchema.parse(input) as ContactCreate),
      );
    },
    archiveContact(id, archiveOptions) {
      const dataset = datasetFor(archiveOptions?.shortName);
      const record = dataset.contactByExternalId(id);
      if (record === undefined || record.deleted) return false;
      engine.archiveContact(dataset, record);
      return true;
    },
    deleteContact(id, deleteOptions) {
      const dataset = datasetFor(deleteOptions?.shortName);
      const record = dataset.contactByExternalId(id);
      if (record === undefined || record.deleted) return false;
      engine.deleteContact(dataset, record);
      return true;
    },
    createAppointment(appointment) {
      const dataset = datasetFor(appointment.shortName);
      const record = recordFor(dataset, appointment.contactId);
      const systemType = appointment.systemType ?? DEFAULT_APPOINTMENT[record.type];
      const start =
        appointment.start === undefined ? clock.now() + 86_400_000 : new Date(appointment.start).getTime();
      if (Number.isNaN(start)) throw new RangeError('start is not a valid date');
      const minutes = appointment.durationMinutes ?? (systemType === 'Viewing' ? 30 : 60);
      const created = engine.addAppointment(dataset, {
        systemType,
        subject:
          systemType === 'Viewing'
            ? 'Viewing'
            : systemType === 'SalesAppraisal'
              ? 'Sales valuation'
              : systemType === 'ViewAndValue'
                ? 'Lettings valuation'
                : 'Appointment',
        start,
        end: start + minutes * 60_000,
        status: appointment.status ?? 'Booked',
        propertySeq: controlRandom.int(1, 5000),
        negotiator: 'Jas Singh',
        attendees: [{ type: record.type, seq: record.seq }],
      });
      return dataset.appointmentOid(created.seq);
    },
    createOffer(offer) {
      const dataset = datasetFor(offer.shortName);
      const record = recordFor(dataset, offer.contactId);
      if (record.type !== 'SalesApplicant')
        throw new RangeError(`${offer.contactId} is not a sales applicant, so cannot make an offer`);
      const created = engine.addOffer(dataset, {
        applicant: { type: record.type, seq: record.seq },
        propertySeq: controlRandom.int(1, 5000),
        amount: offer.amount ?? 350_000,
        status: offer.status ?? 'Submitted',
        dateOffered: new Date(clock.now()).toISOString().slice(0, 10),
      });
      return dataset.offerOid(created.seq);
    },
    setFaults: (settings) => faults.configure(settings),
    clearFaults: () => faults.clear(),
    setWebhookFaults: (webhookFaults) => dispatcher.setFaults(webhookFaults),
    revokeKey: (apiKey) => faults.revokeCredential(apiKey),
    restoreKey: (apiKey) => faults.restoreCredential(apiKey),
    blockKey: (apiKey) => guard.block(apiKey),
    unblockKey: (apiKey) => guard.unblock(apiKey),
    advanceClock: (milliseconds) => clock.advance(milliseconds),
    reset() {
      clock.reset();
      faults.clear();
      requestLog.clear();
      rateLimiter.reset();
      guard.reset();
      dispatcher.reset();
      webhooks.reset();
      controlRandom = new SeededRandom(mixSeed(seed, 'controls'));
      buildDatasets();
    },
  };

  // The control routes read the simulator object below; they only run once it exists.
  const controlRouter = createAgentosControlRouter(() => simulator);
  const app = buildApp({
    engine,
    guard,
    faults,
    requestLog,
    rateLimiter,
    limits,
    datasets,
    logger: options.logger,
    controlRouter,
  });
  const servers = new Set<RunningServer>();

  const simulator: AgentosSimulator = {
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
    keys: keys.map((key) => ({ ...key, tiers: [...key.tiers] })),
    defaultShortName,
    listableContactCount: (shortName) => datasetFor(shortName).visibleCount(),
    listableContactIds(shortName) {
      const dataset = datasetFor(shortName);
      return AGENTOS_CONTACT_TYPES.flatMap((type) =>
        dataset.lists[type].listed().map((record) => dataset.externalIdOf(record)),
      );
    },
    contactCount: (shortName) => simulator.listableContactCount(shortName),
    contactIds: (shortName) => simulator.listableContactIds(shortName),
    recordCount: (shortName) => {
      const dataset = datasetFor(shortName);
      return AGENTOS_CONTACT_TYPES.reduce((sum, type) => sum + dataset.lists[type].size, 0);
    },
    getContact(id, shortName) {
      const dataset = datasetFor(shortName);
      const record = dataset.contactByExternalId(id);
      return record === undefined || record.deleted ? undefined : renderContact(record, dataset.seed);
    },
    people: (shortName) => datasetFor(shortName).people.people,
    plantedDuplicates(shortName) {
      const dataset = datasetFor(shortName);
      const wanted = new Set(
        dataset.people.duplicates.flatMap((duplicate) => [duplicate.index, duplicate.originalIndex]),
      );
      const idsByPerson = new Map<number, string[]>();
      for (const type of AGENTOS_CONTACT_TYPES) {
        for (const record of dataset.lists[type].values()) {
          const index = record.person?.index;
          if (index === undefined || !wanted.has(index)) continue;
          const ids = idsByPerson.get(index) ?? [];
          ids.push(dataset.externalIdOf(record));
          idsByPerson.set(index, ids);
        }
      }
      return dataset.people.duplicates.map((duplicate) => ({
        ids: idsByPerson.get(duplicate.index) ?? [],
        originalIds: idsByPerson.get(duplicate.originalIndex) ?? [],
        personKey: duplicate.personKey,
        variations: duplicate.variations,
      }));
    },
    logEntries(id, shortName) {
      const dataset = datasetFor(shortName);
      if (id === undefined)
        return [...dataset.logEntries.values()].map((entry) => renderLogEntry(entry, dataset.seed));
      const record = dataset.contactByExternalId(id);
      if (record === undefined) return [];
      return dataset
        .logEntriesOf({ type: record.type, seq: record.seq })
        .map((entry) => renderLogEntry(entry, dataset.seed));
    },
    engagement(id, shortName) {
      const dataset = datasetFor(shortName);
      const record = recordFor(dataset, id);
      return dataset.engagementOf({ type: record.type, seq: record.seq });
    },
    webhookSubscriptions: (shortName) =>
      webhooks.list(datasetFor(shortName).shortName).map((subscription) => webhooks.render(subscription)),
    webhookAttempts: () => dispatcher.attempts(),
    webhooksIdle: () => dispatcher.idle(),
    signedDelivery(delivery) {
      const dataset = datasetFor(delivery.shortName);
      const record = recordFor(dataset, delivery.id);
      const event = delivery.event ?? 'contact.updated';
      const deliveryId = randomUUID();
      const body = webhookBody({
        deliveryId,
        eventId: randomUUID(),
        occurredAt: clock.now(),
        shortName: dataset.shortName,
        notification: {
          event,
          type: record.type,
          oid: dataset.oidOf(record),
          contact: isVisible(record) ? renderContact(record, dataset.seed) : null,
        },
      });
      const unixSeconds = Math.floor(Date.now() / 1000) + (delivery.timestampOffsetSeconds ?? 0);
      return {
        headers: webhookHeaders({ secret: delivery.secret, body, event, deliveryId, unixSeconds }),
        rawBody: Buffer.from(body),
      };
    },
    async close() {
      dispatcher.reset();
      await Promise.all([...servers].map((server) => server.close()));
      servers.clear();
    },
  };
  return simulator;
}

function stripEtag(patch: ContactPatch & { ETag?: string | undefined }): ContactPatch {
  const { ETag: _etag, ...rest } = patch;
  return rest;
}

const DEFAULT_APPOINTMENT: Readonly<Record<AgentosContactType, AgentosAppointmentType>> = {
  Tenant: 'InterimInspection',
  Landlord: 'ViewAndValue',
  LettingsApplicant: 'Viewing',
  SalesApplicant: 'Viewing',
  Vendor: 'SalesAppraisal',
};

/** Deterministic pick of `count` distinct records the API shows, not archived. */
function pickRecords(dataset: AgentosDataset, count: number, random: SeededRandom): ContactRecord[] {
  const pool = AGENTOS_CONTACT_TYPES.flatMap((type) =>
    dataset.lists[type].listed().filter((record) => !record.archived),
  );
  if (count >= pool.length) return pool;
  const chosen = new Set<ContactRecord>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return [...chosen];
}

/** A plausible edit a negotiator might make; never touches consent, so the record stays shared. */
function randomChange(dataset: AgentosDataset, record: ContactRecord, random: SeededRandom): ContactPatch {
  const fields = fieldsOf(record, dataset.seed);
  switch (random.int(0, 3)) {
    case 0: {
      const local =
        normaliseEmail(
          fields.EmailAddress ?? `${(fields.Forename ?? 'contact').toLowerCase()}@example.com`,
        ).split('@')[0] ?? 'contact';
      return { EmailAddress: `${local}@${random.pick(EMAIL_DOMAINS)}` };
    }
    case 1: {
      const e164 = fields.MobilePhone === null ? null : toE164(fields.MobilePhone);
      if (e164 === null)
        return {
          MobilePhone: formatPhone(`+447700900${String(random.int(0, 999)).padStart(3, '0')}`, 'national'),
        };
      const styles = PHONE_STYLES.filter((style) => formatPhone(e164, style) !== fields.MobilePhone);
      return { MobilePhone: formatPhone(e164, random.pick(styles)) };
    }
    case 2: {
      const outward = (fields.Address?.Postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11';
      const letters = POSTCODE_UNIT_LETTERS;
      return {
        Address: {
          Number: String(random.int(1, 220)),
          Name: '',
          Street: `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`,
          Postcode: `${outward} ${random.int(1, 9)}${letters[random.int(0, letters.length - 1)]}${letters[random.int(0, letters.length - 1)]}`,
        },
      };
    }
    default:
      return { Surname: random.pick(SURNAMES) };
  }
}

interface AppParts {
  engine: AgentosEngine;
  guard: AgentosKeyGuard;
  faults: FaultControls;
  requestLog: RequestLog;
  rateLimiter: RateLimiter;
  limits: AgentosRateLimits;
  datasets: Map<string, AgentosDataset>;
  logger: Pick<Logger, 'error'> | undefined;
  controlRouter: Router;
}

function buildApp(parts: AppParts): Express {
  const { engine, guard, faults, requestLog, rateLimiter, limits, datasets } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((_request, response, next) => {
    response.setHeader('x-request-id', randomUUID());
    next();
  });
  app.use('/_sim', express.json({ limit: '1mb' }), parts.controlRouter);
  app.use(requestLog.middleware());

  const authenticate: RequestHandler = (request, response, next) => {
    const check = guard.check(
      apiKeyOf(request),
      String(request.params.tier),
      String(request.params.shortName),
    );
    if (!check.ok) return sendError(response, check.status, check.message);
    const dataset = datasets.get(check.key.shortName.toLowerCase());
    if (dataset === undefined)
      return sendError(response, 404, `No agency with short name ${String(request.params.shortName)}`);
    const context: AgentosCallContext = { key: check.key, tier: check.tier, dataset };
    response.locals.agentos = context;
    next();
  };

  const limitRate = rateLimitMiddleware(rateLimiter, {
    // The budget belongs to the key (one per agency integration).
    keyOf: (_request, response) => `key:${(response.locals.agentos as AgentosCallContext).key.apiKey}`,
    onLimited: (_request, response, _dimension, limit) => {
      guard.recordRefusal((response.locals.agentos as AgentosCallContext).key.apiKey);
      response.setHeader('Retry-After', String(limits.retryAfterSeconds));
      sendError(
        response,
        429,
        `Rate limit exceeded: at most ${limit} requests per minute. Wait ${limits.retryAfterSeconds} seconds before retrying`,
      );
    },
  });

  const injectFaults = faultMiddleware(faults, {
    sendError: (_request, response, status) => {
      // An injected 429 looks like a real one, wait included.
      if (status === 429) response.setHeader('Retry-After', String(limits.retryAfterSeconds));
      sendError(response, status);
    },
  });

  app.use(
    '/v4/:tier/:shortName',
    authenticate,
    limitRate,
    injectFaults,
    express.json({ type: ['application/json', 'application/*+json'], limit: '1mb' }),
    createAgentosApiRouter(engine),
  );

  app.use((request, response) =>
    sendError(response, 404, `No HTTP resource was found that matches the request URI '${request.path}'`),
  );

  const handleErrors: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (response.headersSent) return;
    if (error instanceof BadRequestError) return sendError(response, 400, error.message);
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') return sendError(response, 400, 'The request body is not valid JSON');
    if (type === 'entity.too.large') return sendError(response, 413, 'The request body is larger than 1 MB');
    parts.logger?.error({ err: error }, 'agentOS simulator: unexpected error');
    sendError(response, 500);
  };
  app.use(handleErrors);
  return app;
}

/** A new random API key (for tests that add agencies). */
export function newAgentosApiKey(): string {
  return randomBytes(16)
    .toString('hex')
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

export type { AgentosApiKey, AgentosRateLimits };
