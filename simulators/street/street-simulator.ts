import { timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { ModifySchema as ContactModifySchema } from '../toolkit/control-inputs.ts';
import { known, mountControlRoutes, withBody } from '../toolkit/control-routes.ts';
import { tenantScope } from '../toolkit/controls-scope.ts';
import { appointmentSlot } from '../toolkit/activity-controls.ts';
import { mountCredentialControls } from '../toolkit/credential-controls.ts';
import { defineSimulator, type SimulatorKit, type ApiSimulatorOptions } from '../toolkit/define-simulator.ts';
import { signedNow, standardDelivery } from '../toolkit/standard-webhook-delivery.ts';
import { bySequence } from '../toolkit/random-edits.ts';
import { modifyRecords } from '../toolkit/controls-contacts.ts';
import { rateLimitMiddleware } from '../toolkit/rate-limiter.ts';
import { LISTED_PROPERTY_BASE, offerKindOf, renderNote, type ActivityKind } from './street-activity.model.ts';
import { createStreetApiRouter, type StreetCallContext } from './street-api.routes.ts';
import {
  STREET_API_BASE_PATH,
  STREET_DEMO_API_TOKEN,
  STREET_LETTINGS_OFFER_STATUSES,
  STREET_MEDIA_TYPE,
  STREET_RATE_LIMITS,
  STREET_SALES_OFFER_STATUSES,
  STREET_VALUATION_STATUSES,
  STREET_VIEWING_STATUSES,
  type StreetApiToken,
  type StreetRateLimits,
} from './street-constants.ts';
import { StreetDataset, type PersonCreate, type PersonPatch } from './street-dataset.ts';
import { PersonAttributesSchema, sendError } from './street-http.ts';
import { streetUuid } from './street-ids.ts';
import { fieldsOf, propertySeq, renderPerson, type PersonRecord } from './street-person.model.ts';
import { StreetWebhooks, webhookBody } from './street-webhooks.ts';

export interface StreetSimulatorOptions extends ApiSimulatorOptions<StreetRateLimits> {
  /** API tokens the simulator accepts (default: {@link STREET_DEMO_API_TOKEN}). */
  tokens?: readonly StreetApiToken[];
}

const RoleStatusSchema = z.enum(['Current', 'Previous']).nullable();
const KindSchema = z.enum(['sales', 'lettings']);
const StartSchema = z.union([z.string(), z.number(), z.date()]);
const OfferStatusSchema = z.enum([
  ...new Set([...STREET_SALES_OFFER_STATUSES, ...STREET_LETTINGS_OFFER_STATUSES]),
]);

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
/** The toolkit's modify control, its `fields` checked as a person's (without them only `updated_at` moves). */
const ModifySchema = ContactModifySchema.extend({ fields: PersonFieldsSchema.optional() });
const BookingShape = {
  personId: z.string().min(1),
  /** Which of the person's applicants (or, for a valuation, which property); default from their roles. */
  kind: KindSchema.optional(),
};
const ViewingSchema = z.object({
  ...BookingShape,
  status: z.enum(STREET_VIEWING_STATUSES).optional(),
  start: StartSchema.optional(),
});
const ValuationSchema = z.object({
  ...BookingShape,
  status: z.enum(STREET_VALUATION_STATUSES).optional(),
  start: StartSchema.optional(),
});
const OfferSchema = z.object({
  ...BookingShape,
  amount: z.number().positive().optional(),
  status: OfferStatusSchema.optional(),
});

const TOKEN_REFUSALS = {
  missing:
    'An Authorization: Bearer <API token> header is required. Tokens are created in Street under Settings → Applications.',
  unknown: 'The API token is not valid.',
  revoked: 'The API token has been revoked.',
} as const;

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * An in-process Street Open API: bearer tokens, JSON:API people with page-number paging and
 * updated/created filters answered from sorted indexes, PATCH with validation and an optional
 * staleness check, viewings, valuations, offers, notes, Standard Webhooks subscriptions and
 * signed deliveries, the documented read/write rate limits, fault injection, and `/_sim` controls.
 */
export const createStreetSimulator = defineSimulator({
  crm: 'street',
  build(kit: SimulatorKit<StreetSimulatorOptions>) {
    const { options, clock, faults, seed } = kit;
    const tokens = (options.tokens ?? [STREET_DEMO_API_TOKEN]).map((token) => ({ ...token }));
    if (tokens.length === 0) throw new RangeError('at least one API token is required');
    const limits = options.rateLimits === false ? null : { ...STREET_RATE_LIMITS, ...options.rateLimits };
    // Two budgets per token, counted apart: GETs and writes never use up each other's allowance.
    const perMinute = (limit: number | undefined) =>
      kit.rateLimiter(limit === undefined ? false : { windows: [{ limit, windowMs: 60_000 }] });
    const budgets = { read: perMinute(limits?.readsPerMinute), write: perMinute(limits?.writesPerMinute) };
    const dispatcher = kit.webhookDispatcher(standardDelivery(options.webhookTimeoutMs));
    const webhooks = new StreetWebhooks({ dispatcher, now: clock.now });
    let publicBase = `http://127.0.0.1${STREET_API_BASE_PATH}`;
    let listeners = 0;
    const newDataset = () =>
      new StreetDataset(kit.datasetSeed(), { clock, webhooks, publicBase: () => publicBase });
    let dataset = newDataset();
    kit.onReset(() => {
      webhooks.reset();
      dataset = newDataset();
    });

    const personFor = (id: string, withTrashed = false): PersonRecord =>
      known(dataset.personById(id, { withTrashed }), `person ${id} not found`);
    const applicantKind = (person: PersonRecord, kind: 'sales' | 'lettings' | undefined, purpose: string) => {
      const applicants = fieldsOf(person, seed).applicants;
      const chosen = kind ?? applicants[0];
      if (chosen === undefined || !applicants.includes(chosen))
        throw new RangeError(
          `person ${dataset.personId(person)} has no ${chosen ?? 'sales or lettings'} applicant to ${purpose}`,
        );
      return chosen;
    };
    /** Sets the status of an activity of one of `kinds` (offers: sales or lettings, found by id). */
    const setStatus = (kinds: readonly ActivityKind[], id: string, status: string): void => {
      for (const kind of kinds) {
        const record = dataset.activityById(kind, id);
        if (record !== undefined) return dataset.setActivityStatus(kind, record, status as never);
      }
      throw new RangeError(`${kinds.length > 1 ? 'offer' : kinds[0]} ${id} not found`);
    };
    const personIdOf = (index: number) => streetUuid(seed, 'person', index + 1);
    const plantedDuplicates = () =>
      dataset.people.duplicates.map((duplicate) => ({
        personId: personIdOf(duplicate.index),
        duplicateOfPersonId: personIdOf(duplicate.originalIndex),
        personKey: duplicate.personKey,
        variations: duplicate.variations,
      }));
    const namesakes = () =>
      dataset.people.namesakes.map((pair) => ({
        personIds: [personIdOf(pair.firstIndex), personIdOf(pair.secondIndex)] as [string, string],
        firstName: pair.forename,
        lastName: pair.surname,
      }));
    const contactIds = () => dataset.persons.byCreated.items.map((record) => dataset.personId(record));
    /** Webhook subscriptions, secrets left out. */
    const webhookSubscriptions = () =>
      webhooks.where().map((subscription) => webhooks.render(subscription, publicBase));
    /** Note resources, oldest first; only those of one person when given. */
    const notes = (personId?: string) => {
      const context = dataset.context();
      const record = personId === undefined ? undefined : dataset.personById(personId, { withTrashed: true });
      const list =
        personId === undefined
          ? dataset.notes.byCreated.items
          : record === undefined
            ? []
            : dataset.notes.of(record.seq);
      return list.map((note) => renderNote(note, context));
    };

    // Street's data and token controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`.
    const controls = {
      /** Modifies people (moving updated_at) and sends the webhooks; returns their UUIDs. */
      modifyPeople(modify: z.infer<typeof ModifySchema>): string[] {
        return modifyRecords(modify, {
          fields: modify.fields as PersonPatch | undefined,
          byId: (id) => personFor(id),
          pool: () => dataset.persons.byCreated.items,
          order: bySequence,
          random: kit.controlRandom,
          randomChange: (record, random) => dataset.randomChange(record, random),
          apply: (records, patchOf) => dataset.patchPeople(records, patchOf),
          idOf: (record) => dataset.personId(record),
        });
      },
      /** Creates a person as if entered in Street (the Open API cannot); sends person.created; returns the UUID. */
      createPerson: (input: PersonCreate): string => dataset.personId(dataset.createPerson(input)),
      /** Soft-deletes (Street's delete): gone from listings, found with filter[trashed]. False when not found. */
      trashPerson(id: string): boolean {
        const record = dataset.personById(id);
        if (record !== undefined) dataset.trashPerson(record);
        return record !== undefined;
      },
      /** Books a viewing for one of the person's applicants (sends viewing.created); returns its UUID. */
      createViewing(viewing: z.infer<typeof ViewingSchema>): string {
        const person = personFor(viewing.personId);
        const slot = appointmentSlot(viewing, 30, clock.now());
        return dataset.addActivity('viewing', {
          personSeq: person.seq,
          applicantKind: applicantKind(person, viewing.kind, 'view with'),
          propertySeq: LISTED_PROPERTY_BASE + kit.controlRandom().int(1, 50_000),
          ...slot,
          status: viewing.status ?? 'unconfirmed',
          cancelledAt: null,
        });
      },
      setViewingStatus: (id: string, status: z.infer<typeof ViewingSchema>['status'] & string) =>
        setStatus(['viewing'], id, status),
      /** Books a valuation of a property the person owns (sends valuation.created); returns its UUID. */
      createValuation(valuation: z.infer<typeof ValuationSchema>): string {
        const person = personFor(valuation.personId);
        const statuses = fieldsOf(person, seed).statuses;
        const kind =
          valuation.kind ?? (statuses.landlord !== null && statuses.vendor === null ? 'lettings' : 'sales');
        return dataset.addActivity('valuation', {
          personSeq: person.seq,
          valuationType: kind,
          propertySeq: propertySeq(person.seq, kind === 'sales' ? 'home' : 'let'),
          // Two days from now by default.
          ...appointmentSlot({ start: valuation.start ?? clock.now() + 2 * 86_400_000 }, 60, clock.now()),
          status: valuation.status ?? 'booked',
        });
      },
      setValuationStatus: (id: string, status: z.infer<typeof ValuationSchema>['status'] & string) =>
        setStatus(['valuation'], id, status),
      /** Records an offer by one of the person's applicants (sends sales-offer.created / lettings-offer.created). */
      createOffer(offer: z.infer<typeof OfferSchema>): string {
        const person = personFor(offer.personId);
        const kind = applicantKind(person, offer.kind, 'make an offer with');
        return dataset.addActivity(offerKindOf(kind), {
          kind,
          personSeq: person.seq,
          propertySeq: LISTED_PROPERTY_BASE + kit.controlRandom().int(1, 50_000),
          amount: offer.amount ?? (kind === 'sales' ? 350_000 : 1_450),
          status: offer.status ?? 'pending',
        });
      },
      setOfferStatus: (id: string, status: z.infer<typeof OfferStatusSchema>) =>
        setStatus(['sales_offer', 'lettings_offer'], id, status),
      /** Requests with the token then fail with 401, until restored. */
      revokeToken: (tokenId: string) => faults.revokeCredential(tokenId),
      restoreToken: (tokenId: string) => faults.restoreCredential(tokenId),
    };

    const state = {
      /** Starts an HTTP server (port 0 = any free port). The API is under `${url}/open-api/v1`. */
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
      /** `/open-api/v1`: append to the listening URL for an adapter's base URL. */
      apiBasePath: STREET_API_BASE_PATH,
      /** Live (not trashed) people. */
      contactCount: () => dataset.persons.size,
      /** UUIDs of live people in creation order. */
      contactIds,
      /** The person resource as GET /people/{id} returns it in `data`. */
      getPerson(id: string) {
        const record = dataset.personById(id);
        return record === undefined ? undefined : renderPerson(record, dataset.context());
      },
      /** Which applicants (sales, lettings) a person belongs to. */
      applicantKinds: (id: string) => [...fieldsOf(personFor(id), seed).applicants],
      /** The generated people behind the records (index i is person sequence i + 1). */
      people: () => dataset.people.people,
      plantedDuplicates,
      /** UUID of the person seeded as a hot lead (a recent offer and completed viewing), or null. */
      plantedHotLead: () => (dataset.hotLeadSeq === null ? null : personIdOf(dataset.hotLeadSeq - 1)),
      /** Pairs of different people who share a full name. */
      namesakes,
      notes,
      webhookSubscriptions,
      /**
       * A person event signed the way the simulator signs deliveries (Standard Webhooks), for
       * receivers' tests; `timestampOffsetSeconds` shifts the signed time.
       */
      signedPersonWebhook(signed: { personId: string; secret: string; timestampOffsetSeconds?: number }) {
        const body = webhookBody(
          'person.updated',
          clock.now(),
          dataset.personDocument(personFor(signed.personId, true)),
        );
        const headers = signedNow(signed.secret, body, signed.timestampOffsetSeconds);
        return { headers, rawBody: Buffer.from(body) };
      },
    };

    const authenticate: RequestHandler = (request, response, next) => {
      const check = checkBearer(tokens, request.get('authorization'), (tokenId) => faults.isRevoked(tokenId));
      if (typeof check === 'string') return sendError(response, 401, TOKEN_REFUSALS[check]);
      const context: StreetCallContext = { token: check, now: clock.now() };
      response.locals.street = context;
      next();
    };
    const limitRate = (budget: keyof typeof budgets) => {
      const keyOf = (response: express.Response) =>
        `token:${(response.locals.street as StreetCallContext).token.tokenId}`;
      return rateLimitMiddleware(budgets[budget], {
        keyOf: (request, response) =>
          (READ_METHODS.has(request.method) ? 'read' : 'write') === budget ? keyOf(response) : null,
        onLimited: (_request, response, _dimension, limit) => {
          // Retry-After says exactly when the oldest counted request leaves the window.
          const now = clock.now();
          const oldest = budgets[budget].windowUsage(keyOf(response))?.oldest ?? now;
          const retryAfterSeconds = Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000));
          response.setHeader('Retry-After', String(retryAfterSeconds));
          sendError(
            response,
            429,
            `Too many requests: the limit is ${limit} ${budget === 'read' ? 'GET' : 'POST, PUT, PATCH and DELETE'} requests per minute per token. Retry after ${retryAfterSeconds} s.`,
          );
        },
      });
    };
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
    const bookings = [
      ['viewings', ViewingSchema, controls.createViewing, STREET_VIEWING_STATUSES, ['viewing']],
      ['valuations', ValuationSchema, controls.createValuation, STREET_VALUATION_STATUSES, ['valuation']],
      [
        'offers',
        OfferSchema,
        controls.createOffer,
        OfferStatusSchema.options,
        ['sales_offer', 'lettings_offer'],
      ],
    ] as const;

    return {
      own: state,
      controls,
      sendError,
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
          createStreetApiRouter(() => dataset, webhooks),
        );
      },
      // Token ids and company names only: never a token.
      describe: () => ({
        apiBasePath: STREET_API_BASE_PATH,
        tokens: tokens.map(({ tokenId, companyName }) => ({ tokenId, companyName })),
        contactCount: dataset.persons.size,
        plantedDuplicates: dataset.people.duplicates.length,
        webhookSubscriptions: webhooks.where().length,
      }),
      // Street's own `/_sim` routes: people, viewings, valuations, offers, tokens and reads. Secrets never appear here.
      controlRoutes(router) {
        mountControlRoutes(router, {
          'POST /people': withBody(
            PersonCreateSchema,
            (input) => ({ id: controls.createPerson(input as PersonCreate) }),
            201,
          ),
          'POST /people/modify': withBody(ModifySchema, (input) => ({
            modified: controls.modifyPeople(input),
          })),
          'POST /people/:id/trash': ({ params }) => {
            if (!controls.trashPerson(String(params.id)))
              throw new RangeError(`person ${String(params.id)} not found`);
          },
          ...Object.fromEntries(
            bookings.flatMap(([path, schema, create, statuses, kinds]) => [
              [
                `POST /${path}`,
                withBody(schema, (input) => ({ id: (create as (input: unknown) => string)(input) }), 201),
              ],
              [
                `POST /${path}/:id/status`,
                withBody(z.object({ status: z.enum(statuses) }), ({ status }, { params }) =>
                  setStatus(kinds, String(params.id), status),
                ),
              ],
            ]),
          ),
        });
        mountCredentialControls(router, '/tokens/:tokenId', {
          revoke: controls.revokeToken,
          restore: controls.restoreToken,
        });
        const single = tenantScope();
        mountControlRoutes(router, {
          'GET /notes': ({ query }) => ({
            notes: notes(typeof query.personId === 'string' ? query.personId : undefined),
          }),
          'GET /webhooks': single.read('webhooks', webhookSubscriptions),
          'GET /planted-duplicates': single.planted({ plantedDuplicates, namesakes }),
        });
      },
    };
  },
});

export type StreetSimulator = ReturnType<typeof createStreetSimulator>;

/** Checks `Authorization: Bearer <tokenId>|<secret>`: the token, or why it is refused. */
function checkBearer(
  tokens: readonly StreetApiToken[],
  header: string | undefined,
  isRevoked: (tokenId: string) => boolean,
): StreetApiToken | keyof typeof TOKEN_REFUSALS {
  const presented = header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
  if (presented === undefined) return 'missing';
  const token = tokens.find((candidate) => candidate.tokenId === presented.split('|')[0]);
  const [given, expected] = [Buffer.from(presented), Buffer.from(token?.apiToken ?? '')];
  if (token === undefined || given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'unknown';
  return isRevoked(token.tokenId) ? 'revoked' : token;
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
