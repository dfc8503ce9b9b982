import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../../server/infrastructure/logger.ts';
import { listen as listenApp, type RunningServer } from '../toolkit/app-listener.ts';
import {
  FaultControls,
  faultMiddleware,
  type FaultMatch,
  type FaultSettings,
} from '../toolkit/fault-controls.ts';
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
  SURNAMES,
  STREET_NAMES,
  STREET_SUFFIXES,
} from '../toolkit/uk-reference-data.ts';
import type { WebhookAttempt, WebhookDeliveryFaults } from '../toolkit/webhook-dispatcher.ts';
import { renderActivity } from './custom-activity.model.ts';
import { createCustomApiRouter, type ResolvedApiKey } from './custom-api.routes.ts';
import {
  CUSTOM_ACTIVITY_STATUSES,
  CUSTOM_API_BASE_PATH,
  CUSTOM_DEMO_API_KEY,
  CUSTOM_IDEMPOTENCY_RETENTION_MS,
  CUSTOM_RATE_LIMITS,
  CUSTOM_SCOPES,
  CUSTOM_WEBHOOK_RETRY_DELAYS_MS,
  CUSTOM_WEBHOOK_TIMEOUT_MS,
  type CustomActivityType,
  type CustomApiKey,
  type CustomRateLimits,
  type CustomScope,
} from './custom-constants.ts';
import { fieldsOf, renderContact, type ContactRecord, type JsonObject } from './custom-contact.model.ts';
import { createCustomControlRouter } from './custom-control.routes.ts';
import { CustomDataset, type ContactChange } from './custom-dataset.ts';
import { CustomEngine } from './custom-engine.ts';
import { LostResponses } from './custom-faults.ts';
import {
  BadRequestError,
  ControlContactChangeSchema,
  ControlContactCreateSchema,
  sendProblem,
} from './custom-http.ts';
import { IdempotencyStore } from './custom-idempotency.ts';
import { CustomRateLimiter } from './custom-rate-limit.ts';
import { CustomWebhooks, eventBody, newMessageId, standardWebhookHeaders } from './custom-webhooks.ts';

