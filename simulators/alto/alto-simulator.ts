import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { appointmentControlShape, appointmentSlot, offerControlShape } from '../toolkit/activity-controls.ts';
import { contactControl, type ModifyContactsOptions } from '../toolkit/control-inputs.ts';
import { known, mountControlRoutes } from '../toolkit/control-routes.ts';
import { tenantScope } from '../toolkit/controls-scope.ts';
import { mountCredentialControls } from '../toolkit/credential-controls.ts';
import {
  defineSimulator,
  defined,
  type CrmSimulatorOptions,
  type SimulatorKit,
} from '../toolkit/define-simulator.ts';
import { bySequence, emailElsewhere, movedAddress, restyledPhone } from '../toolkit/random-edits.ts';
import { contactReads, modifyRecords } from '../toolkit/controls-contacts.ts';
import { dailyLimitReached, rateLimitMiddleware } from '../toolkit/rate-limiter.ts';
import { mixSeed, type SeededRandom } from '../toolkit/seeded-random.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import { renderAppointment, renderFileNote, renderOffer, seqOfId } from './alto-activity.model.ts';
import { createAltoApiRouter, fieldsFromRequest, type AltoCallContext } from './alto-api.routes.ts';
import { AltoAuth } from './alto-auth.ts';
import { bearerRefusalDetails, oauthEndpoint } from '../toolkit/client-credentials.ts';
import {
  ALTO_APPOINTMENT_ID_BASE,
  ALTO_APPOINTMENT_STATUSES,
  ALTO_DEMO_CLIENT,
  ALTO_OFFER_ID_BASE,
  ALTO_OFFER_STATUSES,
  ALTO_PROPERTY_ID_BASE,
  ALTO_RATE_LIMITS,
  ALTO_TOKEN_LIFETIME_SECONDS,
  ALTO_WEBHOOK_RETRY_DELAYS_MS,
  ALTO_WEBHOOK_TIMEOUT_MS,
  type AltoAppointmentStatus,
  type AltoIntegration,
  type AltoOfferStatus,
  type AltoRateLimits,
} from './alto-constants.ts';
import {
  contactIdOf,
  emptyAddress,
  fieldsOf,
  renderContact,
  renderListItem,
  type AltoContactFields,
  type ContactRecord,
  type JsonObject,
} from './alto-contact.model.ts';
import { AltoDataset } from './alto-dataset.ts';
import {
  PostContactSchema,
  camelKeys,
  sendBadRequest,
  sendError,
  sendProblem,
  type PostContactRequest,
} from './alto-http.ts';
import {
  AltoWebhooks,
  cloudEventBody,
  contactChange,
  deliveryHeaders,
  type AltoWebhookSigning,
} from './alto-webhooks.ts';

export interface AltoSimulatorOptions extends CrmSimulatorOptions<AltoRateLimits> {
  /** Integrations the simulator accepts (default {@link ALTO_DEMO_CLIENT}); each agency gets its own data. */
  integrations?: readonly AltoIntegration[];
  /** How deliveries are signed: the shared value as is (Alto's record, the default) or an HMAC. */
  webhookSigning?: AltoWebhookSigning;
}

/** A typed edit of a contact's lead person and flags (what an agent might change in Alto). */
const EditSchema = z
  .object({
    title: z.string().nullable(),
    forename: z.string().nullable(),
    surname: z.string().min(1),
    email: z.string().nullable(),
    mobile: z.string().nullable(),
    address: z.record(z.string(), z.string().nullable()),
    potentialVendor: z.boolean(),
    potentialLandlord: z.boolean(),
    archived: z.boolean(),
  })
  .partial();
type AltoContactEdit = z.infer<typeof EditSchema>;
const AppointmentSchema = z.object({
  ...appointmentControlShape,
  /** `Viewing` (default for applicants) or `Valuation` (default otherwise). */
  type: z.enum(['Viewing', 'Valuation']).optional(),
});
const AppointmentUpdateSchema = z.object({
  status: z.enum(ALTO_APPOINTMENT_STATUSES),
  applicantFeedback: z.string().optional(),
});
const OfferSchema = z.object({
  ...offerControlShape,
  status: z.enum(ALTO_OFFER_STATUSES).optional(),
  recordType: z.enum(['Sale', 'Rent']).optional(),
});
const OfferUpdateSchema = z.object({
  status: z.enum(ALTO_OFFER_STATUSES),
  amount: z.number().positive().optional(),
});

