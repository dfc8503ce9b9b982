import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { appointmentControlShape, appointmentSlot, offerControlShape } from '../toolkit/activity-controls.ts';
import type { RunningServer } from '../toolkit/app-listener.ts';
import { known, mountControlRoutes } from '../toolkit/control-routes.ts';
import { tenantScope } from '../toolkit/controls-scope.ts';
import { mountCredentialControls } from '../toolkit/credential-controls.ts';
import {
  CountSchema,
  contactControl,
  type ModifyContactsOptions as ToolkitModifyOptions,
} from '../toolkit/control-inputs.ts';
import {
  defineSimulator,
  defined,
  type CrmSimulatorOptions,
  type SimulatorKit,
} from '../toolkit/define-simulator.ts';
import { dailyLimitReached, rateLimitMiddleware } from '../toolkit/rate-limiter.ts';
import { bearerRefusalDetails } from '../toolkit/client-credentials.ts';
import type { SeededRandom } from '../toolkit/seeded-random.ts';
import type { TimedCollection, TimedRecord } from '../toolkit/timed-collection.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import { bySequence, emailElsewhere, movedAddress, restyledPhone } from '../toolkit/random-edits.ts';
import { contactReads, modifyRecords } from '../toolkit/controls-contacts.ts';
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

export interface ReapitSimulatorOptions extends CrmSimulatorOptions<ReapitRateLimits> {
  /** Apps the simulator accepts (default: {@link REAPIT_DEMO_CLIENT}). The first app's customer is the default customer. */
  clients?: readonly ReapitClientCredentials[];
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
type ForCustomer = { customerId?: string };

/** The simulator listening: `url` is the API host, `connectUrl` Reapit Connect's (another host, as at Reapit). */
export interface RunningReapitSimulator extends RunningServer {
  connectUrl: string;
  connectPort: number;
}

const LIMIT_DESCRIPTIONS = {
  window: (limit: number) => `Too many requests: the limit is ${limit} requests per second`,
  concurrency: (limit: number) =>
    `Too many requests: at most ${limit} concurrent requests per customer are allowed`,
  daily: dailyLimitReached,
} as const;

const BEARER_REFUSALS = bearerRefusalDetails('The access token has expired');

/** The customer a control request names (query or body). */
const customer = tenantScope('customerId');

/**
 * An in-process Reapit Foundations API: OAuth client credentials and authorization code (PKCE,
 * rotating refresh tokens, revocation), contacts with paging, filters, eTags and relationships,
 * appointments, offers, journal entries, resthooks with Ed25519-signed webhooks, documented rate
 * limits, fault injection and a control surface under `/_sim`. Two hosts, as Reapit has: the API
 * (`app`) and Reapit Connect (`connectApp`); each answers 404 to the other's paths, so a client that
 * asks the wrong host fails as it would there.
 */
export const createReapitSimulator = defineSimulator({
  crm: 'reapit',
  build(kit: SimulatorKit<ReapitSimulatorOptions>) {
    const { options, clock, faults } = kit;
    const clients = (options.clients ?? [REAPIT_DEMO_CLIENT]).map((client) => ({ ...client }));
    const firstClientId = clients[0]?.clientId;
    if (firstClientId === undefined) throw new RangeError('at least one client is required');
    const limits = options.rateLimits === false ? null : { ...REAPIT_RATE_LIMITS, ...options.rateLimits };
    const rateLimiter = kit.rateLimiter(
      limits !== null && {
        windows: [{ limit: limits.requestsPerSecond, windowMs: 1000 }],
        maxConcurrent: limits.maxConcurrent,
        dailyLimit: limits.requestsPerDay,
      },
    );
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
    const contactFor = (dataset: ReapitDataset, id: string): ContactRecord =>
      known(dataset.contactById(id), `contact ${id} not found for customer ${dataset.customerId}`);

    const reads = contactReads({
      datasetOf: datasetFor,
      records: (dataset) => dataset.contacts.byCreated.items,
      count: (dataset) => dataset.contacts.size,
      idOf: (_dataset, record) => record.id,
      byId: (dataset, id) => dataset.contactById(id),
      // The ContactModel as GET /contacts/{id} would return it (relationships included).
      render: (dataset, record): JsonObject =>
        renderContact(record, { seed: dataset.seed, relationships: true }),
      // Contact seq i + 1 is person i.
      personContactId: (dataset, index) => dataset.contacts.get(index + 1)?.id,
    });
    /** The appointment or offer an id names (a RangeError, so a 404 at `/_sim`, when there is none). */
    const activityOf = <T extends TimedRecord>(
      records: TimedCollection<T>,
      kind: 'appointment' | 'offer',
      id: string,
    ): T => {
      const seq = seqOfId(kind, id);
      return known(seq === null ? undefined : records.get(seq), `no ${kind} ${id}`);
    };
    const scopeDataset = (scope?: ForCustomer) => datasetFor(scope?.customerId);

    /** Test and demo data controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`. */
    const controls = {
      /** Modifies contacts (bumping modified and _eTag) and sends the webhooks; returns their ids. */
      modifyContacts(modify: ModifyContactsOptions): string[] {
        const dataset = datasetFor(modify.customerId);
        return modifyRecords(modify, {
          fields: modify.fields && (ContactPatchSchema.parse(modify.fields) as ContactPatch),
          byId: (id) => contactFor(dataset, id),
          // Unarchived contacts, in creation order.
          pool: () => dataset.contacts.byCreated.items.filter((record) => record.archivedOn === null),
          order: bySequence,
          random: kit.controlRandom,
          randomChange: (record, random) => randomChange(dataset, record, random),
          apply: (records, patchOf) => dataset.patchContacts(records, patchOf),
          idOf: (record) => record.id,
        });
      },
      /** Creates a contact as if entered in AgencyCloud (sends contacts.created); returns its id. */
      createContact(input: ContactCreate, scope?: ForCustomer): string {
        const dataset = datasetFor(scope?.customerId);
        return dataset.createContact(ContactCreateSchema.parse(input) as ContactCreate).id;
      },
      /** Archives a contact (sets archivedOn; webhook `new` is null). False when not found. */
      archiveContact: contactControl(scopeDataset, (dataset, record) => dataset.archiveContact(record)),
      /** Removes a contact entirely (GET answers 404). False when not found. */
      deleteContact: contactControl(scopeDataset, (dataset, record) => dataset.deleteContact(record)),
      /** Books an appointment for a contact (sends appointments.created); returns its id. */
      createAppointment(appointment: z.infer<typeof AppointmentSchema> & ForCustomer): string {
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
      /**
       * Records an offer by a contact (sends offers.created); returns its id. A contact with no
       * applicant role is registered as a buyer first, as an agent would.
       */
      createOffer(offer: z.infer<typeof OfferSchema> & ForCustomer): string {
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
      /** Edits an appointment (attendance, cancellation, confirmation): sends appointments.modified. */
      updateAppointment({
        id,
        customerId,
        ...edit
      }: z.infer<typeof AppointmentEditSchema> & ForCustomer & { id: string }): void {
        const dataset = datasetFor(customerId);
        const record = activityOf(dataset.appointments, 'appointment', id);
        dataset.updateAppointment(record, defined(AppointmentEditSchema.parse(edit)));
      },
      /** Edits an offer (status, amount): sends offers.modified, and offers.accepted… on a status change. */
      updateOffer({
        id,
        customerId,
        ...edit
      }: z.infer<typeof OfferEditSchema> & ForCustomer & { id: string }): void {
        const dataset = datasetFor(customerId);
        dataset.updateOffer(activityOf(dataset.offers, 'offer', id), defined(OfferEditSchema.parse(edit)));
      },
      /**
       * Journal entries against a contact as negotiators (or other apps) would write them, created now
       * (default type `EM`, an email): a long history for write-back checks to search through.
       */
      addJournalEntries(options: z.infer<typeof JournalEntriesSchema> & ForCustomer): void {
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
      /**
       * Every access token issued so far expires now (the data clock does not move). Refresh tokens
       * stay valid, so authorization-code clients can refresh; advance the clock 30 days to expire them.
       */
      expireTokens: () => auth.expireAllTokens(),
      /** Token requests and existing tokens of the client (refresh tokens included) then fail with 401. */
      revokeClient: (clientId: string) => faults.revokeCredential(clientId),
      restoreClient: (clientId: string) => faults.restoreCredential(clientId),
    };

    /**
     * Signs any body as a delivery of an app would be (default: the first app). Reapit signs every
     * customer's deliveries with the app's one key, so this also forges nothing: it is what a
     * delivery for another customer of the same app looks like.
     */
    const signWebhookBody = (
      rawBody: string,
      signing: { clientId?: string; timestampOffsetSeconds?: number } = {},
    ): Record<string, string> => {
      const timestamp = Math.floor(Date.now() / 1000) + (signing.timestampOffsetSeconds ?? 0);
      return {
        'content-type': 'application/json',
        'x-signature': auth.signatureHeader(signing.clientId ?? firstClientId, rawBody, timestamp),
      };
    };

    /** What the Reapit simulator adds to the toolkit's simulator. */
    const state = {
      /** Reapit Connect, the authorisation server (authorize, token, revoke); 404 to API calls. `app` is the API host. */
      get connectApp(): Express {
        return kit.app('connect');
      },
      /** Starts the API and Reapit Connect on two listeners (port 0 = any free port). */
      async listen(port = 0, host = '127.0.0.1', connectPort = 0): Promise<RunningReapitSimulator> {
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
      clients: clients.map((client) => ({ ...client })) as readonly ReapitClientCredentials[],
      defaultCustomerId,
      /** Access and refresh tokens that are usable now, and those revoked (also `GET /_sim/tokens`). */
      tokenStats: (): ReapitTokenStats => oauth.tokenStats(),
      ...reads,
      journalEntries: (customerId?: string) =>
        [...datasetFor(customerId).journal.byCreated.items].map(renderJournalEntry),
      resthooks: (customerId?: string) =>
        webhooks.list(customerId ?? defaultCustomerId).map((hook) => webhooks.render(hook)),
      /**
       * A `contacts.modified` notification for a contact, signed as a delivery would be, without
       * sending it: for testing receivers directly. `timestampOffsetSeconds` back-dates the signature.
       */
      signedContactWebhook(webhook: {
        contactId: string;
        timestampOffsetSeconds?: number;
        /** The app whose key signs (default: the first client). */
        clientId?: string;
        customerId?: string;
      }): { headers: Record<string, string>; rawBody: string } {
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
        return { headers: signWebhookBody(rawBody, webhook), rawBody };
      },
      signWebhookBody,
      /** Public signing key of an app (default: the first), as GET /webhooks/signing/{kid} serves it. */
      signingKey(clientId?: string): { kid: string; x: string } {
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
        const customerId = customer.tenant(request) ?? defaultCustomerId;
        return {
          customers: [...new Set(clients.map((client) => client.customerId))],
          clients: clients.map((client) => ({ clientId: client.clientId, customerId: client.customerId })),
          customerId,
          contactCount: state.contactCount(customerId),
          plantedDuplicates: state.plantedDuplicates(customerId).length,
          resthooks: state.resthooks(customerId).length,
        };
      },
      controlRoutes: (router) => {
        customer.contacts(router, controls);
        mountCredentialControls(router, '/clients/:clientId', {
          revoke: controls.revokeClient,
          restore: controls.restoreClient,
        });
        mountControlRoutes(router, {
          'POST /appointments': customer.create(AppointmentSchema, controls.createAppointment),
          'POST /offers': customer.create(OfferSchema, controls.createOffer),
          'PATCH /appointments/:id': customer.update(AppointmentEditSchema, (id, edit, scope) =>
            controls.updateAppointment({ ...edit, ...scope, id }),
          ),
          'PATCH /offers/:id': customer.update(OfferEditSchema, (id, edit, scope) =>
            controls.updateOffer({ ...edit, ...scope, id }),
          ),
          'GET /tokens': () => state.tokenStats(),
          'POST /tokens/expire': () => controls.expireTokens(),
          'POST /journal-entries': (request) =>
            controls.addJournalEntries({
              ...defined(JournalEntriesSchema.parse(request.body ?? {})),
              ...customer.of(request),
            }),
          'GET /journal-entries': customer.read('entries', state.journalEntries),
          'GET /resthooks': customer.read('resthooks', state.resthooks),
          'GET /planted-duplicates': customer.planted(state),
        });
      },
    };
  },
});

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

export type ReapitSimulator = ReturnType<typeof createReapitSimulator>;

export type { ReapitClientCredentials, ReapitRateLimits, ReapitTokenStats };