export interface CustomSimulatorOptions {
  /** Seeds the data, fault draws and control choices (default 1, as every simulator, so the same people appear). */
  seed?: number;
  /** Contacts generated (default 1,000). */
  contactCount?: number;
  /** Share of planted duplicate contacts (default 0.02). */
  duplicateRate?: number;
  /** Keys the API accepts (default: {@link CUSTOM_DEMO_API_KEY} with every scope). */
  apiKeys?: readonly CustomApiKey[];
  /** The agency's name, as GET /account reports it. */
  accountName?: string;
  /** Documented limits by default; override parts, or `false` to disable (benchmarks). */
  rateLimits?: Partial<CustomRateLimits> | false;
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

export interface ModifyContactsOptions {
  /** How many contacts to modify, picked deterministically at random among unarchived ones. */
  count?: number;
  /** Or exactly these contacts. */
  ids?: readonly string[];
  /** Fields to set, in the API's names; the CRM may also set applicant, tenancy, is_vendor, is_landlord, source. */
  fields?: Record<string, unknown>;
  /** A realistic random edit per contact (email, phone format, consent, postcode, surname or budget). */
  randomChange?: boolean;
}

export interface CreateActivityOptions {
  contactId: string;
  type: CustomActivityType;
  /** Default: booked (viewings, valuations), submitted (offers), none otherwise. */
  status?: string;
  startsAt?: number | string | Date;
  durationMinutes?: number;
  amount?: number;
  subject?: string;
  body?: string;
  direction?: 'inbound' | 'outbound';
}

/** Test and demo controls; each also exists under `/_sim/…` over HTTP. */
export interface CustomSimulatorControls {
  /** Edits contacts as an agent would (always moving `updated_at`) and notifies; returns their ids. */
  modifyContacts(options: ModifyContactsOptions): string[];
  /** Creates a contact as if entered in the CRM (`contact.created`); returns its id. */
  createContact(input: Record<string, unknown>): string;
  /** Archives a contact (still listed, `archived: true`; `contact.updated`). False when not found. */
  archiveContact(id: string): boolean;
  /** Deletes a contact (404 from then on; `contact.deleted`). False when not found. */
  deleteContact(id: string): boolean;
  /** Records an activity in the CRM (`activity.created`); returns its id. */
  createActivity(options: CreateActivityOptions): string;
  /** Moves an activity on (a viewing completed, an offer accepted; `activity.updated`). False when not found. */
  setActivityStatus(id: string, status: string): boolean;
  /** Standing faults; merges with current settings. */
  setFaults(settings: Partial<FaultSettings>): void;
  /** Removes every request fault, lost-response fault and revocation. */
  clearFaults(): void;
  /** The next `count` matching API requests answer `status`. */
  failNext(count: number, status: number, match?: FaultMatch): void;
  /** The next `count` matching API requests are handled but their answer is lost (connection destroyed). */
  loseNextResponse(count: number, match?: FaultMatch): void;
  setWebhookFaults(faults: Partial<WebhookDeliveryFaults>): void;
  /** Requests with the key then fail with 401 (default: the first key), as after `POST /v1/auth/revoke`. */
  revokeApiKey(label?: string): void;
  /** Un-revokes the key, however it was revoked (this control or `POST /v1/auth/revoke`). */
  restoreApiKey(label?: string): void;
  /** Moves the simulator clock (timestamps of later writes, idempotency retention, rate windows). */
  advanceClock(milliseconds: number): void;
  /** Back to the initial state: data regenerated; subscriptions, idempotency keys, faults, logs and clock cleared. */
  reset(): void;
}

export interface PlantedDuplicateContact {
  contactId: string;
  duplicateOfContactId: string;
  personKey: string;
  variations: readonly string[];
}

export interface CustomSimulator {
  readonly app: Express;
  /** Starts an HTTP server (port 0 = any free port). The API lives under `${url}/v1`. */
  listen(port?: number, host?: string): Promise<RunningServer>;
  readonly controls: CustomSimulatorControls;
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  readonly clock: SimulatorClock;
  /** Labels and scopes of the accepted keys (never the keys). */
  readonly apiKeys: ReadonlyArray<{ label: string; scopes: readonly CustomScope[] }>;
  /**
   * Whether the key (default: the first) is revoked, by `POST /v1/auth/revoke` or
   * `controls.revokeApiKey`; `restoreApiKey`, `clearFaults` and `reset` un-revoke it.
   */
  isApiKeyRevoked(label?: string): boolean;
  readonly account: { id: string; name: string };
  /** Contacts a full listing returns (archived included, deleted excluded). */
  contactCount(): number;
  /** Their ids, in creation order. */
  contactIds(): string[];
  /** The contact as GET /contacts/{id} returns it. */
  getContact(id: string): JsonObject | undefined;
  /** The generated people behind the contacts (index i is contact seq i + 1). */
  people(): readonly UkPerson[];
  plantedDuplicates(): PlantedDuplicateContact[];
  namesakes(): Array<{ contactIds: [string, string]; forename: string; surname: string }>;
  /** Activities as the API renders them, in creation order. */
  activities(filter?: { contactId?: string; source?: 'crm' | 'api' }): JsonObject[];
  /** What integrations wrote back for a contact: its `source: api` activities. */
  writeBackRecords(contactId: string): JsonObject[];
  /** GET /contacts/{id}/nurture. */
  nurture(contactId: string): JsonObject | undefined;
  /** Webhook subscriptions (without secrets). */
  webhooks(): JsonObject[];
  webhookAttempts(): WebhookAttempt[];
  /** Resolves once every queued webhook is delivered or given up (retries included). */
  webhooksIdle(): Promise<void>;
  /**
   * Signs a body the way deliveries are signed (Standard Webhooks), e.g. to replay a delivery or
   * forge a stale one: `timestampSeconds` defaults to now.
   */
  signWebhook(options: {
    secret: string;
    body: string;
    messageId?: string;
    timestampSeconds?: number;
  }): Record<string, string>;
  /**
   * A `contact.updated` delivery for the contact as it is now, signed with `secret` (a
   * subscription's) and `timestampOffsetSeconds` from now: what a receiver would get.
   */
  signedContactWebhook(options: { contactId: string; secret: string; timestampOffsetSeconds?: number }): {
    headers: Record<string, string>;
    rawBody: string;
  };
  /** Stops servers started with `listen` and cancels pending webhook work. */
  close(): Promise<void>;
}

interface ApiKeyEntry extends ResolvedApiKey {
  key: string;
}

function anchorOf(option: CustomSimulatorOptions['dataAnchor'], now: number): number {
  if (option === undefined) return Math.floor(now / 86_400_000) * 86_400_000;
  const ms =
    option instanceof Date ? option.getTime() : typeof option === 'string' ? Date.parse(option) : option;
  if (Number.isNaN(ms)) throw new RangeError('dataAnchor is not a valid date');
  return ms;
}

function resolveKeys(keys: readonly CustomApiKey[]): ApiKeyEntry[] {
  if (keys.length === 0) throw new RangeError('at least one API key is required');
  const entries = keys.map((key, i) => ({
    key: key.key,
    label: key.label ?? (key.key === CUSTOM_DEMO_API_KEY ? 'demo' : `key-${i + 1}`),
    scopes: new Set<CustomScope>(key.scopes ?? CUSTOM_SCOPES),
  }));
  if (new Set(entries.map((entry) => entry.label)).size !== entries.length)
    throw new RangeError('API key labels must be unique');
  if (new Set(entries.map((entry) => entry.key)).size !== entries.length)
    throw new RangeError('API keys must be unique');
  return entries;
}

const LIMIT_DETAILS = {
  window: (limit: number) =>
    `At most ${limit} requests per second are allowed per API key: wait for Retry-After`,
  concurrency: (limit: number) => `At most ${limit} concurrent requests are allowed per API key`,
  daily: (limit: number) => `The daily limit of ${limit} requests has been reached`,
} as const;

let openApiDocument: string | null | undefined;
/** The contract, served at `/v1/openapi.yaml`; null when the repository's docs are not beside the code. */
function loadOpenApiDocument(): string | null {
  if (openApiDocument === undefined) {
    try {
      openApiDocument = readFileSync(
        new URL('../../docs/openapi/propsync-custom-crm.yaml', import.meta.url),
        'utf8',
      );
    } catch {
      openApiDocument = null;
    }
  }
  return openApiDocument;
}

/**
 * The reference implementation of Propsync's open CRM API (docs/openapi/propsync-custom-crm.yaml):
 * bearer API keys with scopes, keyset-paged contacts and activities with `updated_since` filters,
 * ETag/If-Match, Idempotency-Key write-back, Standard Webhooks, rate limits with RateLimit
 * headers, fault injection and a control surface under `/_sim`.
 */
export function createCustomSimulator(options: CustomSimulatorOptions = {}): CustomSimulator {
  const seed = options.seed ?? 1;
  const contactCount = options.contactCount ?? 1000;
  const keys = resolveKeys(options.apiKeys ?? [{ key: CUSTOM_DEMO_API_KEY }]);
  const keysByValue = new Map(keys.map((entry) => [entry.key, entry]));
  const account = {
    id: `acc_${mixSeed(seed, 'custom-account').toString(16).padStart(8, '0')}`,
    name: options.accountName ?? 'Propsync Demo Estates',
    timezone: 'Europe/London',
  };
  const clock = createSimulatorClock(options.now ?? Date.now);
  const anchor = anchorOf(options.dataAnchor, clock.now());
  const faults = new FaultControls({ seed: mixSeed(seed, 'faults') });
  const lostResponses = new LostResponses();
  const requestLog = new RequestLog({
    now: clock.now,
    ...(options.requestLogLimit === undefined ? {} : { maxEntries: options.requestLogLimit }),
  });
  const rateLimiter = new CustomRateLimiter(
    options.rateLimits === false ? null : { ...CUSTOM_RATE_LIMITS, ...options.rateLimits },
    clock.now,
  );
  const idempotency = new IdempotencyStore({ now: clock.now, retentionMs: CUSTOM_IDEMPOTENCY_RETENTION_MS });
  const retryScale = options.webhookRetryScale ?? 1;
  const webhooks = new CustomWebhooks({
    retryDelaysMs: CUSTOM_WEBHOOK_RETRY_DELAYS_MS.map((delay) => Math.max(0, Math.round(delay * retryScale))),
    timeoutMs: options.webhookTimeoutMs ?? CUSTOM_WEBHOOK_TIMEOUT_MS,
    seed: mixSeed(seed, 'webhooks'),
    now: clock.now,
  });
  const buildDataset = () =>
    new CustomDataset({
      seed,
      contactCount,
      anchor,
      ...(options.duplicateRate === undefined ? {} : { duplicateRate: options.duplicateRate }),
    });
  const engine = new CustomEngine({ clock, webhooks, dataset: buildDataset() });
  let controlRandom = new SeededRandom(mixSeed(seed, 'controls'));

  const contactFor = (id: string): ContactRecord => {
    const record = engine.dataset.contactById(id);
    if (record === undefined) throw new RangeError(`contact ${id} not found`);
    return record;
  };
  const labelOf = (label?: string): string => {
    const entry = label === undefined ? keys[0] : keys.find((candidate) => candidate.label === label);
    if (entry === undefined) throw new RangeError(`unknown API key ${label}`);
    return entry.label;
  };

  const controls: CustomSimulatorControls = {
    modifyContacts(modify) {
      const fields =
        modify.fields === undefined
          ? undefined
          : (ControlContactChangeSchema.parse(modify.fields) as ContactChange);
      const records =
        modify.ids !== undefined
          ? modify.ids.map(contactFor)
          : pickContacts(engine.dataset, modify.count ?? 1, controlRandom);
      engine.changeContacts(
        records,
        (record) => ({
          ...(modify.randomChange ? randomChange(engine.dataset, record, controlRandom) : {}),
          ...fields,
        }),
        true,
      );
      return records.map((record) => record.id);
    },
    createContact(input) {
      return engine.createContact(ControlContactCreateSchema.parse(input) as ContactChange).id;
    },
    archiveContact(id) {
      const record = engine.dataset.contactById(id);
      if (record === undefined) return false;
      engine.changeContacts([record], () => ({ archived: true }), true);
      return true;
    },
    deleteContact(id) {
      const record = engine.dataset.contactById(id);
      if (record === undefined) return false;
      engine.deleteContact(record);
      return true;
    },
    createActivity(activity) {
      return engine.addActivity(
        activityInput(engine.dataset, contactFor(activity.contactId), activity, clock.now(), controlRandom),
      ).id;
    },
    setActivityStatus(id, status) {
      const record = engine.dataset.activityById(id);
      if (record === undefined) return false;
      const allowed: readonly string[] = CUSTOM_ACTIVITY_STATUSES[record.type];
      if (!allowed.includes(status))
        throw new RangeError(
          `a ${record.type} cannot be ${status} (allowed: ${allowed.join(', ') || 'none'})`,
        );
      engine.setActivityStatus(record, status);
      return true;
    },
    setFaults: (settings) => faults.configure(settings),
    clearFaults() {
      faults.clear();
      lostResponses.clear();
    },
    failNext: (count, status, match) => faults.failNext(count, status, match),
    loseNextResponse: (count, match) => lostResponses.loseNext(count, match),
    setWebhookFaults: (webhookFaults) => webhooks.setFaults(webhookFaults),
    revokeApiKey: (label) => faults.revokeCredential(labelOf(label)),
    restoreApiKey: (label) => faults.restoreCredential(labelOf(label)),
    advanceClock: (milliseconds) => clock.advance(milliseconds),
    reset() {
      clock.reset();
      faults.clear();
      lostResponses.clear();
      requestLog.clear();
      rateLimiter.reset();
      idempotency.clear();
      webhooks.reset();
      controlRandom = new SeededRandom(mixSeed(seed, 'controls'));
      engine.replaceDataset(buildDataset());
    },
  };

  // The control routes read the simulator object below; they only run once it exists.
  const controlRouter = createCustomControlRouter(() => simulator);
  const app = buildApp({
    engine,
    keysByValue,
    faults,
    lostResponses,
    requestLog,
    rateLimiter,
    idempotency,
    account,
    controlRouter,
    logger: options.logger,
  });
  const servers = new Set<RunningServer>();

  const simulator: CustomSimulator = {
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
    apiKeys: keys.map((entry) => ({ label: entry.label, scopes: [...entry.scopes] })),
    isApiKeyRevoked: (label) => faults.isRevoked(labelOf(label)),
    account: { id: account.id, name: account.name },
    contactCount: () => engine.dataset.contacts.size,
    contactIds: () => [...engine.dataset.contacts.values()].map((record) => record.id),
    getContact(id) {
      const record = engine.dataset.contactById(id);
      return record === undefined ? undefined : renderContact(record, engine.dataset.seed);
    },
    people: () => engine.dataset.people.people,
    plantedDuplicates() {
      const dataset = engine.dataset;
      return dataset.people.duplicates.map((duplicate) => ({
        contactId: dataset.contacts.get(duplicate.index + 1)?.id ?? '',
        duplicateOfContactId: dataset.contacts.get(duplicate.originalIndex + 1)?.id ?? '',
        personKey: duplicate.personKey,
        variations: duplicate.variations,
      }));
    },
    namesakes() {
      const dataset = engine.dataset;
      return dataset.people.namesakes.map((pair) => ({
        contactIds: [
          dataset.contacts.get(pair.firstIndex + 1)?.id ?? '',
          dataset.contacts.get(pair.secondIndex + 1)?.id ?? '',
        ] as [string, string],
        forename: pair.forename,
        surname: pair.surname,
      }));
    },
    activities(filter = {}) {
      const dataset = engine.dataset;
      const seq = filter.contactId === undefined ? null : (dataset.contactById(filter.contactId)?.seq ?? -1);
      const records = seq === null ? [...dataset.activities.values()] : [...dataset.activitiesOf(seq)];
      return records
        .filter((record) => filter.source === undefined || record.source === filter.source)
        .map(renderActivity);
    },
    writeBackRecords: (contactId) => simulator.activities({ contactId, source: 'api' }),
    nurture(contactId) {
      const record = engine.dataset.contactById(contactId);
      return record === undefined ? undefined : engine.renderNurture(record);
    },
    webhooks: () => webhooks.list().map((record) => webhooks.render(record)),
    webhookAttempts: () => webhooks.attempts(),
    webhooksIdle: () => webhooks.idle(),
    signWebhook: ({ secret, body, messageId, timestampSeconds }) =>
      standardWebhookHeaders(
        secret,
        messageId ?? newMessageId(),
        body,
        timestampSeconds ?? Math.floor(Date.now() / 1000),
      ),
    signedContactWebhook({ contactId, secret, timestampOffsetSeconds = 0 }) {
      const record = contactFor(contactId);
      const rawBody = eventBody(
        'contact.updated',
        record.modified,
        renderContact(record, engine.dataset.seed),
      );
      const headers = standardWebhookHeaders(
        secret,
        newMessageId(),
        rawBody,
        Math.floor(Date.now() / 1000) + timestampOffsetSeconds,
      );
      return { headers, rawBody };
    },
    async close() {
      webhooks.reset();
      await Promise.all([...servers].map((server) => server.close()));
      servers.clear();
    },
  };
  return simulator;
}

/** Deterministic pick of `count` distinct, unarchived contacts, in creation order. */
function pickContacts(dataset: CustomDataset, count: number, random: SeededRandom): ContactRecord[] {
  const pool = [...dataset.contacts.values()].filter((record) => record.archivedAt === null);
  if (count >= pool.length) return pool;
  const chosen = new Set<ContactRecord>();
  while (chosen.size < count) chosen.add(random.pick(pool));
  return [...chosen].sort((a, b) => a.seq - b.seq);
}

const NEXT_CONSENT = { granted: 'denied', denied: 'not_asked', not_asked: 'granted' } as const;

/** A plausible edit an agent might make in the CRM; always a real change. */
function randomChange(dataset: CustomDataset, record: ContactRecord, random: SeededRandom): ContactChange {
  const fields = fieldsOf(record, dataset.seed);
  const primaryEmail = fields.emails.find((email) => email.primary) ?? fields.emails[0];
  const primaryPhone = fields.phones.find((phone) => phone.primary) ?? fields.phones[0];
  switch (random.int(0, 5)) {
    case 0: {
      const [local = 'contact', domain = ''] = normaliseEmail(
        primaryEmail?.address ?? `${(fields.first_name ?? 'contact').toLowerCase()}@example.com`,
      ).split('@');
      const domains = EMAIL_DOMAINS.filter((candidate) => candidate !== domain);
      return {
        emails: [
          { address: `${local}@${random.pick(domains)}`, type: 'personal', primary: true },
          ...fields.emails.filter((email) => email !== primaryEmail),
        ],
      };
    }
    case 1: {
      const e164 = primaryPhone === undefined ? null : toE164(primaryPhone.number);
      const number =
        e164 === null
          ? formatPhone(`+447700900${String(random.int(0, 999)).padStart(3, '0')}`, 'national')
          : formatPhone(
              e164,
              random.pick(PHONE_STYLES.filter((style) => formatPhone(e164, style) !== primaryPhone?.number)),
            );
      return {
        phones: [
          { number, type: primaryPhone?.type ?? 'mobile', primary: true },
          ...fields.phones.filter((phone) => phone !== primaryPhone),
        ],
      };
    }
    case 2:
      return { marketing_consent: NEXT_CONSENT[fields.marketing_consent] };
    case 3: {
      const outward = (fields.address?.postcode ?? 'SW11 1AA').split(' ')[0] ?? 'SW11';
      const letters = POSTCODE_UNIT_LETTERS;
      const letter = () => letters[random.int(0, letters.length - 1)] ?? 'A';
      let postcode = fields.address?.postcode ?? null;
      while (postcode === (fields.address?.postcode ?? null))
        postcode = `${outward} ${random.int(1, 9)}${letter()}${letter()}`;
      return {
        address: {
          line1: `${random.int(1, 220)} ${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`,
          line2: null,
          line3: null,
          postcode,
          uprn: null,
        },
      };
    }
    case 4:
      return { last_name: random.pick(SURNAMES.filter((surname) => surname !== fields.last_name)) };
    default: {
      if (fields.applicant === null || fields.applicant.max_budget === null)
        return { marketing_consent: NEXT_CONSENT[fields.marketing_consent] };
      const step = fields.applicant.type === 'buyer' ? 25_000 : 100;
      return {
        applicant: {
          ...fields.applicant,
          max_budget: fields.applicant.max_budget + step * (random.chance(0.5) ? 1 : -1),
        },
      };
    }
  }
}

/** A CRM-side activity from control options, with realistic defaults. */
function activityInput(
  dataset: CustomDataset,
  contact: ContactRecord,
  options: CreateActivityOptions,
  now: number,
  random: SeededRandom,
): Parameters<CustomEngine['addActivity']>[0] {
  const type = options.type;
  const allowed: readonly string[] = CUSTOM_ACTIVITY_STATUSES[type];
  const status =
    options.status ??
    (type === 'viewing' || type === 'valuation' ? 'booked' : type === 'offer' ? 'submitted' : null);
  if (status === null ? allowed.length > 0 : !allowed.includes(status)) {
    throw new RangeError(`a ${type} cannot be ${String(status)} (allowed: ${allowed.join(', ') || 'none'})`);
  }
  const fields = fieldsOf(contact, dataset.seed);
  const appointment = type === 'viewing' || type === 'valuation';
  const startsAt = options.startsAt === undefined ? now + 86_400_000 : new Date(options.startsAt).getTime();
  if (Number.isNaN(startsAt)) throw new RangeError('startsAt is not a valid date');
  const minutes = options.durationMinutes ?? (type === 'valuation' ? 60 : 30);
  const town = fields.address?.town ?? 'London';
  const ownAddress = [fields.address?.line1, fields.address?.town].filter(Boolean).join(', ');
  const property =
    type === 'valuation'
      ? {
          id: `prop_${String(random.int(1, 99_999)).padStart(5, '0')}`,
          address: ownAddress || `1 High Street, ${town}`,
          postcode: fields.address?.postcode ?? null,
        }
      : type === 'viewing' || type === 'offer'
        ? {
            id: `prop_${String(random.int(1, 99_999)).padStart(5, '0')}`,
            address: `${random.int(1, 220)} ${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}, ${town}`,
            postcode: null,
          }
        : null;
  const defaultSubject = {
    viewing: 'Viewing',
    valuation: fields.is_landlord ? 'Lettings valuation' : 'Sales valuation',
    offer: 'Offer',
    call: 'Call',
    email: 'Email',
    note: 'Note',
  }[type];
  return {
    type,
    status,
    contactSeq: contact.seq,
    property,
    startsAt: appointment ? startsAt : null,
    endsAt: appointment ? startsAt + minutes * 60_000 : null,
    amount:
      type === 'offer'
        ? (options.amount ?? Math.round(((fields.applicant?.max_budget ?? 350_000) * 0.95) / 1000) * 1000)
        : null,
    subject: options.subject ?? defaultSubject,
    body: options.body ?? null,
    direction: type === 'call' || type === 'email' ? (options.direction ?? 'inbound') : null,
    source: 'crm',
    externalId: null,
  };
}

interface AppParts {
  engine: CustomEngine;
  keysByValue: Map<string, ApiKeyEntry>;
  faults: FaultControls;
  lostResponses: LostResponses;
  requestLog: RequestLog;
  rateLimiter: CustomRateLimiter;
  idempotency: IdempotencyStore;
  account: { id: string; name: string; timezone: string };
  controlRouter: Router;
  logger: Pick<Logger, 'error'> | undefined;
}

function buildApp(parts: AppParts): Express {
  const { faults, requestLog, rateLimiter } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((_request, response, next) => {
    response.setHeader('X-Request-Id', `req_${randomBytes(8).toString('hex')}`);
    next();
  });
  app.use('/_sim', express.json({ limit: '1mb' }), parts.controlRouter);
  app.use(requestLog.middleware());

  app.get(`${CUSTOM_API_BASE_PATH}/openapi.yaml`, (_request, response) => {
    const document = loadOpenApiDocument();
    if (document === null)
      sendProblem(response, 'not-found', 'The OpenAPI document is not available in this deployment');
    else response.type('application/yaml').send(document);
  });

  const authenticate: RequestHandler = (request, response, next) => {
    const header = request.get('authorization')?.trim() ?? '';
    const match = /^bearer\s+(\S+)$/i.exec(header);
    const entry = match === null ? undefined : parts.keysByValue.get(match[1] as string);
    if (match === null || entry === undefined || faults.isRevoked(entry.label)) {
      response.setHeader(
        'WWW-Authenticate',
        match === null
          ? 'Bearer realm="propsync-open-crm"'
          : 'Bearer realm="propsync-open-crm", error="invalid_token"',
      );
      const detail =
        match === null
          ? 'Send Authorization: Bearer <API key>'
          : entry === undefined
            ? 'The API key is not valid'
            : 'The API key has been revoked';
      sendProblem(response, 'unauthorized', detail);
      return;
    }
    // The handlers get the key's label and scopes, never the key itself.
    response.locals.customApiKey = { label: entry.label, scopes: entry.scopes } satisfies ResolvedApiKey;
    next();
  };

  const limitRate = rateLimiter.middleware({
    keyOf: (_request, response) => (response.locals.customApiKey as ResolvedApiKey).label,
    onLimited: (_request, response, dimension, limit) =>
      sendProblem(response, 'rate-limited', LIMIT_DETAILS[dimension](limit)),
  });

  app.use(
    authenticate,
    limitRate,
    parts.lostResponses.middleware(),
    faultMiddleware(faults, {
      sendError: (_request, response, status) => sendProblem(response, status, 'Injected fault'),
    }),
    express.json({
      type: ['application/json', 'application/merge-patch+json', 'application/*+json'],
      limit: '1mb',
    }),
  );
  app.use(
    CUSTOM_API_BASE_PATH,
    createCustomApiRouter({
      engine: parts.engine,
      idempotency: parts.idempotency,
      account: parts.account,
      // The same mark `controls.revokeApiKey` sets, so `restoreApiKey` (and the harness) undoes it.
      revokeApiKey: (label) => faults.revokeCredential(label),
    }),
  );
  app.use((request, response) =>
    sendProblem(response, 'not-found', `No route for ${request.method} ${request.path}`),
  );

  const handleErrors: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (response.headersSent) return;
    if (error instanceof BadRequestError) {
      sendProblem(response, 'invalid-request', error.message);
      return;
    }
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      sendProblem(response, 'invalid-request', 'The request body is not valid JSON');
      return;
    }
    if (type === 'entity.too.large') {
      sendProblem(response, 'payload-too-large', 'Request bodies are limited to 1 MB');
      return;
    }
    parts.logger?.error({ err: error }, 'custom CRM simulator: unexpected error');
    sendProblem(response, 'internal');
  };
  app.use(handleErrors);
  return app;
}

export type { CustomApiKey, CustomRateLimits, CustomScope };