/** Which agency a control acts on (default: the first). */
type Agency = { agencyRef?: string };
const agencyScope = tenantScope('agencyRef');
type Input<S extends z.ZodType> = z.input<S> & Agency;
type ContactQuery = { contactId?: string } & Agency;

const LIMIT_DETAILS = {
  window: (limit: number) =>
    `Too many requests: at most ${limit} requests per second per integration and agency`,
  concurrency: (limit: number) =>
    `Too many requests: at most ${limit} concurrent requests per integration and agency`,
  daily: dailyLimitReached,
} as const;

const BEARER_REFUSALS = bearerRefusalDetails('The access token has expired: request a new one from /token');

/**
 * An in-process Alto API: OAuth client credentials with an AgencyRef per call, cursor-paged
 * contacts with delta filters, batch and single reads, POST with duplicate detection, JSON Patch
 * updates, file notes, appointments, offers, CloudEvents webhooks carrying a shared secret in
 * `x-signature` (or an HMAC of it), the catalogue's rate limit (429 + Retry-After), fault injection and a
 * control surface under `/_sim`.
 */
export const createAltoSimulator = defineSimulator({
  crm: 'alto',
  seedPrefix: 'alto-',
  build(kit: SimulatorKit<AltoSimulatorOptions>) {
    const { options, clock, faults } = kit;
    const integrations = options.integrations ?? [ALTO_DEMO_CLIENT];
    const limits = options.rateLimits === false ? false : { ...ALTO_RATE_LIMITS, ...options.rateLimits };
    const rateLimiter = kit.rateLimiter(
      limits && {
        windows: [
          { limit: limits.requestsPerSecond, windowMs: Math.max(1, 1000 - limits.windowToleranceMs) },
        ],
        maxConcurrent: limits.maxConcurrent,
      },
    );
    const auth = new AltoAuth({
      integrations,
      now: clock.now,
      faults,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? ALTO_TOKEN_LIFETIME_SECONDS,
    });
    const dispatcher = kit.webhookDispatcher({
      retryDelaysMs: ALTO_WEBHOOK_RETRY_DELAYS_MS,
      // Alto retries any failed delivery: non-2xx, unreachable or timed out.
      shouldRetry: () => true,
      timeoutMs: options.webhookTimeoutMs ?? ALTO_WEBHOOK_TIMEOUT_MS,
      seed: mixSeed(kit.seed, 'alto-webhooks'),
    });
    const webhooks = new AltoWebhooks({ dispatcher, now: clock.now });
    webhooks.signing = options.webhookSigning ?? 'shared-value';
    const agencies = kit.tenantDatasets({
      tenants: integrations.flatMap((integration) => integration.agencyRefs),
      noun: 'agency',
      build: (agencyRef, seed) => new AltoDataset({ agencyRef, ...seed }, { clock, webhooks }),
    });
    kit.onReset(() => {
      webhooks.reset();
      auth.revokeAllTokens();
    });

    const datasetFor = (agencyRef?: string): AltoDataset => agencies.get(agencyRef);
    const contactFor = (dataset: AltoDataset, id: string): ContactRecord =>
      known(dataset.contactById(id), `contact ${id} not found for agency ${dataset.agencyRef}`);
    const activityFor = <T>(records: ReadonlyMap<number, T>, id: string, base: number, what: string): T => {
      const seq = seqOfId(id, base);
      return known(seq === null ? undefined : records.get(seq), `${what} ${id} not found`);
    };
    /** Rendered activity of one contact, or of the whole agency. */
    const activity =
      <T>(
        all: (dataset: AltoDataset) => ReadonlyMap<number, T>,
        forContact: (dataset: AltoDataset, seq: number) => T[],
        render: (record: T) => JsonObject,
      ) =>
      (read: ContactQuery = {}): JsonObject[] => {
        const dataset = datasetFor(read.agencyRef);
        const records =
          read.contactId === undefined
            ? [...all(dataset).values()]
            : forContact(dataset, contactFor(dataset, read.contactId).seq);
        return records.map(render);
      };
    const agencyDataset = (agency?: Agency) => datasetFor(agency?.agencyRef);

    /** Alto's data and credential controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`. */
    const controls = {
      /** Modifies contacts (moving `modifiedDate`) and sends `Contact.Modified`; returns their ids. */
      modifyContacts(modify: ModifyContactsOptions<AltoContactEdit, Agency>): string[] {
        const dataset = datasetFor(modify.agencyRef);
        return modifyRecords(modify, {
          fields: modify.fields,
          byId: (id) => contactFor(dataset, id),
          pool: () =>
            [...dataset.contacts.values()].filter((record) => !fieldsOf(record, dataset.seed).archived),
          order: bySequence,
          random: kit.controlRandom,
          randomChange: (record, random) => randomChange(dataset, record, random),
          apply(records, editOf) {
            // Every edit is drawn before any is applied.
            const edits = new Map(records.map((record) => [record.seq, editOf(record)]));
            dataset.updateContacts(records, (fields, record) =>
              applyEdit(fields, edits.get(record.seq) ?? {}),
            );
          },
          idOf: (record) => contactIdOf(record.seq),
        });
      },
      /** Creates a contact as if entered in Alto (`Contact.Created`); the body is a POST /contacts body. */
      createContact(input: unknown, agency?: Agency): string {
        const parsed = PostContactSchema.parse(camelKeys(input)) as PostContactRequest;
        // Validated like POST /contacts, without the duplicate check (agents can force a duplicate).
        return contactIdOf(datasetFor(agency?.agencyRef).createContact(fieldsFromRequest(parsed)).seq);
      },
      /** Archives a contact (`Contact.Modified`). False when not found. */
      archiveContact: contactControl(agencyDataset, (dataset, record) =>
        dataset.updateContacts([record], (fields) => {
          fields.archived = true;
        }),
      ),
      /** Removes a contact entirely (GET answers 404; a `Contact.Modified` is sent). False when not found. */
      deleteContact: contactControl(agencyDataset, (dataset, record) => dataset.deleteContact(record)),
      /** Books a viewing or valuation (`Appointment.Created`); returns its id. */
      createAppointment(appointment: Input<typeof AppointmentSchema>): string {
        const dataset = datasetFor(appointment.agencyRef);
        const contact = contactFor(dataset, appointment.contactId);
        const fields = fieldsOf(contact, dataset.seed);
        const type = appointment.type ?? (fields.persona.includes('Applicant') ? 'Viewing' : 'Valuation');
        const record = dataset.addAppointment({
          type,
          ...appointmentSlot(appointment, type === 'Valuation' ? 60 : 30, clock.now()),
          status: 'Active',
          contactSeqs: [contact.seq],
          propertyId: appointment.propertyId ?? String(ALTO_PROPERTY_ID_BASE + 1),
          negotiatorId: fields.negotiatorId ?? '47141',
          branchId: fields.branchId,
          applicantFeedback: null,
        });
        return String(ALTO_APPOINTMENT_ID_BASE + record.seq);
      },
      /** Changes an appointment's status, e.g. to cancel it (`Appointment.Modified`). */
      updateAppointment(
        id: string,
        status: AltoAppointmentStatus,
        update: { applicantFeedback?: string } & Agency = {},
      ): void {
        const dataset = datasetFor(update.agencyRef);
        const record = activityFor(dataset.appointments, id, ALTO_APPOINTMENT_ID_BASE, 'appointment');
        dataset.updateAppointment(record, status, update.applicantFeedback);
      },
      /** Deletes an appointment: `Appointment.Modified` is sent, then reading it answers 404. */
      deleteAppointment(id: string, agency: Agency = {}): void {
        const dataset = datasetFor(agency.agencyRef);
        dataset.deleteAppointment(
          activityFor(dataset.appointments, id, ALTO_APPOINTMENT_ID_BASE, 'appointment'),
        );
      },
      /** Records an offer by a contact (`Offer.Created`); returns its id. */
      createOffer(offer: Input<typeof OfferSchema>): string {
        const dataset = datasetFor(offer.agencyRef);
        const contact = contactFor(dataset, offer.contactId);
        const fields = fieldsOf(contact, dataset.seed);
        const intends = (intention: string) =>
          fields.applicantRequirements.some((requirement) => requirement.profileIntention === intention);
        const recordType = offer.recordType ?? (intends('Rent') && !intends('Buy') ? 'Rent' : 'Sale');
        const record = dataset.addOffer({
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
      /** Moves an offer on (`Offer.Modified`, plus `Offer.Accepted`/`Offer.Withdrawn`). */
      setOfferStatus(id: string, status: AltoOfferStatus, update: { amount?: number } & Agency = {}): void {
        const dataset = datasetFor(update.agencyRef);
        const record = activityFor(dataset.offers, id, ALTO_OFFER_ID_BASE, 'offer');
        dataset.setOfferStatus(record, status, update.amount);
      },
      /** Deletes an offer: `Offer.Modified` is sent, then reading it answers 404. */
      deleteOffer(id: string, agency: Agency = {}): void {
        const dataset = datasetFor(agency.agencyRef);
        dataset.deleteOffer(activityFor(dataset.offers, id, ALTO_OFFER_ID_BASE, 'offer'));
      },
      /** Every token issued so far expires now (the data clock does not move). */
      expireTokens: () => auth.expireAllTokens(),
      /** Token requests and existing tokens of the integration then fail with 401. */
      revokeClient: (clientId: string) => faults.revokeCredential(clientId),
      restoreClient: (clientId: string) => faults.restoreCredential(clientId),
    };

    const reads = contactReads({
      datasetOf: datasetFor,
      // Archived contacts included: `/contacts/all` lists them.
      records: (dataset) => dataset.contacts.values(),
      count: (dataset) => dataset.contacts.size,
      idOf: (_dataset, record) => contactIdOf(record.seq),
      byId: (dataset, id) => dataset.contactById(id),
      // The Contact as `GET /contacts/{id}` returns it.
      render: (dataset, record) => renderContact(record, dataset.seed),
      // Contact sequence i + 1 is person i.
      personContactId: (_dataset, index) => contactIdOf(index + 1),
    });

    /** What the Alto simulator adds to the toolkit's simulator. */
    const own = {
      defaultAgencyRef: agencies.defaultTenant,
      ...reads,
      /** The item `GET /contacts/all` lists for the contact. */
      getListItem(id: string, agencyRef?: string): JsonObject | undefined {
        const dataset = datasetFor(agencyRef);
        const record = dataset.contactById(id);
        return record === undefined ? undefined : renderListItem(record, dataset.seed);
      },
      /** File notes of one contact, or of the whole agency. */
      fileNotes: activity(
        (dataset) => dataset.fileNotes,
        (dataset, seq) => dataset.fileNotesFor(seq),
        renderFileNote,
      ),
      appointments: activity(
        (dataset) => dataset.appointments,
        (dataset, seq) => dataset.appointmentsFor(seq),
        renderAppointment,
      ),
      offers: activity(
        (dataset) => dataset.offers,
        (dataset, seq) => dataset.offersFor(seq),
        renderOffer,
      ),
      /** Webhook subscriptions of an agency, without their secrets. */
      subscriptions: (agencyRef?: string) =>
        webhooks
          .list(agencyRef ?? agencies.defaultTenant)
          .map((subscription) => webhooks.render(subscription)),
      /**
       * Access tokens accepted right now (issued, not expired, not revoked, client not revoked) and
       * tokens revoked at `POST /revoke` since start-up or the last reset. Also `GET /_sim/tokens`.
       */
      tokenStats: () => auth.tokenStats(),
      /**
       * A `Contact.Modified` notification as Alto would deliver it, signed with `secret` (null: no
       * `x-signature` at all), without sending it: for testing receivers. `timestampOffsetSeconds`
       * shifts the signed timestamp (stale or future deliveries).
       */
      contactWebhook(webhook: {
        contactId: string;
        secret: string | null;
        timestampOffsetSeconds?: number;
        type?: 'Contact.Created' | 'Contact.Modified';
        agencyRef?: string;
        /** Overrides the simulator's `webhookSigning` for this one notification. */
        signing?: AltoWebhookSigning;
      }): { headers: Record<string, string>; rawBody: string } {
        const dataset = datasetFor(webhook.agencyRef);
        const record = contactFor(dataset, webhook.contactId);
        const integration = integrations.find((candidate) =>
          candidate.agencyRefs.includes(dataset.agencyRef),
        ) as AltoIntegration;
        const change = contactChange(record, dataset.seed, webhook.type ?? 'Contact.Modified', clock.now());
        const rawBody = cloudEventBody(change, integration.integrationId, dataset.agencyRef);
        const signedAt = Math.floor(Date.now() / 1000) + Math.round(webhook.timestampOffsetSeconds ?? 0);
        const headers = deliveryHeaders(
          webhook.secret ?? '',
          rawBody,
          signedAt,
          webhook.signing ?? webhooks.signing,
        );
        if (webhook.secret === null) delete headers['x-signature'];
        return { headers, rawBody };
      },
    };

    const authenticate: RequestHandler = (request, response, next) => {
      const check = auth.checkBearer(request.get('authorization'));
      if (!check.ok) {
        response.setHeader('www-authenticate', 'Bearer');
        return sendProblem(response, 401, BEARER_REFUSALS[check.reason]);
      }
      // A missing or wrong AgencyRef is a 403 (the token is fine; the tenancy is not).
      const agencyRef = request.get('agencyref')?.trim() ?? '';
      const dataset = agencies.byKey.get(agencyRef);
      if (dataset === undefined || !check.integration.agencyRefs.includes(agencyRef))
        return sendProblem(response, 403, 'Invalid scope or AgencyRef for request.');
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
    // The token endpoints take forms and answer like an OAuth server (`oauthEndpoint`).
    const form = express.urlencoded({ extended: false, limit: '16kb' });

    return {
      own,
      controls,
      sendError,
      sendBadRequest,
      messages: {
        notFound: (request: Request) => `No route for ${request.method} ${request.path}`,
        invalidJson: 'The request body is not valid JSON',
        tooLarge: 'The request body is larger than 1 MB',
      },
      mount(app, { injectFaults }) {
        app.post(
          '/token',
          injectFaults,
          form,
          oauthEndpoint((authorization, body) => auth.issueToken(authorization, body)),
        );
        // RFC 7009 token revocation (Alto documents none): the client authenticates as at /token.
        app.post(
          '/revoke',
          injectFaults,
          form,
          oauthEndpoint((authorization, body) => auth.revokeToken(authorization, body)),
        );
        app.use(
          authenticate,
          limitRate,
          injectFaults,
          express.json({ type: ['application/json', 'application/*+json', 'text/json'], limit: '1mb' }),
          createAltoApiRouter(webhooks),
        );
      },
      describe(request) {
        const agencyRef = agencyScope.tenant(request) ?? agencies.defaultTenant;
        return {
          agencies: [...agencies.byKey.keys()],
          integrations: integrations.map(({ clientId, integrationId, agencyRefs }) => ({
            clientId,
            integrationId,
            agencyRefs,
          })),
          agencyRef,
          contactCount: own.contactCount(agencyRef),
          plantedDuplicates: own.plantedDuplicates(agencyRef).length,
          subscriptions: own.subscriptions(agencyRef).length,
        };
      },
      controlRoutes(router) {
        const agency = agencyScope.of;
        const contactQuery = (request: Request) =>
          defined({
            contactId: typeof request.query.contactId === 'string' ? request.query.contactId : undefined,
            ...agency(request),
          });
        agencyScope.contacts(router, controls, {
          modify: ({ fields, ...modify }, scope) =>
            controls.modifyContacts({
              ...modify,
              ...scope,
              ...(fields === undefined ? {} : { fields: defined(EditSchema.parse(fields)) }),
            }),
        });
        mountControlRoutes(router, {
          'POST /appointments': agencyScope.create(AppointmentSchema, controls.createAppointment),
          'PATCH /appointments/:id': agencyScope.update(
            AppointmentUpdateSchema,
            (id, { status, ...update }, scope) =>
              controls.updateAppointment(id, status, { ...defined(update), ...scope }),
          ),
          'DELETE /appointments/:id': (request) =>
            controls.deleteAppointment(String(request.params.id), agency(request)),
          'POST /offers': agencyScope.create(OfferSchema, controls.createOffer),
          'PATCH /offers/:id': agencyScope.update(OfferUpdateSchema, (id, { status, ...update }, scope) =>
            controls.setOfferStatus(id, status, { ...defined(update), ...scope }),
          ),
          'DELETE /offers/:id': (request) => controls.deleteOffer(String(request.params.id), agency(request)),
        });
        mountCredentialControls(router, '/clients/:clientId', {
          revoke: controls.revokeClient,
          restore: controls.restoreClient,
        });
        mountControlRoutes(router, {
          'POST /tokens/expire': () => controls.expireTokens(),
          'GET /tokens': () => own.tokenStats(),
          'GET /file-notes': (request) => ({ fileNotes: own.fileNotes(contactQuery(request)) }),
          'GET /appointments': (request) => ({ appointments: own.appointments(contactQuery(request)) }),
          'GET /offers': (request) => ({ offers: own.offers(contactQuery(request)) }),
          'GET /subscriptions': agencyScope.read('subscriptions', own.subscriptions),
          'GET /planted-duplicates': agencyScope.planted(own),
        });
      },
    };
  },
});

export type AltoSimulator = ReturnType<typeof createAltoSimulator>;

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
    fields.address = { ...emptyAddress(), ...fields.address, ...edit.address };
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
    case 0:
      return { email: emailElsewhere(random, lead?.emailAddresses[0]?.address, lead?.forename) };
    case 1:
      return {
        mobile: restyledPhone(random, lead?.phoneNumbers.find((phone) => phone.type === 'Mobile')?.number),
      };
    case 2: {
      const moved = movedAddress(random, fields.address?.postcode);
      return {
        address: {
          nameNumber: moved.number,
          subDwelling: null,
          street: moved.street,
          postcode: moved.postcode,
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
