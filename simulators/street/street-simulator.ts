import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../../server/infrastructure/logger.ts';
import { listen as listenApp, type RunningServer } from '../toolkit/app-listener.ts';
import {
  FaultControls,
  faultMiddleware,
  type FaultSettings,
} from '../toolkit/fault-controls.ts';
import { RequestLog } from '../toolkit/request-log.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { createSimulatorClock, type SimulatorClock } from '../toolkit/simulator-clock.ts';
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
import { LISTED_PROPERTY_BASE, renderNote, type OfferRecord } from './street-activity.model.ts';
import { createStreetApiRouter, type StreetCallContext } from './street-api.routes.ts';
import { StreetAuth } from './street-auth.ts';
import {
  STREET_API_BASE_PATH,
  STREET_DEMO_API_TOKEN,
  STREET_MEDIA_TYPE,
  STREET_RATE_LIMITS,
  STREET_WEBHOOK_RETRY_DELAYS_MS,
  STREET_WEBHOOK_TIMEOUT_MS,
  type StreetApiToken,
  type StreetOfferKind,
  type StreetOfferStatus,
  type StreetRateLimits,
  type StreetValuationStatus,
  type StreetViewingStatus,
  type StreetWebhookEvent,
} from './street-constants.ts';
import { createStreetControlRouter } from './street-control.routes.ts';
import { StreetDataset, type PersonCreate, type PersonPatch } from './street-dataset.ts';
import { StreetEngine } from './street-engine.ts';
import { JsonApiError, sendError } from './street-http.ts';
import { streetUuid } from './street-ids.ts';
import {
  fieldsOf,
  propertySeq,
  renderPerson,
  streetTime,
  udprnOf,
  type JsonObject,
  type PersonRecord,
} from './street-person.model.ts';
import { StreetRateLimiter } from './street-rate-limit.ts';
import { StreetWebhooks, standardWebhookHeaders, webhookBody } from './street-webhooks.ts';

