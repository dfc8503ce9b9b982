import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { CountSchema, handle } from '../toolkit/control-inputs.ts';
import { mountCredentialControls } from '../toolkit/credential-controls.ts';
import {
  defineSimulator,
  defined,
  type Simulator,
  type SimulatorOptions,
} from '../toolkit/define-simulator.ts';
import type { RunningServer } from '../toolkit/app-listener.ts';
import { dramaMobile, emailAtNewDomain, movedAddress, pickDistinct } from '../toolkit/generated-data.ts';
import { rateLimitMiddleware } from '../toolkit/rate-limiter.ts';
import type { SeededRandom } from '../toolkit/seeded-random.ts';
import type { UkPerson } from '../toolkit/uk-people.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import { LISTED_PROPERTY_BASE, renderNote, type OfferRecord } from './street-activity.model.ts';
import { createStreetApiRouter, type StreetCallContext } from './street-api.routes.ts';
import { StreetAuth } from './street-auth.ts';
import {
  STREET_API_BASE_PATH,
  STREET_DEMO_API_TOKEN,
  STREET_LETTINGS_OFFER_STATUSES,
  STREET_MEDIA_TYPE,
  STREET_RATE_LIMITS,
  STREET_SALES_OFFER_STATUSES,
  STREET_VALUATION_STATUSES,
  STREET_VIEWING_STATUSES,
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
import { StreetDataset, type PersonCreate, type PersonPatch } from './street-dataset.ts';
import { StreetEngine } from './street-engine.ts';
import { JsonApiError, PersonAttributesSchema, sendError } from './street-http.ts';
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
import { StreetWebhooks, standardWebhookHeaders, webhookBody } from './street-webhooks.ts';

export interface StreetSimulatorOptions extends SimulatorOptions {
  /** API tokens the simulator accepts (default: {@link STREET_DEMO_API_TOKEN}). */
  tokens?: readonly StreetApiToken[];
  /** Documented limits by default; override parts, or `false` to disable (benchmarks). */
  rateLimits?: Partial<StreetRateLimits> | false;
  /** How long a webhook receiver may take (default 15 s). */
  webhookTimeoutMs?: number;
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

/** Street's data and token controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`. */
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
  /** Requests with the token then fail with 401, until restored. */
  revokeToken(tokenId: string): void;
  restoreToken(tokenId: string): void;
}

export interface PlantedDuplicatePerson {
  personId: string;
  duplicateOfPersonId: string;
  personKey: string;
  variations: readonly string[];
}

/** What the Street simulator adds to the toolkit's simulator. */
export interface StreetSimulatorState {
  /** Starts an HTTP server (port 0 = any free port). The API is under `${url}/open-api/v1`. */
  listen(port?: number, host?: string): Promise<RunningServer>;
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
}

export type StreetSimulator = Simulator<StreetSimulatorState, StreetSimulatorControls>;

function timeOf(value: number | string | Date | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms)) throw new RangeError('start is not a valid date');
  return ms;
}

const TOKEN_REFUSALS = {
  missing:
    'An Authorization: Bearer <API token> header is required. Tokens are created in Street under Settings → Applications.',
  unknown: 'The API token is not valid.',
  revoked: 'The API token has been revoked.',
} as const;

/** Street's JSON:API errors (any status) in its own document shape. */
const sendJsonApiErrors: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  if (!(error instanceof JsonApiError) || response.headersSent) return next(error);
  response
    .status(error.status)
    .type(STREET_MEDIA_TYPE)
    .send(JSON.stringify({ jsonapi: { version: '1.0' }, errors: error.errors }));
};

/**
 * An in-process Street Open API: bearer tokens, JSON:API people with page-number paging and
 * updated/created filters answered from sorted indexes, PATCH with validation and an optional
 * staleness check, viewings, valuations, offers, notes, Standard Webhooks subscriptions and
 * signed deliveries, the documented read/write rate limits, fault injection, and `/_sim` controls.
 */
export const createStreetSimulator = defineSimulator<
  StreetSimulatorOptions,
  StreetSimulatorState,
  StreetSimulatorControls
