import { createHash, randomUUID } from 'node:crypto';
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
import { renderNote } from './loop-activity.model.ts';
import { createLoopApiRouter, type LoopCallContext } from './loop-api.routes.ts';
import {
  GUID_PATTERN,
  LOOP_DEMO_TEAM,
  LOOP_RATE_LIMITS,
  LOOP_WEBHOOK_RETRY_DELAYS_MS,
  LOOP_WEBHOOK_TIMEOUT_MS,
  type LoopAppointmentStatus,
  type LoopAppointmentType,
  type LoopOfferStatus,
  type LoopRateLimits,
  type LoopTeam,
  type LoopWebhookEvent,
} from './loop-constants.ts';
import {
  contactIdOf,
  fieldsOf,
  renderContact,
  type ContactRecord,
  type JsonObject,
} from './loop-contact.model.ts';
import { createLoopControlRouter, ControlInputError } from './loop-control.routes.ts';
import { LoopDataset, type ContactPatch } from './loop-dataset.ts';
import { LoopEngine } from './loop-engine.ts';
import { loopId } from './loop-ids.ts';
import { BadRequestError, ContactCreateSchema, ContactPatchSchema, sendError } from './loop-http.ts';
import { LoopWebhooks, webhookBody, webhookHeaders } from './loop-webhooks.ts';

export interface LoopSimulatorOptions {
  /** Seeds the data, fault draws and control choices (default 1, as every simulator). */
  seed?: number;
  /** Contacts generated per team (default 1,000). */
  contactCount?: number;
  /** Share of planted duplicate contacts (default 0.02). */
  duplicateRate?: number;
  /** Share of generated contacts that are archived (default 0.02). */
  archivedRate?: number;
  /** Teams and their API keys (default: {@link LOOP_DEMO_TEAM}). The first team is the default. */
  teams?: readonly LoopTeam[];
  /** Enforced limits (default {@link LOOP_RATE_LIMITS}); override parts, or `false` to disable. */
  rateLimits?: Partial<LoopRateLimits> | false;
  /** The simulator's clock (default Date.now); `controls.advanceClock` shifts it further. */
  now?: () => number;
  /** Generated timestamps lie in the years before this instant (default: midnight UTC today). */
  dataAnchor?: number | string | Date;
  /** Multiplies the webhook retry schedule (5 s … 10 h); e.g. 0.0001 in tests. Default 1. */
  webhookRetryScale?: number;
  /** How long a webhook receiver may take (default 15 s). */
  webhookTimeoutMs?: number;
  /** Most request-log entries kept (default 100,000). */
  requestLogLimit?: number;
  /** Where unexpected errors are logged. */
  logger?: Pick<Logger, 'error'>;
}

export interface ModifyContactsOptions {
  /** How many contacts to modify, picked deterministically at random among unarchived ones. */
  count?: number;
  /** Or exactly these contacts. */
  ids?: readonly string[];
  /** Fields to set (validated like a PATCH body). Without fields nor `randomChange`, only `updatedAt` moves. */
  fields?: ContactPatch;
  /** A realistic random edit per contact (email, phone format, consent, address or surname). */
  randomChange?: boolean;
  teamId?: string;
}

export interface CreateAppointmentOptions {
  contactId: string;
  /** `viewing` (default for applicants) or `valuation` (default otherwise). */
  type?: LoopAppointmentType;
  status?: LoopAppointmentStatus;
  start?: number | string | Date;
  durationMinutes?: number;
  teamId?: string;
}

export interface CreateOfferOptions {
  contactId: string;
  /** `sale` for a buying applicant, `let` for a renting one (default: the contact's first profile). */
  type?: 'sale' | 'let';
  amount?: number;
  status?: LoopOfferStatus;
  teamId?: string;
}