export interface StreetSimulatorOptions {
  /** Seeds the data, fault draws and control choices (default 1, the seed every CRM simulator shares). */
  seed?: number;
  /** People generated (default 1,000). */
  contactCount?: number;
  /** Share of planted duplicate people (default 0.02). */
  duplicateRate?: number;
  /** API tokens the simulator accepts (default: {@link STREET_DEMO_API_TOKEN}). */
  tokens?: readonly StreetApiToken[];
  /** Documented limits by default; override parts, or `false` to disable (benchmarks). */
  rateLimits?: Partial<StreetRateLimits> | false;
  /** The simulator's clock (default Date.now); `controls.advanceClock` shifts it further. */
  now?: () => number;
  /** Generated timestamps lie in the months before this instant (default: midnight UTC today). */
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

export interface ModifyPeopleOptions {
  /** How many people to modify, picked deterministically at random among live ones. */
  count?: number;
  /** Or exactly these people (UUIDs). */
  ids?: readonly string[];
  /** Fields to set. Without fields nor `randomChange`, only `updated_at` moves. */
  fields?: PersonPatch;
  /** A realistic random edit per person (new email, new mobile, consent, address or surname). */
  randomChange?: boolean;
}

export interface CreateViewingOptions {
  personId: string;
  /** Which of the person's applicants views (default: sales when they have one). */
  kind?: StreetOfferKind;
  status?: StreetViewingStatus;
  start?: number | string | Date;
}

export interface CreateValuationOptions {
  personId: string;
  /** Sales (their home) or lettings (their let) valuation; default from their statuses. */
  kind?: StreetOfferKind;
  status?: StreetValuationStatus;
  start?: number | string | Date;
}

export interface CreateOfferOptions {
  personId: string;
  kind?: StreetOfferKind;
  amount?: number;
  status?: StreetOfferStatus;
}

/** Test and demo controls; every method also exists under `/_sim/…` over HTTP. */
export interface StreetSimulatorControls {
  /** Modifies people (moving updated_at) and sends the webhooks; returns their UUIDs. */
  modifyPeople(options: ModifyPeopleOptions): string[];
  /** Creates a person as if entered in Street (the Open API cannot); sends person.created; returns the UUID. */
  createPerson(input: PersonCreate): string;
  /** Soft-deletes (Street's delete): gone from listings, found with filter[trashed]. False when not found. */
  trashPerson(id: string): boolean;
  restorePerson(id: string): boolean;
  /** Removes a person for good (404 even with trashed). False when not found. */
  deletePerson(id: string): boolean;
  /** Books a viewing for one of the person's applicants (sends viewing.created); returns its UUID. */
  createViewing(options: CreateViewingOptions): string;
  setViewingStatus(id: string, status: StreetViewingStatus): void;
  /** Books a valuation of a property the person owns (sends valuation.created); returns its UUID. */
  createValuation(options: CreateValuationOptions): string;
  setValuationStatus(id: string, status: StreetValuationStatus): void;
  /** Records an offer by one of the person's applicants (sends sales-offer.created / lettings-offer.created). */
  createOffer(options: CreateOfferOptions): string;
  setOfferStatus(id: string, status: StreetOfferStatus): void;
  /** Standing faults; merges with current settings. */
  setFaults(settings: Partial<FaultSettings>): void;
  /** Removes all request faults and revocations. */
  clearFaults(): void;
  setWebhookFaults(faults: Partial<WebhookDeliveryFaults>): void;
  /** Requests with the token then fail with 401, until restored. */
  revokeToken(tokenId: string): void;
  restoreToken(tokenId: string): void;
  /** Moves the simulator clock (timestamps of later writes). */
  advanceClock(milliseconds: number): void;
  /** Back to the initial state: data regenerated; subscriptions, faults, logs and clock cleared. */
  reset(): void;
}

export interface PlantedDuplicatePerson {
  personId: string;
  duplicateOfPersonId: string;
  personKey: string;
  variations: readonly string[];
}

export interface StreetSimulator {
  readonly app: Express;
  /** Starts an HTTP server (port 0 = any free port). The API is under `${url}/open-api/v1`. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  readonly controls: StreetSimulatorControls;
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  readonly clock: SimulatorClock;
  readonly tokens: readonly StreetApiToken[];
  /** `/open-api/v1`: append to the listening URL for an adapter's base URL. */
  readonly apiBasePath: string;
  /** Live (not trashed) people. */
  contactCount(): number;
  /** UUIDs of live people in creation order. */
  personIds(): string[];
  /** The same as {@link personIds}, under the name every simulator uses. */
  contactIds(): string[];
  /** The person resource as GET /people/{id} returns it in `data`. */
  getPerson(id: string, options?: { withTrashed?: boolean }): JsonObject | undefined;
  /** The generated people behind the records (index i is person sequence i + 1). */
  people(): readonly UkPerson[];
  plantedDuplicates(): PlantedDuplicatePerson[];
  /** Pairs of different people who share a full name. */
  namesakes(): Array<{ personIds: [string, string]; firstName: string; lastName: string }>;
  /** Note resources, oldest first; only those of one person when given. */
  notes(personId?: string): JsonObject[];
  /** Webhook subscriptions, secrets left out. */
  webhookSubscriptions(): JsonObject[];
  webhookAttempts(): WebhookAttempt[];
  /** Resolves once every queued webhook is delivered or given up (retries included). */
  webhooksIdle(): Promise<void>;
  /**
   * A person event signed the way the simulator signs deliveries (Standard Webhooks), for
   * receivers' tests; `timestampOffsetSeconds` shifts the signed time.
   */
  signedPersonWebhook(options: {
    personId: string;
    secret: string;
    type?: StreetWebhookEvent;
    timestampOffsetSeconds?: number;
  }): { headers: Record<string, string>; rawBody: Buffer };
  /** Stops servers started with `listen` and cancels pending webhook work. */
  close(): Promise<void>;
}

function anchorOf(option: StreetSimulatorOptions['dataAnchor'], now: number): number {
  if (option === undefined) return Math.floor(now / 86_400_000) * 86_400_000;
  const ms =
    option instanceof Date ? option.getTime() : typeof option === 'string' ? Date.parse(option) : option;
  if (Number.isNaN(ms)) throw new RangeError('dataAnchor is not a valid date');
  return ms;
}

function timeOf(value: number | string | Date | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms)) throw new RangeError('start is not a valid date');
  return ms;
}