>({
  crm: 'street',
  build(kit) {
    const { options, clock, faults, seed } = kit;
    const tokens = (options.tokens ?? [STREET_DEMO_API_TOKEN]).map((token) => ({ ...token }));
    if (tokens.length === 0) throw new RangeError('at least one API token is required');
    const limits = options.rateLimits === false ? null : { ...STREET_RATE_LIMITS, ...options.rateLimits };
    // Two budgets per token, counted apart: GETs and writes never use up each other's allowance.
    const perMinute = (limit: number | undefined) =>
      kit.rateLimiter(limit === undefined ? false : { windows: [{ limit, windowMs: 60_000 }] });
    const budgets = { read: perMinute(limits?.readsPerMinute), write: perMinute(limits?.writesPerMinute) };
    const auth = new StreetAuth({ tokens, faults });
    const dispatcher = kit.webhookDispatcher({
      retryDelaysMs: STREET_WEBHOOK_RETRY_DELAYS_MS,
      // Standard Webhooks senders retry any answer that is not a 2xx.
      shouldRetry: () => true,
      timeoutMs: options.webhookTimeoutMs ?? STREET_WEBHOOK_TIMEOUT_MS,
    });
    const webhooks = new StreetWebhooks({ dispatcher, now: clock.now });
    let dataset = new StreetDataset(kit.datasetSeed());
    let publicBase = `http://127.0.0.1${STREET_API_BASE_PATH}`;
    let listeners = 0;
    const engine = new StreetEngine({
      clock,
      webhooks,
      dataset: () => dataset,
      publicBase: () => publicBase,
    });
    kit.onReset(() => {
      webhooks.reset();
      dataset = new StreetDataset(kit.datasetSeed());
    });

    const personFor = (id: string, withTrashed = false): PersonRecord => {
      const record = dataset.personById(id, { withTrashed });
      if (record === undefined) throw new RangeError(`person ${id} not found`);
      return record;
    };
    const found = <T>(record: T | undefined, what: string, id: string): T => {
      if (record === undefined) throw new RangeError(`${what} ${id} not found`);
      return record;
    };
    const applicantKind = (person: PersonRecord, kind: StreetOfferKind | undefined, purpose: string) => {
      const applicants = fieldsOf(person, seed).applicants;
      const chosen = kind ?? applicants[0];
      if (chosen === undefined || !applicants.includes(chosen))
        throw new RangeError(
          `person ${dataset.personId(person)} has no ${chosen ?? 'sales or lettings'} applicant to ${purpose}`,
        );
      return chosen;
    };
    /** Applies `act` to a found person (that `applies`); false when there is none. */
    const withPerson = (
      record: PersonRecord | undefined,
      act: (record: PersonRecord) => void,
      applies: (record: PersonRecord) => boolean = () => true,
    ): boolean => {
      if (record === undefined || !applies(record)) return false;
      act(record);
      return true;
    };
    const personIdOf = (index: number) => streetUuid(seed, 'person', index + 1);

    const controls: StreetSimulatorControls = {
      modifyPeople(modify) {
        const records =
          modify.ids !== undefined
            ? modify.ids.map((id) => personFor(id))
            : pickDistinct(dataset.persons.byCreated.items, modify.count ?? 1, kit.controlRandom());
        engine.patchPeople(records, (record) => ({
          ...(modify.randomChange ? randomChange(dataset, record, kit.controlRandom()) : {}),
          ...modify.fields,
        }));
        return records.map((record) => dataset.personId(record));
      },
      createPerson: (input) => dataset.personId(engine.createPerson(input)),
      trashPerson: (id) => withPerson(dataset.personById(id), (record) => engine.trashPerson(record)),
      restorePerson: (id) =>
        withPerson(
          dataset.personById(id, { withTrashed: true }),
          (record) => engine.restorePerson(record),
          (record) => record.trashedAt !== null,
        ),
      deletePerson: (id) =>
        withPerson(dataset.personById(id, { withTrashed: true }), (record) => engine.deletePerson(record)),
      createViewing(viewing) {
        const person = personFor(viewing.personId);
        const kind = applicantKind(person, viewing.kind, 'view with');
        const start = timeOf(viewing.start, clock.now() + 86_400_000);
        const record = engine.addViewing({
          personSeq: person.seq,
          applicantKind: kind,
          propertySeq: LISTED_PROPERTY_BASE + kit.controlRandom().int(1, 50_000),
          start,
          end: start + 30 * 60_000,
          status: viewing.status ?? 'unconfirmed',
          cancelledAt: null,
        });
        return streetUuid(seed, 'viewing', record.seq);
      },
      setViewingStatus: (id, status) =>
        engine.setViewingStatus(found(dataset.byId(dataset.viewings, 'viewing', id), 'viewing', id), status),
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
      setValuationStatus: (id, status) =>
        engine.setValuationStatus(
          found(dataset.byId(dataset.valuations, 'valuation', id), 'valuation', id),
          status,
        ),
      createOffer(offer) {
        const person = personFor(offer.personId);
        const kind = applicantKind(person, offer.kind, 'make an offer with');
        const record = engine.addOffer({
          kind,
          personSeq: person.seq,
          propertySeq: LISTED_PROPERTY_BASE + kit.controlRandom().int(1, 50_000),
          amount: offer.amount ?? (kind === 'sales' ? 350_000 : 1_450),
          status: offer.status ?? 'pending',
        });
        return streetUuid(seed, kind === 'sales' ? 'sales_offer' : 'lettings_offer', record.seq);
      },
      setOfferStatus(id, status) {
        const offer: OfferRecord | undefined =
          dataset.byId(dataset.salesOffers, 'sales_offer', id) ??
          dataset.byId(dataset.lettingsOffers, 'lettings_offer', id);
        engine.setOfferStatus(found(offer, 'offer', id), status);
      },
      revokeToken: (tokenId) => faults.revokeCredential(tokenId),
      restoreToken: (tokenId) => faults.restoreCredential(tokenId),
    };

    const state: StreetSimulatorState = {
      async listen(port = 0, host = '127.0.0.1') {
        const running = await kit.listen(undefined, port, host);
        // Webhook payloads link to the first address the simulator listens on.
        if (++listeners === 1) publicBase = `${running.url}${STREET_API_BASE_PATH}`;
        return {
          ...running,
          close: async () => {
            listeners--;
            await running.close();
          },
        };
      },
      tokens: tokens.map((token) => ({ ...token })),
      apiBasePath: STREET_API_BASE_PATH,
      contactCount: () => dataset.persons.size,
      personIds: () => dataset.persons.byCreated.items.map((record) => dataset.personId(record)),
      contactIds: () => state.personIds(),
      getPerson(id, getOptions) {
        const record = dataset.personById(id, { withTrashed: getOptions?.withTrashed ?? false });
        return record === undefined ? undefined : renderPerson(record, engine.context());
      },
      people: () => dataset.people.people,
      plantedDuplicates: () =>
        dataset.people.duplicates.map((duplicate) => ({
          personId: personIdOf(duplicate.index),
          duplicateOfPersonId: personIdOf(duplicate.originalIndex),
          personKey: duplicate.personKey,
          variations: duplicate.variations,
        })),
      namesakes: () =>
        dataset.people.namesakes.map((pair) => ({
          personIds: [personIdOf(pair.firstIndex), personIdOf(pair.secondIndex)] as [string, string],
          firstName: pair.forename,
          lastName: pair.surname,
        })),
      notes(personId) {
        const context = engine.context();
        if (personId === undefined)
          return dataset.notes.byCreated.items.map((note) => renderNote(note, context));
        const record = dataset.personById(personId, { withTrashed: true });
        return record === undefined
          ? []
          : dataset.notesOf(record.seq).map((note) => renderNote(note, context));
      },
      webhookSubscriptions: () =>
        webhooks.list().map((subscription) => webhooks.render(subscription, publicBase)),
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
    };

    const authenticate: RequestHandler = (request, response, next) => {
      const check = auth.check(request.get('authorization'));
      if (!check.ok) return sendError(response, 401, TOKEN_REFUSALS[check.reason]);
      const context: StreetCallContext = { token: check.token, now: clock.now() };
      response.locals.street = context;
      next();
    };
    const limitRate = (budget: keyof typeof budgets) =>
      rateLimitMiddleware(budgets[budget], {
        keyOf: (request, response) =>
          (READ_METHODS.has(request.method) ? 'read' : 'write') === budget
            ? `token:${(response.locals.street as StreetCallContext).token.tokenId}`
            : null,
        onLimited: (request, response, _dimension, limit) => {
          // Retry-After says exactly when the oldest counted request leaves the window.
          const usage = budgets[budget].windowUsage(
            `token:${(response.locals.street as StreetCallContext).token.tokenId}`,
          );
          const now = clock.now();
          const retryAfterSeconds = Math.max(1, Math.ceil(((usage?.oldest ?? now) + 60_000 - now) / 1000));
          response.setHeader('Retry-After', String(retryAfterSeconds));
          sendError(
            response,
            429,
            `Too many requests: the limit is ${limit} ${budget === 'read' ? 'GET' : 'POST, PUT, PATCH and DELETE'} requests per minute per token. Retry after ${retryAfterSeconds} s.`,
          );
        },
      });
    const negotiate: RequestHandler = (request, response, next) => {
      const accept = request.get('accept');
      if (accept !== undefined && accept.trim() !== '' && !acceptsJsonApi(accept))
        return sendError(
          response,
          406,
          `Responses are ${STREET_MEDIA_TYPE}: send Accept: ${STREET_MEDIA_TYPE}.`,
        );
      if (
        ['POST', 'PUT', 'PATCH'].includes(request.method) &&
        request.get('content-type')?.trim().toLowerCase() !== STREET_MEDIA_TYPE
      )
        return sendError(
          response,
          415,
          `Request bodies must be sent as Content-Type: ${STREET_MEDIA_TYPE} (without media type parameters).`,
        );
      next();
    };

    return {
      own: state,
      controls,
      sendError: (response, status, detail) => sendError(response, status, detail),
      messages: {
        notFound: (request) => `No route for ${request.method} ${request.path}.`,
        invalidJson: 'The request body is not valid JSON.',
        tooLarge: 'The request body is too large.',
      },
      mount(app, { injectFaults }) {
        app.use(
          STREET_API_BASE_PATH,
          authenticate,
          limitRate('read'),
          limitRate('write'),
          injectFaults,
          negotiate,
          express.json({ type: STREET_MEDIA_TYPE, limit: '2mb' }),
          createStreetApiRouter(engine),
        );
        app.use(sendJsonApiErrors);
      },
      // Token ids and company names only: never a token.
      describe: () => ({
        apiBasePath: STREET_API_BASE_PATH,
        tokens: tokens.map(({ tokenId, companyName }) => ({ tokenId, companyName })),
        contactCount: state.contactCount(),
        plantedDuplicates: state.plantedDuplicates().length,
        webhookSubscriptions: state.webhookSubscriptions().length,
      }),
      controlRoutes: (router) => mountStreetControls(router, controls, state),
    };
  },
});

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const OfferStatusSchema = z.enum([
  ...new Set([...STREET_SALES_OFFER_STATUSES, ...STREET_LETTINGS_OFFER_STATUSES]),
] as [StreetOfferStatus, ...StreetOfferStatus[]]);
const RoleStatusSchema = z.enum(['Current', 'Previous']).nullable();
const KindSchema = z.enum(['sales', 'lettings']);