/** Test and demo controls; each also exists under `/_sim/…` over HTTP. */
export interface LoopSimulatorControls {
  /** Modifies contacts (moving `updatedAt`) and sends `contact.updated`; returns their ids. */
  modifyContacts(options: ModifyContactsOptions): string[];
  /** Creates a contact as if entered in Loop (sends `contact.created`); returns its id. */
  createContact(input: ContactPatch, options?: { teamId?: string }): string;
  /** Archives a contact (`archived: true`, hidden from lists unless `includeArchived=true`). */
  archiveContact(id: string, options?: { teamId?: string }): boolean;
  /** Removes a contact entirely (GET answers 404; `contact.deleted` carries only the id). */
  deleteContact(id: string, options?: { teamId?: string }): boolean;
  createAppointment(options: CreateAppointmentOptions): string;
  updateAppointment(id: string, status: LoopAppointmentStatus, options?: { teamId?: string }): boolean;
  createOffer(options: CreateOfferOptions): string;
  updateOffer(
    id: string,
    changes: { status?: LoopOfferStatus; amount?: number },
    options?: { teamId?: string },
  ): boolean;
  setFaults(settings: Partial<FaultSettings>): void;
  /** Removes all request faults and revocations. */
  clearFaults(): void;
  setWebhookFaults(faults: Partial<WebhookDeliveryFaults>): void;
  /** Requests with this API key then fail with 401. */
  revokeApiKey(apiKey: string): void;
  restoreApiKey(apiKey: string): void;
  /** Moves the simulator clock (timestamps of later writes, rate-limit windows). */
  advanceClock(milliseconds: number): void;
  /** Back to the initial state: data regenerated; subscriptions, faults, logs and clock cleared. */
  reset(): void;
}

export interface SignedContactWebhookOptions {
  contactId: string;
  /** The subscription secret to sign with (default: the team's latest subscription's). */
  secret?: string | null;
  type?: Extract<LoopWebhookEvent, 'contact.created' | 'contact.updated' | 'contact.archived'>;
  timestampOffsetSeconds?: number;
  teamId?: string;
}

export interface PlantedDuplicateContact {
  contactId: string;
  duplicateOfContactId: string;
  personKey: string;
  variations: readonly string[];
}

export interface LoopSimulator {
  readonly app: Express;
  /** Starts an HTTP server (port 0 = any free port). */
  listen(port?: number, host?: string): Promise<RunningServer>;
  readonly controls: LoopSimulatorControls;
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  readonly clock: SimulatorClock;
  readonly teams: readonly LoopTeam[];
  readonly defaultTeamId: string;
  /** Contacts the API holds (archived ones included). */
  contactCount(teamId?: string): number;
  /** Contact ids in creation order (archived ones included). */
  contactIds(teamId?: string): string[];
  /** The contact as GET /v1/contacts/{id} returns it. */
  getContact(id: string, teamId?: string): JsonObject | undefined;
  /** The generated people behind the contacts (index i is the i-th contact created). */
  people(teamId?: string): readonly UkPerson[];
  plantedDuplicates(teamId?: string): PlantedDuplicateContact[];
  namesakes(teamId?: string): Array<{ contactIds: [string, string]; firstName: string; lastName: string }>;
  /** Notes, oldest first; of one contact when `contactId` is given. */
  notes(options?: { contactId?: string; teamId?: string }): JsonObject[];
  /** Webhook subscriptions as the API lists them (secrets never shown). */
  webhooks(teamId?: string): JsonObject[];
  webhookAttempts(): WebhookAttempt[];
  /** Resolves once every queued webhook is delivered or given up (retries included). */
  webhooksIdle(): Promise<void>;
  /** A contact event signed as a delivery would be, without sending it: for testing receivers. */
  signedContactWebhook(options: SignedContactWebhookOptions): {
    headers: Record<string, string>;
    rawBody: string;
  };
  /** Stops servers started with `listen` and cancels pending webhook work. */
  close(): Promise<void>;
}

/** A non-secret handle for an API key: revocations and rate budgets are kept under it. */
export function apiKeyHandle(apiKey: string): string {
  return `key_${createHash('sha256').update(apiKey.trim().toLowerCase()).digest('hex').slice(0, 12)}`;
}

function anchorOf(option: LoopSimulatorOptions['dataAnchor'], now: number): number {
  if (option === undefined) return Math.floor(now / 86_400_000) * 86_400_000;
  const ms =
    option instanceof Date ? option.getTime() : typeof option === 'string' ? Date.parse(option) : option;
  if (Number.isNaN(ms)) throw new RangeError('dataAnchor is not a valid date');
  return ms;
}

function rateLimitConfig(limits: Partial<LoopRateLimits> | false | undefined): RateLimitConfig | false {
  if (limits === false) return false;
  const merged = { ...LOOP_RATE_LIMITS, ...limits };
  return {
    windows: [{ limit: merged.requestsPerSecond, windowMs: 1000 }],
    maxConcurrent: merged.maxConcurrent,
  };
}

/**
 * An in-process Loop API (the conventional REST shape documented in README.md): GUID API keys
 * per team, contacts with `page`/`pageSize` paging and an `updatedSince` filter, notes, appointments,
 * offers, webhook subscriptions with Standard Webhooks signatures, enforced rate limits, fault
 * injection and a control surface under `/_sim`.
 */