/**
 * An in-process Street Open API: bearer tokens, JSON:API people with page-number paging and
 * updated/created filters answered from sorted indexes, PATCH with validation and an optional
 * staleness check, viewings, valuations, offers, notes, Standard Webhooks subscriptions and
 * signed deliveries, the documented read/write rate limits, fault injection, and `/_sim` controls.
 */
export function createStreetSimulator(options: StreetSimulatorOptions = {}): StreetSimulator {
  const seed = options.seed ?? 1;
  const contactCount = options.contactCount ?? 1000;
  const tokens = (options.tokens ?? [STREET_DEMO_API_TOKEN]).map((token) => ({ ...token }));
  if (tokens.length === 0) throw new RangeError('at least one API token is required');
  const clock = createSimulatorClock(options.now ?? Date.now);
  const anchor = anchorOf(options.dataAnchor, clock.now());
  const faults = new FaultControls({ seed: mixSeed(seed, 'faults') });
  const requestLog = new RequestLog({
    now: clock.now,
    ...(options.requestLogLimit === undefined ? {} : { maxEntries: options.requestLogLimit }),
  });
  const limits = options.rateLimits === false ? null : { ...STREET_RATE_LIMITS, ...options.rateLimits };
  const rateLimiter = new StreetRateLimiter(limits, clock.now);
  const auth = new StreetAuth({ tokens, faults });
  const retryScale = options.webhookRetryScale ?? 1;
  const dispatcher = new WebhookDispatcher({
    retryDelaysMs: STREET_WEBHOOK_RETRY_DELAYS_MS.map((delay) => Math.max(0, Math.round(delay * retryScale))),
    // Standard Webhooks senders retry any answer that is not a 2xx.
    shouldRetry: () => true,
    timeoutMs: options.webhookTimeoutMs ?? STREET_WEBHOOK_TIMEOUT_MS,
    seed: mixSeed(seed, 'webhooks'),
    now: clock.now,
  });
  const webhooks = new StreetWebhooks({ dispatcher, now: clock.now });
  const newDataset = () =>
    new StreetDataset({
      seed,
      contactCount,
      anchor,
      ...(options.duplicateRate === undefined ? {} : { duplicateRate: options.duplicateRate }),
    });
  let dataset = newDataset();
  let publicBase = `http://127.0.0.1${STREET_API_BASE_PATH}`;
  const engine = new StreetEngine({ clock, webhooks, dataset: () => dataset, publicBase: () => publicBase });
  let controlRandom = new SeededRandom(mixSeed(seed, 'controls'));

  const personFor = (id: string, withTrashed = false): PersonRecord => {
    const record = dataset.personById(id, { withTrashed });
    if (record === undefined) throw new RangeError(`person ${id} not found`);
    return record;
  };
  const offerById = (id: string): OfferRecord | undefined =>
    dataset.byId(dataset.salesOffers, 'sales_offer', id) ??
    dataset.byId(dataset.lettingsOffers, 'lettings_offer', id);

  const controls: StreetSimulatorControls = {
    modifyPeople(modify) {
      const records =
        modify.ids !== undefined
          ? modify.ids.map((id) => personFor(id))
          : pickPeople(dataset, modify.count ?? 1, controlRandom);
      engine.patchPeople(records, (record) => ({
        ...(modify.randomChange ? randomChange(dataset, record, controlRandom) : {}),
        ...modify.fields,
      }));
      return records.map((record) => dataset.personId(record));
    },
    createPerson(input) {
      return dataset.personId(engine.createPerson(input));
    },
    trashPerson(id) {
      const record = dataset.personById(id);
      if (record === undefined) return false;
      engine.trashPerson(record);
      return true;
    },
    restorePerson(id) {
      const record = dataset.personById(id, { withTrashed: true });
      if (record === undefined || record.trashedAt === null) return false;
      engine.restorePerson(record);
      return true;
    },
    deletePerson(id) {
      const record = dataset.personById(id, { withTrashed: true });
      if (record === undefined) return false;
      engine.deletePerson(record);
      return true;
    },
    createViewing(viewing) {
      const person = personFor(viewing.personId);
      const applicants = fieldsOf(person, seed).applicants;
      const kind = viewing.kind ?? applicants[0];
      if (kind === undefined || !applicants.includes(kind))
        throw new RangeError(
          `person ${viewing.personId} has no ${kind ?? 'sales or lettings'} applicant to view with`,
        );
      const start = timeOf(viewing.start, clock.now() + 86_400_000);
      const record = engine.addViewing({
        personSeq: person.seq,
        applicantKind: kind,
        propertySeq: LISTED_PROPERTY_BASE + controlRandom.int(1, 50_000),
        start,
        end: start + 30 * 60_000,
        status: viewing.status ?? 'unconfirmed',
        cancelledAt: null,
      });
      return streetUuid(seed, 'viewing', record.seq);
    },
    setViewingStatus(id, status) {
      const record = dataset.byId(dataset.viewings, 'viewing', id);
      if (record === undefined) throw new RangeError(`viewing ${id} not found`);
      engine.setViewingStatus(record, status);
    },
    createValuation(valuation) {
      const person = personFor(valuation.personId);
      const statuses = fieldsOf(person, seed).statuses;
      const kind =
        valuation.kind ?? (statuses.landlord !== null && statuses.vendor === null ? 'lettings' : 'sales');
      const start = timeOf(valuation.start, clock.now() + 2 * 86_400_000);
      const record = engine.addValuation({
        personSeq: person.seq,
        valuationType: kind,
        propertySeq: propertySeq(person.seq, kind === 'sales' ? 'home' : 'let'),
        start,
        end: start + 60 * 60_000,
        status: valuation.status ?? 'booked',
      });
      return streetUuid(seed, 'valuation', record.seq);
    },
    setValuationStatus(id, status) {
      const record = dataset.byId(dataset.valuations, 'valuation', id);
      if (record === undefined) throw new RangeError(`valuation ${id} not found`);
      engine.setValuationStatus(record, status);
    },
    createOffer(offer) {
      const person = personFor(offer.personId);
      const applicants = fieldsOf(person, seed).applicants;
      const kind = offer.kind ?? applicants[0];
      if (kind === undefined || !applicants.includes(kind))
        throw new RangeError(
          `person ${offer.personId} has no ${kind ?? 'sales or lettings'} applicant to make an offer with`,
        );
      const record = engine.addOffer({
        kind,
        personSeq: person.seq,
        propertySeq: LISTED_PROPERTY_BASE + controlRandom.int(1, 50_000),
        amount: offer.amount ?? (kind === 'sales' ? 350_000 : 1_450),
        status: offer.status ?? 'pending',
      });
      return streetUuid(seed, kind === 'sales' ? 'sales_offer' : 'lettings_offer', record.seq);
    },
    setOfferStatus(id, status) {
      const record = offerById(id);
      if (record === undefined) throw new RangeError(`offer ${id} not found`);
      engine.setOfferStatus(record, status);
    },
    setFaults: (settings) => faults.configure(settings),
    clearFaults: () => faults.clear(),
    setWebhookFaults: (webhookFaults) => dispatcher.setFaults(webhookFaults),
    revokeToken: (tokenId) => faults.revokeCredential(tokenId),
    restoreToken: (tokenId) => faults.restoreCredential(tokenId),
    advanceClock: (milliseconds) => clock.advance(milliseconds),
    reset() {
      clock.reset();
      faults.clear();
      requestLog.clear();
      rateLimiter.reset();
      dispatcher.reset();
      webhooks.reset();
      controlRandom = new SeededRandom(mixSeed(seed, 'controls'));
      dataset = newDataset();
    },
  };

  // The control routes read the simulator object below; they only run once it exists.
  const controlRouter = createStreetControlRouter(() => simulator);
  const app = buildApp({
    engine,
    auth,
    faults,
    requestLog,
    rateLimiter,
    logger: options.logger,
    controlRouter,
  });
  const servers = new Set<RunningServer>();

  const simulator: StreetSimulator = {
    app,
    async listen(port = 0, host = '127.0.0.1') {
      const running = await listenApp(app, port, host);
      servers.add(running);
      // Webhook payloads link to the first address the simulator listens on.
      if (servers.size === 1) publicBase = `${running.url}${STREET_API_BASE_PATH}`;
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
    tokens: tokens.map((token) => ({ ...token })),
    apiBasePath: STREET_API_BASE_PATH,
    contactCount: () => dataset.persons.size,
    personIds: () => dataset.persons.byCreated.items.map((record) => dataset.personId(record)),
    contactIds: () => dataset.persons.byCreated.items.map((record) => dataset.personId(record)),
    getPerson(id, getOptions) {
      const record = dataset.personById(id, { withTrashed: getOptions?.withTrashed ?? false });
      return record === undefined ? undefined : renderPerson(record, engine.context());
    },
    people: () => dataset.people.people,
    plantedDuplicates: () =>
      dataset.people.duplicates.map((duplicate) => ({
        personId: streetUuid(seed, 'person', duplicate.index + 1),
        duplicateOfPersonId: streetUuid(seed, 'person', duplicate.originalIndex + 1),
        personKey: duplicate.personKey,
        variations: duplicate.variations,
      })),
    namesakes: () =>
      dataset.people.namesakes.map((pair) => ({
        personIds: [
          streetUuid(seed, 'person', pair.firstIndex + 1),
          streetUuid(seed, 'person', pair.secondIndex + 1),
        ] as [string, string],
        firstName: pair.forename,
        lastName: pair.surname,
      })),
    notes(personId) {
      const context = engine.context();
      if (personId === undefined)
        return [...dataset.notes.byCreated.items].map((note) => renderNote(note, context));
      const record = dataset.personById(personId, { withTrashed: true });
      return record === undefined ? [] : dataset.notesOf(record.seq).map((note) => renderNote(note, context));
    },
    webhookSubscriptions: () =>
      webhooks.list().map((subscription) => webhooks.render(subscription, publicBase)),
    webhookAttempts: () => dispatcher.attempts(),
    webhooksIdle: () => dispatcher.idle(),
    signedPersonWebhook({ personId, secret, type, timestampOffsetSeconds }) {
      const record = personFor(personId, true);
      const eventType = type ?? 'person.updated';
      const data =
        eventType === 'person.deleted'
          ? {
              data: {
                type: 'person',
                id: dataset.personId(record),
                meta: { deleted_at: streetTime(clock.now()) },
              },
            }
          : engine.personDocument(record);
      const body = webhookBody(eventType, clock.now(), data);
      const headers = standardWebhookHeaders(
        secret,
        `msg_${randomUUID().replaceAll('-', '')}`,
        body,
        Math.floor(Date.now() / 1000) + (timestampOffsetSeconds ?? 0),
      );
      return { headers, rawBody: Buffer.from(body) };
    },
    async close() {
      dispatcher.reset();
      await Promise.all([...servers].map((server) => server.close()));
      servers.clear();
    },
  };
  return simulator;
}

/** Deterministic pick of `count` distinct live people. */
function pickPeople(dataset: StreetDataset, count: number, random: SeededRandom): PersonRecord[] {
  const pool = dataset.persons.byCreated.items;
  if (count >= pool.length) return [...pool];
  const chosen = new Set<PersonRecord>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return [...chosen].sort((a, b) => a.seq - b.seq);
}

const NEXT_CONSENT = new Map<boolean | null, boolean | null>([
  [true, false],
  [false, null],
  [null, true],
]);

/** A plausible edit an agent might make in Street. */
function randomChange(dataset: StreetDataset, record: PersonRecord, random: SeededRandom): PersonPatch {
  const fields = fieldsOf(record, dataset.seed);
  switch (random.int(0, 4)) {
    case 0: {
      const primary = fields.email_addresses.find((entry) => entry.primary) ?? fields.email_addresses[0];
      const local =
        (primary?.value ?? `${fields.first_name.toLowerCase()}@example.com`).split('@')[0] ?? 'contact';
      const next = { value: `${local}@${random.pick(EMAIL_DOMAINS)}`, notes: null, primary: true };
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
      const mobile = {
        value: `+447700900${String(random.int(0, 999)).padStart(3, '0')}`,
        notes: 'Mobile',
        primary: true,
      };
      return { telephone_numbers: [mobile, ...fields.telephone_numbers.filter((entry) => !entry.primary)] };
    }
    case 2:
      return { marketing_consent: NEXT_CONSENT.get(fields.marketing_consent) ?? null };
    case 3: {
      const outward = (fields.address?.postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11';
      const letters = POSTCODE_UNIT_LETTERS;
      const number = String(random.int(1, 220));
      const street = `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`;
      const postcode = `${outward} ${random.int(1, 9)}${letters[random.int(0, letters.length - 1)]}${letters[random.int(0, letters.length - 1)]}`;
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

interface AppParts {
  engine: StreetEngine;
  auth: StreetAuth;
  faults: FaultControls;
  requestLog: RequestLog;
  rateLimiter: StreetRateLimiter;
  logger: Pick<Logger, 'error'> | undefined;
  controlRouter: Router;
}

/** True when an Accept header admits JSON:API (the bare media type, or a wildcard). */
function acceptsJsonApi(accept: string): boolean {
  return accept.split(',').some((part) => {
    const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (type === '*/*' || type === 'application/*') return true;
    return type === STREET_MEDIA_TYPE && parameters.every((parameter) => parameter.startsWith('q='));
  });
}

function buildApp(parts: AppParts): Express {
  const { engine, auth, faults, requestLog, rateLimiter } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use('/_sim', express.json({ limit: '1mb' }), parts.controlRouter);
  app.use(requestLog.middleware());

  const authenticate: RequestHandler = (request, response, next) => {
    const check = auth.check(request.get('authorization'));
    if (!check.ok) {
      const details = {
        missing:
          'An Authorization: Bearer <API token> header is required. Tokens are created in Street under Settings → Applications.',
        unknown: 'The API token is not valid.',
        revoked: 'The API token has been revoked.',
      } as const;
      sendError(response, 401, details[check.reason]);
      return;
    }
    const context: StreetCallContext = { token: check.token, now: engine.clock.now() };
    response.locals.street = context;
    next();
  };

  // Separate budgets per token: GETs and writes never use up each other's allowance.
  const limitRate = rateLimiter.middleware({
    keyOf: (_request, response) => `token:${(response.locals.street as StreetCallContext).token.tokenId}`,
    onLimited: (_request, response, budget, limit, retryAfterSeconds) =>
      sendError(
        response,
        429,
        `Too many requests: the limit is ${limit} ${budget === 'read' ? 'GET' : 'POST, PUT, PATCH and DELETE'} requests per minute per token. Retry after ${retryAfterSeconds} s.`,
      ),
  });

  const injectFaults = faultMiddleware(faults, {
    sendError: (_request, response, status) => sendError(response, status),
  });

  const negotiate: RequestHandler = (request, response, next) => {
    const accept = request.get('accept');
    if (accept !== undefined && accept.trim() !== '' && !acceptsJsonApi(accept)) {
      sendError(response, 406, `Responses are ${STREET_MEDIA_TYPE}: send Accept: ${STREET_MEDIA_TYPE}.`);
      return;
    }
    if (['POST', 'PUT', 'PATCH'].includes(request.method)) {
      const type = request.get('content-type')?.trim().toLowerCase();
      if (type !== STREET_MEDIA_TYPE) {
        sendError(
          response,
          415,
          `Request bodies must be sent as Content-Type: ${STREET_MEDIA_TYPE} (without media type parameters).`,
        );
        return;
      }
    }
    next();
  };

  app.use(
    STREET_API_BASE_PATH,
    authenticate,
    limitRate,
    injectFaults,
    negotiate,
    express.json({ type: STREET_MEDIA_TYPE, limit: '2mb' }),
    createStreetApiRouter(engine),
  );

  app.use((request, response) => sendError(response, 404, `No route for ${request.method} ${request.path}.`));

  const handleErrors: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (response.headersSent) return;
    if (error instanceof JsonApiError) {
      response
        .status(error.status)
        .type(STREET_MEDIA_TYPE)
        .send(JSON.stringify({ jsonapi: { version: '1.0' }, errors: error.errors }));
      return;
    }
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      sendError(response, 400, 'The request body is not valid JSON.');
      return;
    }
    if (type === 'entity.too.large') {
      sendError(response, 413, 'The request body is too large.');
      return;
    }
    parts.logger?.error({ err: error }, 'street simulator: unexpected error');
    sendError(response, 500);
  };
  app.use(handleErrors);
  return app;
}

export type { StreetApiToken, StreetRateLimits };
