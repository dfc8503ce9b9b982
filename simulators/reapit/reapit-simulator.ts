import { randomUUID } from 'node:crypto';
import express, {
  type Express,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { z } from 'zod';
import { appointmentControlShape, appointmentSlot, offerControlShape } from '../toolkit/activity-controls.ts';
import type { RunningServer } from '../toolkit/app-listener.ts';
import { created, mountControlRoutes } from '../toolkit/control-routes.ts';
import { mountCredentialControls } from '../toolkit/credential-controls.ts';
import {
  CountSchema,
  mountContactControls,
  tenantOf,
  type ModifyContactsOptions as ToolkitModifyOptions,
} from '../toolkit/control-inputs.ts';
import {
  defineSimulator,
  defined,
  type Simulator,
  type SimulatorOptions,
} from '../toolkit/define-simulator.ts';
import { rateLimitMiddleware, type RateLimitConfig } from '../toolkit/rate-limiter.ts';
import type { SeededRandom } from '../toolkit/seeded-random.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import { emailElsewhere, movedAddress, pickDistinct, restyledPhone } from '../toolkit/random-edits.ts';
import {
  plantedContacts,
  type NamesakeContacts,
  type PlantedDuplicateContact,
  type UkPerson,
} from '../toolkit/uk-people.ts';
import { createReapitApiRouter, type ReapitCallContext } from './reapit-api.routes.ts';
import { ReapitAuth } from './reapit-auth.ts';
import { ReapitOAuth, type ReapitTokenStats } from './reapit-oauth.ts';
import { createReapitOAuthRouter } from './reapit-oauth.routes.ts';
import {
  REAPIT_API_VERSION,
  REAPIT_DEMO_CLIENT,
  REAPIT_OFFER_STATUSES,
  REAPIT_RATE_LIMITS,
  REAPIT_WEBHOOK_RETRY_DELAYS_MS,
  REAPIT_WEBHOOK_TIMEOUT_MS,
  type ReapitClientCredentials,
  type ReapitRateLimits,
} from './reapit-constants.ts';
import { renderJournalEntry } from './reapit-activity.model.ts';
import {
  applicantIdOf,
  fieldsOf,
  reapitTime,
  renderContact,
  seqOfId,
  type ContactRecord,
  type JsonObject,
} from './reapit-contact.model.ts';
import { ReapitDataset, type ContactCreate, type ContactPatch } from './reapit-dataset.ts';
import { ContactCreateSchema, ContactPatchSchema, sendError } from './reapit-http.ts';
import { ReapitWebhooks } from './reapit-webhooks.ts';

export interface ReapitSimulatorOptions extends SimulatorOptions {
  /** Apps the simulator accepts (default: {@link REAPIT_DEMO_CLIENT}). The first app's customer is the default customer. */
  clients?: readonly ReapitClientCredentials[];
  /** Access token lifetime (default 3600; fractions allowed). */
  tokenLifetimeSeconds?: number;
  /** Documented limits by default; override parts, or `false` to disable (benchmarks). */
  rateLimits?: Partial<ReapitRateLimits> | false;
  /** How long a webhook receiver may take (default 10 s). */
  webhookTimeoutMs?: number;
}

export type ModifyContactsOptions = ToolkitModifyOptions<ContactPatch, { customerId?: string }>;

const AppointmentSchema = z.object({
  ...appointmentControlShape,
  /** `VW` viewing (default for applicants) or `VL` valuation (default otherwise). */
  typeId: z.string().min(1).optional(),
  attended: z.enum(['notSet', 'noShow', 'attended']).optional(),
});
const AppointmentEditSchema = z.object({
  attended: z.enum(['notSet', 'noShow', 'attended']).optional(),
  cancelled: z.boolean().optional(),
  confirmed: z.boolean().optional(),
});
const OfferEditSchema = z.object({
  status: z.enum(REAPIT_OFFER_STATUSES).optional(),
  amount: z.number().positive().optional(),
});
const OfferSchema = z.object({ ...offerControlShape, status: z.enum(REAPIT_OFFER_STATUSES).optional() });
const JournalEntriesSchema = z.object({
  contactId: z.string().min(1),
  count: CountSchema,
  typeId: z.string().min(1).optional(),
  description: z.string().optional(),
});

/** Whose data a control changes (default: the first client's customer). */
interface ForCustomer {
  customerId?: string;
}

export type CreateAppointmentOptions = z.infer<typeof AppointmentSchema> & ForCustomer;
export type CreateOfferOptions = z.infer<typeof OfferSchema> & ForCustomer;
export type UpdateAppointmentOptions = z.infer<typeof AppointmentEditSchema> & ForCustomer & { id: string };
export type UpdateOfferOptions = z.infer<typeof OfferEditSchema> & ForCustomer & { id: string };
export type AddJournalEntriesOptions = z.infer<typeof JournalEntriesSchema> & ForCustomer;

/** Test and demo data controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`. */
export interface ReapitSimulatorControls {
  /** Modifies contacts (bumping modified and _eTag) and sends the webhooks; returns their ids. */
  modifyContacts(options: ModifyContactsOptions): string[];
  /** Creates a contact as if entered in AgencyCloud (sends contacts.created); returns its id. */
  createContact(input: ContactCreate, options?: { customerId?: string }): string;
  /** Archives a contact (sets archivedOn; webhook `new` is null). False when not found. */
  archiveContact(id: string, options?: { customerId?: string }): boolean;
  /** Removes a contact entirely (GET answers 404). False when not found. */
  deleteContact(id: string, options?: { customerId?: string }): boolean;
  /** Books an appointment for a contact (sends appointments.created); returns its id. */
  createAppointment(options: CreateAppointmentOptions): string;
  /**
   * Records an offer by a contact (sends offers.created); returns its id. A contact with no
   * applicant role is registered as a buyer first, as an agent would.
   */
  createOffer(options: CreateOfferOptions): string;
  /** Edits an appointment (attendance, cancellation, confirmation): sends appointments.modified. */
  updateAppointment(options: UpdateAppointmentOptions): void;
  /** Edits an offer (status, amount): sends offers.modified, and offers.accepted… on a status change. */
  updateOffer(options: UpdateOfferOptions): void;
  /**
   * Journal entries against a contact as negotiators (or other apps) would write them, created now
   * (default type `EM`, an email): a long history for write-back checks to search through.
   */
  addJournalEntries(options: AddJournalEntriesOptions): void;
  /**
   * Every access token issued so far expires now (the data clock does not move). Refresh tokens
   * stay valid, so authorization-code clients can refresh; advance the clock 30 days to expire them.
   */
  expireTokens(): void;
  /** Token requests and existing tokens of the client (refresh tokens included) then fail with 401. */
  revokeClient(clientId: string): void;
  restoreClient(clientId: string): void;
}

export interface SignedWebhookOptions {
  contactId: string;
  timestampOffsetSeconds?: number;
  /** The app whose key signs (default: the first client). */
  clientId?: string;
  customerId?: string;
}

/** The simulator listening: `url` is the API host, `connectUrl` Reapit Connect's (another host, as at Reapit). */
export interface RunningReapitSimulator extends RunningServer {
  connectUrl: string;
  connectPort: number;
}

/** What the Reapit simulator adds to the toolkit's simulator. */
export interface ReapitSimulatorState {
  /** Reapit Connect, the authorisation server (authorize, token, revoke); 404 to API calls. `app` is the API host. */
  readonly connectApp: Express;
  /** Starts the API and Reapit Connect on two listeners (port 0 = any free port). */
  listen(port?: number, host?: string, connectPort?: number): Promise<RunningReapitSimulator>;
  readonly clients: readonly ReapitClientCredentials[];
  readonly defaultCustomerId: string;
  /** Access and refresh tokens that are usable now, and those revoked (also `GET /_sim/tokens`). */
  tokenStats(): ReapitTokenStats;
  contactCount(customerId?: string): number;
  /** Contact ids in creation order. */
  contactIds(customerId?: string): string[];
  /** The ContactModel as GET /contacts/{id} would return it (relationships included). */
  getContact(id: string, customerId?: string): JsonObject | undefined;
  /** The generated people behind the contacts (index i is contact seq i + 1). */
  people(customerId?: string): readonly UkPerson[];
  plantedDuplicates(customerId?: string): PlantedDuplicateContact[];
  /** Pairs of different contacts that share a full name. */
  namesakes(customerId?: string): NamesakeContacts[];
  journalEntries(customerId?: string): JsonObject[];
  resthooks(customerId?: string): JsonObject[];
  /**
   * A `contacts.modified` notification for a contact, signed as a delivery would be, without
   * sending it: for testing receivers directly. `timestampOffsetSeconds` back-dates the signature.
   */
  signedContactWebhook(options: SignedWebhookOptions): { headers: Record<string, string>; rawBody: string };
  /**
   * Signs any body as a delivery of an app would be (default: the first app). Reapit signs every
   * customer's deliveries with the app's one key, so this also forges nothing: it is what a
   * delivery for another customer of the same app looks like.
   */
  signWebhookBody(
    rawBody: string,
    options?: { clientId?: string; timestampOffsetSeconds?: number },
  ): Record<string, string>;
  /** Public signing key of an app (default: the first), as GET /webhooks/signing/{kid} serves it. */
  signingKey(clientId?: string): { kid: string; x: string };
}

export type ReapitSimulator = Simulator<ReapitSimulatorState, ReapitSimulatorControls>;

function rateLimitConfig(limits: Partial<ReapitRateLimits> | false | undefined): {
  config: RateLimitConfig | false;
  limits: ReapitRateLimits | null;
} {
  if (limits === false) return { config: false, limits: null };
  const merged = { ...REAPIT_RATE_LIMITS, ...limits };
  return {
    config: {
      windows: [{ limit: merged.requestsPerSecond, windowMs: 1000 }],
      maxConcurrent: merged.maxConcurrent,
      dailyLimit: merged.requestsPerDay,
    },
    limits: merged,
  };
}

const LIMIT_DESCRIPTIONS = {
  window: (limit: number) => `Too many requests: the limit is ${limit} requests per second`,
  concurrency: (limit: number) =>
    `Too many requests: at most ${limit} concurrent requests per customer are allowed`,
  daily: (limit: number) => `Too many requests: the daily limit of ${limit} requests has been reached`,
} as const;

const BEARER_REFUSALS = {
  missing: 'An Authorization: Bearer <access token> header is required',
  unknown: 'The access token is not valid',
  expired: 'The access token has expired',
  revoked: 'The access token has been revoked',
} as const;

/** The customer a control request names (query or body). */
const customerOf = (request: Request) => tenantOf(request, 'customerId');

/**
 * An in-process Reapit Foundations API: OAuth client credentials and authorization code (PKCE,
 * rotating refresh tokens, revocation), contacts with paging, filters, eTags and relationships,
 * appointments, offers, journal entries, resthooks with Ed25519-signed webhooks, documented rate
 * limits, fault injection and a control surface under `/_sim`. Two hosts, as Reapit has: the API
 * (`app`) and Reapit Connect (`connectApp`); each answers 404 to the other's paths, so a client that
 * asks the wrong host fails as it would there.
 */
export const createReapitSimulator = defineSimulator<
  ReapitSimulatorOptions,
  ReapitSimulatorState,
  ReapitSimulatorControls
>({
  crm: 'reapit',
  build(kit) {
    const { options, clock, faults } = kit;
    const clients = (options.clients ?? [REAPIT_DEMO_CLIENT]).map((client) => ({ ...client }));
    const firstClientId = clients[0]?.clientId;
    if (firstClientId === undefined) throw new RangeError('at least one client is required');
    const { config: limitConfig, limits } = rateLimitConfig(options.rateLimits);
    const rateLimiter = kit.rateLimiter(limitConfig);
    const auth = new ReapitAuth({
      clients,
      now: clock.now,
      faults,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    });
    const oauth = new ReapitOAuth({ auth, now: clock.now });
    const dispatcher = kit.webhookDispatcher({
      retryDelaysMs: REAPIT_WEBHOOK_RETRY_DELAYS_MS,
      // Reapit never retries after a 4xx (it reads one as a misconfigured receiver).
      shouldRetry: (status) => status === null || status >= 500,
      timeoutMs: options.webhookTimeoutMs ?? REAPIT_WEBHOOK_TIMEOUT_MS,
    });
    const webhooks = new ReapitWebhooks({ auth, dispatcher, now: clock.now });
    const customers = kit.tenantDatasets({
      tenants: clients.map((client) => client.customerId),
      noun: 'customer',
      build: (customerId, seed) => new ReapitDataset({ customerId, ...seed }, { clock, webhooks }),
    });
    const defaultCustomerId = customers.defaultTenant;
    kit.onReset(() => {
      webhooks.reset();
      auth.revokeAllTokens();
      oauth.reset();
    });

    const datasetFor = (customerId?: string): ReapitDataset => customers.get(customerId);
    const contactFor = (dataset: ReapitDataset, id: string): ContactRecord => {
      const record = dataset.contactById(id);
      if (record === undefined)
        throw new RangeError(`contact ${id} not found for customer ${dataset.customerId}`);
      return record;
    };

    const plantedOf = (customerId?: string) => {
      const dataset = datasetFor(customerId);
      return plantedContacts(dataset.people, (index) => dataset.contacts.get(index + 1)?.id);
    };
    const controls: ReapitSimulatorControls = {
      modifyContacts(modify) {
        const dataset = datasetFor(modify.customerId);
        const fields =
          modify.fields === undefined ? undefined : (ContactPatchSchema.parse(modify.fields) as ContactPatch);
        const records =
          modify.ids !== undefined
            ? modify.ids.map((id) => contactFor(dataset, id))
            : pickContacts(dataset, modify.count ?? 1, kit.controlRandom());
        dataset.patchContacts(records, (record) => ({
          ...(modify.randomChange ? randomChange(dataset, record, kit.controlRandom()) : {}),
          ...fields,
        }));
        return records.map((record) => record.id);
      },
      createContact(input, createOptions) {
        const dataset = datasetFor(createOptions?.customerId);
        return dataset.createContact(ContactCreateSchema.parse(input) as ContactCreate).id;
      },
      archiveContact(id, archiveOptions) {
        const dataset = datasetFor(archiveOptions?.customerId);
        const record = dataset.contactById(id);
        if (record === undefined) return false;
        dataset.archiveContact(record);
        return true;
      },
      deleteContact(id, deleteOptions) {
        const dataset = datasetFor(deleteOptions?.customerId);
        const record = dataset.contactById(id);
        if (record === undefined) return false;
        dataset.deleteContact(record);
        return true;
      },
      createAppointment(appointment) {
        const dataset = datasetFor(appointment.customerId);
        const contact = contactFor(dataset, appointment.contactId);
        const applicantId = applicantIdOf(contact);
        const typeId = appointment.typeId ?? (applicantId !== null ? 'VW' : 'VL');
        const attendAsApplicant = typeId === 'VW' && applicantId !== null;
        return dataset.addAppointment({
          ...appointmentSlot(appointment, typeId === 'VL' ? 60 : 30, clock.now()),
          typeId,
          description: typeId === 'VW' ? 'Viewing' : typeId === 'VL' ? 'Valuation' : 'Appointment',
          propertyId: appointment.propertyId ?? 'RPT1000001',
          negotiatorId: fieldsOf(contact, dataset.seed).negotiatorIds[0] ?? 'JAS',
          officeId: fieldsOf(contact, dataset.seed).officeIds[0] ?? 'RPT',
          attendeeType: attendAsApplicant ? 'applicant' : 'contact',
          attendeeId: attendAsApplicant ? applicantId : contact.id,
          contactSeq: contact.seq,
          cancelled: false,
          attended: appointment.attended ?? 'notSet',
          confirmed: true,
          virtual: false,
        }).id;
      },
      createOffer(offer) {
        const dataset = datasetFor(offer.customerId);
        const contact = contactFor(dataset, offer.contactId);
        if (applicantIdOf(contact) === null) dataset.registerBuyer(contact);
        const applicantId = applicantIdOf(contact)!;
        return dataset.addOffer({
          applicantId,
          contactSeq: contact.seq,
          propertyId: offer.propertyId ?? 'RPT1000001',
          amount: offer.amount ?? 350_000,
          status: offer.status ?? 'pending',
          date: new Date(clock.now()).toISOString().slice(0, 10),
          negotiatorId: fieldsOf(contact, dataset.seed).negotiatorIds[0] ?? 'JAS',
        }).id;
      },
      updateAppointment({ id, customerId, ...edit }) {
        const dataset = datasetFor(customerId);
        const seq = seqOfId('appointment', id);
        const record = seq === null ? undefined : dataset.appointments.get(seq);
        if (record === undefined) throw new RangeError(`no appointment ${id}`);
        dataset.updateAppointment(record, defined(AppointmentEditSchema.parse(edit)));
      },
      updateOffer({ id, customerId, ...edit }) {
        const dataset = datasetFor(customerId);
        const seq = seqOfId('offer', id);
        const record = seq === null ? undefined : dataset.offers.get(seq);
        if (record === undefined) throw new RangeError(`no offer ${id}`);
        dataset.updateOffer(record, defined(OfferEditSchema.parse(edit)));
      },
      addJournalEntries(options) {
        const dataset = datasetFor(options.customerId);
        const contact = contactFor(dataset, options.contactId);
        for (let i = 1; i <= options.count; i++) {
          dataset.addJournalEntry({
            typeId: options.typeId ?? 'EM',
            associatedType: 'contact',
            associatedId: contact.id,
            associatedName: dataset.associatedName('contact', contact.id) ?? '',
            propertyId: null,
            negotiatorId: fieldsOf(contact, dataset.seed).negotiatorIds[0] ?? null,
            description: options.description ?? `Email to the applicant (${i} of ${options.count})`,
          });
        }
      },
      expireTokens: () => auth.expireAllTokens(),
      revokeClient: (clientId) => faults.revokeCredential(clientId),
      restoreClient: (clientId) => faults.restoreCredential(clientId),
    };

    const state: ReapitSimulatorState = {
      get connectApp() {
        return kit.app('connect');
      },
      async listen(port = 0, host = '127.0.0.1', connectPort = 0) {
        const api = await kit.listen(undefined, port, host);
        const connect = await kit.listen('connect', connectPort, host).catch(async (error: unknown) => {
          await api.close();
          throw error;
        });
        return {
          ...api,
          connectUrl: connect.url,
          connectPort: connect.port,
          close: async () => {
            await Promise.all([api.close(), connect.close()]);
          },
        };
      },
      clients: clients.map((client) => ({ ...client })),
      defaultCustomerId,
      tokenStats: () => oauth.tokenStats(),
      contactCount: (customerId) => datasetFor(customerId).contacts.size,
      contactIds: (customerId) =>
        [...datasetFor(customerId).contacts.byCreated.items].map((record) => record.id),
      getContact(id, customerId) {
        const dataset = datasetFor(customerId);
        const record = dataset.contactById(id);
        return record === undefined
          ? undefined
          : renderContact(record, { seed: dataset.seed, relationships: true });
      },
      people: (customerId) => datasetFor(customerId).people.people,
      plantedDuplicates: (customerId) => plantedOf(customerId).duplicates,
      namesakes: (customerId) => plantedOf(customerId).namesakes,
      journalEntries: (customerId) =>
        [...datasetFor(customerId).journal.byCreated.items].map(renderJournalEntry),
      resthooks: (customerId) =>
        webhooks.list(customerId ?? defaultCustomerId).map((hook) => webhooks.render(hook)),
      signedContactWebhook(webhook) {
        const dataset = datasetFor(webhook.customerId);
        const record = contactFor(dataset, webhook.contactId);
        const snapshot = renderContact(record, { seed: dataset.seed, forWebhook: true });
        const rawBody = JSON.stringify({
          eventId: randomUUID(),
          entityId: record.id,
          customerId: dataset.customerId,
          eventTime: reapitTime(clock.now()),
          topicId: 'contacts.modified',
          new: snapshot,
          old: snapshot,
          diff: {},
        });
        return { headers: state.signWebhookBody(rawBody, webhook), rawBody };
      },
      signWebhookBody(rawBody, options = {}) {
        const clientId = options.clientId ?? firstClientId;
        const timestamp = Math.floor(Date.now() / 1000) + (options.timestampOffsetSeconds ?? 0);
        return {
          'content-type': 'application/json',
          'x-signature': auth.signatureHeader(clientId, rawBody, timestamp),
        };
      },
      signingKey(clientId) {
        const key = auth.signingKeyFor(clientId ?? firstClientId);
        if (key === undefined) throw new RangeError(`unknown client ${clientId}`);
        return { kid: key.kid, x: key.x };
      },
    };

    const refuse = (response: Response, status: number, message: string) =>
      sendError(response, status, clock.now(), message);
    const authenticate: RequestHandler = (request, response, next) => {
      const check = auth.checkBearer(request.get('authorization'));
      if (!check.ok) return refuse(response, 401, BEARER_REFUSALS[check.reason]);
      const customerHeader = request.get('reapit-customer')?.trim();
      // The signing-key endpoint is per app, not per customer.
      if (!request.path.startsWith('/webhooks/signing/')) {
        if (!customerHeader)
          return refuse(response, 400, 'The reapit-customer header is required for client credentials apps');
        if (customerHeader !== check.client.customerId)
          return refuse(response, 403, `This app is not installed for customer ${customerHeader}`);
      }
      const dataset = customers.byKey.get(check.client.customerId);
      if (dataset === undefined)
        return refuse(response, 403, `This app is not installed for customer ${check.client.customerId}`);
      const context: ReapitCallContext = { client: check.client, dataset, now: clock.now() };
      response.locals.reapit = context;
      next();
    };

    const limitRate = rateLimitMiddleware(rateLimiter, {
      keyOf: (_request, response) => {
        const { client } = response.locals.reapit as ReapitCallContext;
        const budget =
          limits?.budgetScope === 'application' ? `app:${client.clientId}` : `customer:${client.customerId}`;
        return { window: budget, daily: budget, concurrency: `customer:${client.customerId}` };
      },
      // No Retry-After or rate-limit headers: Reapit documents none.
      onLimited: (_request, response, dimension, limit) =>
        sendError(response, 429, clock.now(), LIMIT_DESCRIPTIONS[dimension](limit)),
    });

    const requireApiVersion: RequestHandler = (request, response, next) => {
      const version = request.get('api-version')?.trim();
      if (request.path.startsWith('/webhooks/signing/') || version === REAPIT_API_VERSION) return next();
      refuse(
        response,
        400,
        version
          ? `api-version ${version} is not supported (use ${REAPIT_API_VERSION})`
          : `The api-version header is required (use ${REAPIT_API_VERSION})`,
      );
    };

    return {
      own: state,
      controls,
      // Reapit stamps every response with an AWS request id.
      requestIdHeader: 'x-amzn-RequestId',
      requestId: () => randomUUID(),
      sendError: (response, status, detail) => sendError(response, status, clock.now(), detail),
      messages: {
        notFound: (request) => `No route for ${request.method} ${request.path} on the Reapit API`,
        invalidJson: 'The request body is not valid JSON',
        tooLarge: 'The request is larger than the 6 MB Reapit accepts',
      },
      mount(app, { injectFaults }) {
        // Reapit Connect's endpoints do not exist on the API host (checked before the bearer token).
        app.all(['/token', '/authorize', '/revoke'], (request, response) =>
          sendError(
            response,
            404,
            clock.now(),
            `No route for ${request.method} ${request.path} on the Reapit API: Reapit Connect serves it`,
          ),
        );
        app.use(
          authenticate,
          limitRate,
          injectFaults,
          requireApiVersion,
          express.json({ type: ['application/json', 'application/*+json'], limit: '6mb' }),
          createReapitApiRouter({ now: clock.now, auth, webhooks }),
        );
      },
      hosts: {
        // /authorize, /token and /revoke: logged like API calls, but neither bearer-checked nor rate limited.
        connect: {
          mount: (app, { injectFaults }) => app.use(createReapitOAuthRouter({ oauth, injectFaults })),
          notFound: (request) => `No route for ${request.method} ${request.path} on Reapit Connect`,
        },
      },
      describe(request) {
        const customerId = customerOf(request).customerId ?? defaultCustomerId;
        return {
          customers: [...new Set(clients.map((client) => client.customerId))],
          clients: clients.map((client) => ({ clientId: client.clientId, customerId: client.customerId })),
          customerId,
          contactCount: state.contactCount(customerId),
          plantedDuplicates: state.plantedDuplicates(customerId).length,
          resthooks: state.resthooks(customerId).length,
        };
      },
      controlRoutes: (router) => mountReapitControls(router, controls, state),
    };
  },
});

/** Reapit's own `/_sim` routes: contacts, appointments, offers, journal, tokens and clients. */
function mountReapitControls(
  router: Router,
  controls: ReapitSimulatorControls,
  state: ReapitSimulatorState,
): void {
  mountContactControls(router, {
    scopeOf: customerOf,
    create(body, customer) {
      const { customerId: _customerId, ...input } = body;
      return controls.createContact(input as ContactCreate, customer);
    },
    modify: (request, customer) =>
      controls.modifyContacts({ ...request, ...customer } as ModifyContactsOptions),
    archive: (id, customer) => controls.archiveContact(id, customer),
    remove: (id, customer) => controls.deleteContact(id, customer),
  });
  mountCredentialControls(router, '/clients/:clientId', {
    revoke: controls.revokeClient,
    restore: controls.restoreClient,
  });
  mountControlRoutes(router, {
    'POST /appointments': created((request) => ({
      id: controls.createAppointment({
        ...defined(AppointmentSchema.parse(request.body ?? {})),
        ...customerOf(request),
      }),
    })),
    'POST /offers': created((request) => ({
      id: controls.createOffer({ ...defined(OfferSchema.parse(request.body ?? {})), ...customerOf(request) }),
    })),
    'PATCH /appointments/:id': (request) =>
      controls.updateAppointment({
        ...AppointmentEditSchema.parse(request.body ?? {}),
        ...customerOf(request),
        id: String(request.params.id),
      }),
    'PATCH /offers/:id': (request) =>
      controls.updateOffer({
        ...OfferEditSchema.parse(request.body ?? {}),
        ...customerOf(request),
        id: String(request.params.id),
      }),
    'GET /tokens': () => state.tokenStats(),
    'POST /tokens/expire': () => controls.expireTokens(),
    'POST /journal-entries': (request) =>
      controls.addJournalEntries({
        ...defined(JournalEntriesSchema.parse(request.body ?? {})),
        ...customerOf(request),
      }),
    'GET /journal-entries': (request) => ({ entries: state.journalEntries(customerOf(request).customerId) }),
    'GET /resthooks': (request) => ({ resthooks: state.resthooks(customerOf(request).customerId) }),
    'GET /planted-duplicates': (request) => {
      const { customerId } = customerOf(request);
      return { duplicates: state.plantedDuplicates(customerId), namesakes: state.namesakes(customerId) };
    },
  });
}

/** Deterministic pick of `count` distinct, unarchived contacts. */
function pickContacts(dataset: ReapitDataset, count: number, random: SeededRandom): ContactRecord[] {
  const pool = dataset.contacts.byCreated.items.filter((record) => record.archivedOn === null);
  return pickDistinct(random, pool, count, (a, b) => a.seq - b.seq);
}

const NEXT_CONSENT = { grant: 'deny', deny: 'notAsked', notAsked: 'grant' } as const;

/** A plausible edit an agent might make in AgencyCloud. */
function randomChange(dataset: ReapitDataset, record: ContactRecord, random: SeededRandom): ContactPatch {
  const fields = fieldsOf(record, dataset.seed);
  switch (random.int(0, 4)) {
    case 0:
      return { email: emailElsewhere(random, fields.email, fields.forename) };
    case 1:
      return { mobilePhone: restyledPhone(random, fields.mobilePhone) };
    case 2:
      return { marketingConsent: NEXT_CONSENT[fields.marketingConsent] };
    case 3: {
      const moved = movedAddress(random, fields.primaryAddress?.postcode);
      return {
        primaryAddress: {
          buildingNumber: moved.number,
          buildingName: '',
          line1: moved.street,
          postcode: moved.postcode,
        },
      };
    }
    default:
      return { surname: random.pick(SURNAMES) };
  }
}

export type { ReapitClientCredentials, ReapitRateLimits, ReapitTokenStats };