export function createLoopSimulator(options: LoopSimulatorOptions = {}): LoopSimulator {
  const seed = options.seed ?? 1;
  const contactCount = options.contactCount ?? 1000;
  const teams = (options.teams ?? [LOOP_DEMO_TEAM]).map((team) => ({ ...team, apiKeys: [...team.apiKeys] }));
  if (teams.length === 0) throw new RangeError('at least one team is required');
  const keys = new Map<string, { teamId: string; handle: string }>();
  for (const team of teams) {
    for (const apiKey of team.apiKeys) {
      if (!GUID_PATTERN.test(apiKey))
        throw new RangeError(`API keys are GUIDs; team ${team.teamId} has one that is not`);
      keys.set(apiKey.toLowerCase(), { teamId: team.teamId, handle: apiKeyHandle(apiKey) });
    }
  }
  const defaultTeamId = (teams[0] as LoopTeam).teamId;
  const clock = createSimulatorClock(options.now ?? Date.now);
  const anchor = anchorOf(options.dataAnchor, clock.now());
  const faults = new FaultControls({ seed: mixSeed(seed, 'loop-faults') });
  const requestLog = new RequestLog({
    now: clock.now,
    ...(options.requestLogLimit === undefined ? {} : { maxEntries: options.requestLogLimit }),
  });
  const rateLimiter = new RateLimiter(rateLimitConfig(options.rateLimits), { now: clock.now });
  const retryScale = options.webhookRetryScale ?? 1;
  const dispatcher = new WebhookDispatcher({
    retryDelaysMs: LOOP_WEBHOOK_RETRY_DELAYS_MS.map((delay) => Math.max(0, Math.round(delay * retryScale))),
    // Standard Webhooks senders retry any answer outside 2xx, as well as timeouts and network errors.
    shouldRetry: () => true,
    timeoutMs: options.webhookTimeoutMs ?? LOOP_WEBHOOK_TIMEOUT_MS,
    seed: mixSeed(seed, 'loop-webhooks'),
    now: clock.now,
  });
  const webhooks = new LoopWebhooks({ dispatcher, now: clock.now });
  const engine = new LoopEngine({ clock, webhooks });
  const datasets = new Map<string, LoopDataset>();
  const buildDatasets = (): void => {
    datasets.clear();
    for (const team of teams) {
      datasets.set(
        team.teamId,
        new LoopDataset({
          teamId: team.teamId,
          name: team.name,
          // The default team uses the seed as is, so other simulators with the same seed share its people.
          seed: team.teamId === defaultTeamId ? seed : mixSeed(seed, team.teamId),
          contactCount,
          anchor,
          ...(options.duplicateRate === undefined ? {} : { duplicateRate: options.duplicateRate }),
          ...(options.archivedRate === undefined ? {} : { archivedRate: options.archivedRate }),
        }),
      );
    }
  };
  buildDatasets();
  let controlRandom = new SeededRandom(mixSeed(seed, 'loop-controls'));

  const datasetFor = (teamId?: string): LoopDataset => {
    const dataset = datasets.get(teamId ?? defaultTeamId);
    if (dataset === undefined) throw new RangeError(`unknown team ${teamId}`);
    return dataset;
  };
  const contactFor = (dataset: LoopDataset, id: string): ContactRecord => {
    const record = dataset.contactById(id);
    if (record === undefined) throw new RangeError(`contact ${id} not found in team ${dataset.teamId}`);
    return record;
  };

  const controls: LoopSimulatorControls = {
    modifyContacts(modify) {
      const dataset = datasetFor(modify.teamId);
      const fields =
        modify.fields === undefined ? undefined : (ContactPatchSchema.parse(modify.fields) as ContactPatch);
      const records =
        modify.ids !== undefined
          ? modify.ids.map((id) => contactFor(dataset, id))
          : pickContacts(dataset, modify.count ?? 1, controlRandom);
      engine.patchContacts(dataset, records, (record) => ({
        ...(modify.randomChange ? randomChange(dataset, record, controlRandom) : {}),
        ...fields,
      }));
      return records.map((record) => contactIdOf(record, dataset.salt));
    },
    createContact(input, createOptions) {
      const dataset = datasetFor(createOptions?.teamId);
      const record = engine.createContact(dataset, ContactCreateSchema.parse(input) as ContactPatch);
      return contactIdOf(record, dataset.salt);
    },
    archiveContact(id, archiveOptions) {
      const dataset = datasetFor(archiveOptions?.teamId);
      const record = dataset.contactById(id);
      if (record === undefined) return false;
      engine.archiveContact(dataset, record);
      return true;
    },
    deleteContact(id, deleteOptions) {
      const dataset = datasetFor(deleteOptions?.teamId);
      const record = dataset.contactById(id);
      if (record === undefined) return false;
      engine.deleteContact(dataset, record);
      return true;
    },
    createAppointment(appointment) {
      const dataset = datasetFor(appointment.teamId);
      const contact = contactFor(dataset, appointment.contactId);
      const fields = fieldsOf(contact, dataset.seed);
      const type = appointment.type ?? (fields.contactTypes.includes('applicant') ? 'viewing' : 'valuation');
      const start =
        appointment.start === undefined ? clock.now() + 86_400_000 : new Date(appointment.start).getTime();
      if (Number.isNaN(start)) throw new ControlInputError('start is not a valid date');
      const record = engine.addAppointment(dataset, {
        type,
        status: appointment.status ?? 'booked',
        start,
        end: start + (appointment.durationMinutes ?? (type === 'viewing' ? 30 : 60)) * 60_000,
        contactSeq: contact.seq,
        contactRole:
          type === 'viewing'
            ? 'applicant'
            : fields.contactTypes.includes('landlord') && !fields.contactTypes.includes('vendor')
              ? 'landlord'
              : 'vendor',
        propertySeq: controlRandom.int(1, 5000),
        negotiatorSeq: fields.negotiatorSeq,
      });
      return renderIdOf(dataset, 'appointment', record.seq);
    },
    updateAppointment(id, status, updateOptions) {
      const dataset = datasetFor(updateOptions?.teamId);
      const record = dataset.appointmentById(id);
      if (record === undefined) return false;
      engine.updateAppointment(dataset, record, status);
      return true;
    },
    createOffer(offer) {
      const dataset = datasetFor(offer.teamId);
      const contact = contactFor(dataset, offer.contactId);
      const fields = fieldsOf(contact, dataset.seed);
      const profile = fields.applicantProfiles[0];
      const kind =
        offer.type ?? (profile === undefined ? undefined : profile.intent === 'buy' ? 'sale' : 'let');
      if (kind === undefined)
        throw new ControlInputError(
          `contact ${offer.contactId} is not an applicant, so cannot make an offer`,
        );
      const record = engine.addOffer(dataset, {
        kind,
        status: offer.status ?? 'submitted',
        amount: offer.amount ?? (kind === 'sale' ? 350_000 : 1_450),
        contactSeq: contact.seq,
        propertySeq: controlRandom.int(1, 5000),
        negotiatorSeq: fields.negotiatorSeq,
      });
      return renderIdOf(dataset, 'offer', record.seq);
    },
    updateOffer(id, changes, updateOptions) {
      const dataset = datasetFor(updateOptions?.teamId);
      const record = dataset.offerById(id);
      if (record === undefined) return false;
      engine.updateOffer(dataset, record, changes);
      return true;
    },
    setFaults: (settings) => faults.configure(settings),
    clearFaults: () => faults.clear(),
    setWebhookFaults: (webhookFaults) => dispatcher.setFaults(webhookFaults),
    revokeApiKey: (apiKey) => faults.revokeCredential(apiKeyHandle(apiKey)),
    restoreApiKey: (apiKey) => faults.restoreCredential(apiKeyHandle(apiKey)),
    advanceClock: (milliseconds) => clock.advance(milliseconds),
    reset() {
      clock.reset();
      faults.clear();
      requestLog.clear();
      rateLimiter.reset();
      dispatcher.reset();
      webhooks.reset();
      controlRandom = new SeededRandom(mixSeed(seed, 'loop-controls'));
      buildDatasets();
    },
  };

  // The control routes read the simulator object below; they only run once it exists.
  const controlRouter = createLoopControlRouter(() => simulator);
  const app = buildApp({
    engine,
    keys,
    datasets,
    faults,
    requestLog,
    rateLimiter,
    logger: options.logger,
    controlRouter,
  });
  const servers = new Set<RunningServer>();

  const simulator: LoopSimulator = {
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
    teams: teams.map((team) => ({ ...team, apiKeys: [...team.apiKeys] })),
    defaultTeamId,
    contactCount: (teamId) => datasetFor(teamId).contacts.size,
    contactIds(teamId) {
      const dataset = datasetFor(teamId);
      return dataset.contacts.byCreated.items.map((record) => contactIdOf(record, dataset.salt));
    },
    getContact(id, teamId) {
      const dataset = datasetFor(teamId);
      const record = dataset.contactById(id);
      return record === undefined ? undefined : renderContact(record, dataset);
    },
    people: (teamId) => datasetFor(teamId).people.people,
    plantedDuplicates(teamId) {
      const dataset = datasetFor(teamId);
      const idAt = (index: number) => renderIdOf(dataset, 'contact', index + 1);
      return dataset.people.duplicates.map((duplicate) => ({
        contactId: idAt(duplicate.index),
        duplicateOfContactId: idAt(duplicate.originalIndex),
        personKey: duplicate.personKey,
        variations: duplicate.variations,
      }));
    },
    namesakes(teamId) {
      const dataset = datasetFor(teamId);
      return dataset.people.namesakes.map((pair) => ({
        contactIds: [
          renderIdOf(dataset, 'contact', pair.firstIndex + 1),
          renderIdOf(dataset, 'contact', pair.secondIndex + 1),
        ],
        firstName: pair.forename,
        lastName: pair.surname,
      }));
    },
    notes(notesOptions = {}) {
      const dataset = datasetFor(notesOptions.teamId);
      const contactSeq =
        notesOptions.contactId === undefined
          ? undefined
          : (dataset.contactById(notesOptions.contactId)?.seq ?? -1);
      const notes = contactSeq === undefined ? dataset.notes.byCreated.items : dataset.notesOf(contactSeq);
      return notes.map((note) => renderNote(note, dataset));
    },
    webhooks: (teamId) =>
      webhooks.list(teamId ?? defaultTeamId).map((subscription) => webhooks.render(subscription)),
    webhookAttempts: () => dispatcher.attempts(),
    webhooksIdle: () => dispatcher.idle(),
    signedContactWebhook(signed) {
      const dataset = datasetFor(signed.teamId);
      const record = contactFor(dataset, signed.contactId);
      const secret = signed.secret ?? webhooks.latest(dataset.teamId)?.secret;
      if (secret === undefined) throw new RangeError('no webhook subscription to sign with: pass a secret');
      const type = signed.type ?? 'contact.updated';
      const rawBody = webhookBody(
        type,
        clock.now(),
        renderContact(record, dataset),
        type === 'contact.updated' ? [] : undefined,
      );
      const timestamp = Math.floor(Date.now() / 1000) + (signed.timestampOffsetSeconds ?? 0);
      return {
        headers: webhookHeaders(secret, `msg_${randomUUID().replaceAll('-', '')}`, timestamp, rawBody),
        rawBody,
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

function renderIdOf(dataset: LoopDataset, kind: 'contact' | 'appointment' | 'offer', seq: number): string {
  const contact = kind === 'contact' ? dataset.contacts.get(seq) : undefined;
  return contact === undefined ? loopId(dataset.salt, kind, seq) : contactIdOf(contact, dataset.salt);
}

/** Deterministic pick of `count` distinct, unarchived contacts. */
function pickContacts(dataset: LoopDataset, count: number, random: SeededRandom): ContactRecord[] {
  const pool = dataset.contacts.byCreated.items.filter((record) => record.archivedAt === null);
  if (count >= pool.length) return [...pool];
  const chosen = new Set<ContactRecord>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return [...chosen].sort((a, b) => a.seq - b.seq);
}

const NEXT_CONSENT = { optedIn: 'optedOut', optedOut: 'notAsked', notAsked: 'optedIn' } as const;

/** A plausible edit an agent might make in Loop. */
function randomChange(dataset: LoopDataset, record: ContactRecord, random: SeededRandom): ContactPatch {
  const fields = fieldsOf(record, dataset.seed);
  switch (random.int(0, 4)) {
    case 0: {
      const current =
        fields.emailAddresses.find((email) => email.isPrimary)?.address ??
        `${fields.firstName ?? 'contact'}@example.com`;
      const local = normaliseEmail(current).split('@')[0] ?? 'contact';
      return { emailAddresses: [{ address: `${local}@${random.pick(EMAIL_DOMAINS)}`, isPrimary: true }] };
    }
    case 1: {
      const mobile = fields.phoneNumbers.find((phone) => phone.type === 'mobile');
      const e164 = mobile === undefined ? null : toE164(mobile.number);
      const others = fields.phoneNumbers.filter((phone) => phone !== mobile);
      const number =
        e164 === null
          ? formatPhone(`+447700900${String(random.int(0, 999)).padStart(3, '0')}`, 'national')
          : formatPhone(
              e164,
              random.pick(PHONE_STYLES.filter((style) => formatPhone(e164, style) !== mobile?.number)),
            );
      return {
        phoneNumbers: [
          { number, type: 'mobile', isPrimary: true },
          ...others.map((phone) => ({ ...phone, isPrimary: false })),
        ],
      };
    }
    case 2:
      return { marketingConsent: { status: NEXT_CONSENT[fields.marketingConsent.status] } };
    case 3: {
      const outward = (fields.address?.postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11';
      const letters = POSTCODE_UNIT_LETTERS;
      return {
        address: {
          line1: `${random.int(1, 220)} ${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`,
          line2: fields.address?.line2 ?? null,
          postcode: `${outward} ${random.int(1, 9)}${letters[random.int(0, letters.length - 1)]}${letters[random.int(0, letters.length - 1)]}`,
        },
      };
    }
    default:
      return { lastName: random.pick(SURNAMES) };
  }
}

interface AppParts {
  engine: LoopEngine;
  keys: Map<string, { teamId: string; handle: string }>;
  datasets: Map<string, LoopDataset>;
  faults: FaultControls;
  requestLog: RequestLog;
  rateLimiter: RateLimiter;
  logger: Pick<Logger, 'error'> | undefined;
  controlRouter: Router;
}

const LIMIT_MESSAGES = {
  window: (limit: number) => `Too many requests: the limit is ${limit} requests per second per API key`,
  concurrency: (limit: number) =>
    `Too many requests: at most ${limit} concurrent requests per API key are allowed`,
  daily: (limit: number) => `Too many requests: the daily limit of ${limit} requests has been reached`,
} as const;

function buildApp(parts: AppParts): Express {
  const { engine, keys, datasets, faults, requestLog, rateLimiter } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((_request, response, next) => {
    response.setHeader('x-request-id', randomUUID());
    next();
  });
  app.use('/_sim', express.json({ limit: '1mb' }), parts.controlRouter);
  app.use(requestLog.middleware());

  const authenticate: RequestHandler = (request, response, next) => {
    const header = request.get('x-api-key')?.trim();
    if (header === undefined || header === '') {
      sendError(response, 401, 'An x-api-key header is required: use an API key issued to your Loop team');
      return;
    }
    if (!GUID_PATTERN.test(header)) {
      sendError(response, 401, 'The x-api-key header must be a Loop API key (a GUID)');
      return;
    }
    const key = keys.get(header.toLowerCase());
    if (key === undefined) {
      sendError(response, 401, 'The API key is not valid');
      return;
    }
    if (faults.isRevoked(key.handle)) {
      sendError(response, 401, 'The API key has been revoked');
      return;
    }
    const dataset = datasets.get(key.teamId);
    if (dataset === undefined) {
      sendError(response, 403, 'The API key belongs to no team');
      return;
    }
    const context: LoopCallContext = { dataset };
    response.locals.loop = context;
    response.locals.loopKeyHandle = key.handle;
    next();
  };

  const limitRate = rateLimitMiddleware(rateLimiter, {
    keyOf: (_request, response) => String(response.locals.loopKeyHandle),
    onLimited: (_request, response, dimension, limit) =>
      sendError(response, 429, LIMIT_MESSAGES[dimension](limit), { headers: { 'retry-after': '1' } }),
  });

  const injectFaults = faultMiddleware(faults, {
    sendError: (_request, response, status) => sendError(response, status),
  });

  app.use(
    authenticate,
    limitRate,
    injectFaults,
    express.json({ type: ['application/json', 'application/*+json'], limit: '1mb' }),
    createLoopApiRouter(engine),
  );

  app.use((request, response) => sendError(response, 404, `No route for ${request.method} ${request.path}`));

  const handleErrors: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (response.headersSent) return;
    if (error instanceof BadRequestError) {
      sendError(response, 400, error.message);
      return;
    }
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      sendError(response, 400, 'The request body is not valid JSON');
      return;
    }
    if (type === 'entity.too.large') {
      sendError(response, 413, 'The request body is larger than the 1 MB accepted');
      return;
    }
    parts.logger?.error({ err: error }, 'loop simulator: unexpected error');
    sendError(response, 500);
  };
  app.use(handleErrors);
  return app;
}

export type { LoopRateLimits, LoopTeam };