/** What a control may set on a person: the PATCH attributes plus what only Street's UI changes. */
const PersonFieldsSchema = PersonAttributesSchema.partial().extend({
  address: z.record(z.string(), z.string().nullable()).nullable().optional(),
  statuses: z
    .object({ vendor: RoleStatusSchema, landlord: RoleStatusSchema, tenant: RoleStatusSchema })
    .partial()
    .optional(),
  applicants: z.array(KindSchema).optional(),
});
const PersonCreateSchema = PersonFieldsSchema.extend({
  first_name: z.string().trim().min(1),
  last_name: z.string().trim().min(1),
});

const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: PersonFieldsSchema.optional(),
  randomChange: z.boolean().optional(),
});
const ViewingSchema = z.object({
  personId: z.string().min(1),
  kind: KindSchema.optional(),
  status: z.enum(STREET_VIEWING_STATUSES).optional(),
  start: z.string().optional(),
});
const ValuationSchema = z.object({
  personId: z.string().min(1),
  kind: KindSchema.optional(),
  status: z.enum(STREET_VALUATION_STATUSES).optional(),
  start: z.string().optional(),
});
const OfferSchema = z.object({
  personId: z.string().min(1),
  kind: KindSchema.optional(),
  amount: z.number().positive().optional(),
  status: OfferStatusSchema.optional(),
});
/** Street's own `/_sim` routes: people, viewings, valuations, offers, tokens and reads. Secrets never appear here. */
function mountStreetControls(
  router: Router,
  controls: StreetSimulatorControls,
  state: StreetSimulatorState,
): void {
  router.post(
    '/people',
    handle((request, response) => {
      const input = PersonCreateSchema.parse(request.body ?? {});
      response.status(201).json({ id: controls.createPerson(input as PersonCreate) });
    }),
  );
  router.post(
    '/people/modify',
    handle((request, response) => {
      const body = ModifySchema.parse(request.body ?? {});
      response.json({
        modified: controls.modifyPeople(defined({ ...body, fields: body.fields as PersonPatch | undefined })),
      });
    }),
  );
  const personActions = { trash: controls.trashPerson, restore: controls.restorePerson } as const;
  const personAction = (act: (id: string) => boolean) =>
    handle((request, response) => {
      if (act(String(request.params.id))) response.status(204).end();
      else response.status(404).json({ error: `person ${String(request.params.id)} not found` });
    });
  for (const [action, act] of Object.entries(personActions))
    router.post(`/people/:id/${action}`, personAction(act));
  router.delete('/people/:id', personAction(controls.deletePerson));

  const bookings = [
    {
      path: 'viewings',
      schema: ViewingSchema,
      create: controls.createViewing,
      status: z.enum(STREET_VIEWING_STATUSES),
      set: controls.setViewingStatus,
    },
    {
      path: 'valuations',
      schema: ValuationSchema,
      create: controls.createValuation,
      status: z.enum(STREET_VALUATION_STATUSES),
      set: controls.setValuationStatus,
    },
    {
      path: 'offers',
      schema: OfferSchema,
      create: controls.createOffer,
      status: OfferStatusSchema,
      set: controls.setOfferStatus,
    },
  ] as const;
  for (const booking of bookings) {
    router.post(
      `/${booking.path}`,
      handle((request, response) => {
        const input = defined(booking.schema.parse(request.body ?? {}));
        response.status(201).json({ id: (booking.create as (input: unknown) => string)(input) });
      }),
    );
    router.post(
      `/${booking.path}/:id/status`,
      handle((request, response) => {
        const { status } = z.object({ status: booking.status }).parse(request.body ?? {});
        (booking.set as (id: string, status: string) => void)(String(request.params.id), status);
        response.status(204).end();
      }),
    );
  }
  mountCredentialControls(router, '/tokens/:tokenId', {
    revoke: controls.revokeToken,
    restore: controls.restoreToken,
  });
  router.get('/notes', (request, response) => {
    const personId = typeof request.query.personId === 'string' ? request.query.personId : undefined;
    response.json({ notes: state.notes(personId) });
  });
  router.get('/webhooks', (_request, response) => {
    response.json({ webhooks: state.webhookSubscriptions() });
  });
  router.get('/planted-duplicates', (_request, response) => {
    response.json({ duplicates: state.plantedDuplicates(), namesakes: state.namesakes() });
  });
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
      const current = primary?.value ?? `${fields.first_name.toLowerCase()}@example.com`;
      const next = { value: emailAtNewDomain(current, random), notes: null, primary: true };
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
      const { number, street, postcode } = movedAddress(fields.address?.postcode, random);
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

/** True when an Accept header admits JSON:API (the bare media type, or a wildcard). */
function acceptsJsonApi(accept: string): boolean {
  return accept.split(',').some((part) => {
    const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (type === '*/*' || type === 'application/*') return true;
    return type === STREET_MEDIA_TYPE && parameters.every((parameter) => parameter.startsWith('q='));
  });
}

export type { StreetApiToken, StreetRateLimits };
