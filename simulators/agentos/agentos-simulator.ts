import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { type ModifyContactsOptions } from '../toolkit/control-inputs.ts';
import { defineSimulator, type ApiSimulatorOptions, type SimulatorKit } from '../toolkit/define-simulator.ts';
import { known, mountControlRoutes } from '../toolkit/control-routes.ts';
import { appointmentSlot } from '../toolkit/activity-controls.ts';
import { tenantScope } from '../toolkit/controls-scope.ts';
import { mountApiKeyControls } from '../toolkit/credential-controls.ts';
import { rateLimitMiddleware } from '../toolkit/rate-limiter.ts';
import type { SeededRandom } from '../toolkit/seeded-random.ts';
import { emailElsewhere, movedAddress, restyledPhone } from '../toolkit/random-edits.ts';
import { modifyRecords } from '../toolkit/controls-contacts.ts';
import type { UkPerson } from '../toolkit/uk-people.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import { renderLogEntry } from './agentos-activity.model.ts';
import { createAgentosApiRouter, type AgentosCallContext } from './agentos-api.routes.ts';
import { AgentosKeyGuard, apiKeyOf } from './agentos-auth.ts';
import {
  AGENTOS_APPOINTMENT_STATUSES,
  AGENTOS_APPOINTMENT_TYPES,
  AGENTOS_CONTACT_TYPES,
  AGENTOS_DEMO_KEY,
  AGENTOS_OFFER_STATUSES,
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
  type EngagementRecord,
  type JsonObject,
} from './agentos-contact.model.ts';
import { AgentosDataset, type ContactCreate, type ContactPatch } from './agentos-dataset.ts';
import { ContactCreateSchema, ContactPatchSchema, sendError } from './agentos-http.ts';
import { AgentosWebhooks, webhookBody, webhookHeaders } from './agentos-webhooks.ts';
import { unixSeconds } from '../toolkit/standard-webhook-delivery.ts';

export interface AgentosSimulatorOptions extends ApiSimulatorOptions<AgentosRateLimits> {
  /** Keys the simulator accepts (default: {@link AGENTOS_DEMO_KEY}); the first key's agency is the default agency. */
  keys?: readonly AgentosApiKey[];
}

const CreateSchema = z.object({ contactType: z.enum(AGENTOS_CONTACT_TYPES) }).loose();
/** Which agency a control acts on (default: the first key's). */
type Agency = { shortName?: string };
const AppointmentSchema = z.object({
  /** The attendee (`<ContactType>:<OID>`). */
  contactId: z.string().min(1),
  /** Default: Viewing for applicants, SalesAppraisal for vendors, ViewAndValue for landlords, InterimInspection for tenants. */
  systemType: z.enum(AGENTOS_APPOINTMENT_TYPES).optional(),
  start: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
  status: z.enum(AGENTOS_APPOINTMENT_STATUSES).optional(),
});
/** A `/_sim` appointment, whose start may also be a time or a Date in code. */
export type CreateAppointmentOptions = Omit<z.infer<typeof AppointmentSchema>, 'start'> &
  Agency & { start?: number | string | Date };
const OfferSchema = z.object({
  /** The applicant (`<ContactType>:<OID>`), usually a sales applicant. */
  contactId: z.string().min(1),
  amount: z.number().positive().optional(),
  status: z.enum(AGENTOS_OFFER_STATUSES).optional(),
});
export type CreateOfferOptions = z.infer<typeof OfferSchema> & Agency;
const AppointmentStatusSchema = z.object({ status: z.enum(AGENTOS_APPOINTMENT_STATUSES) });
const OfferStatusSchema = z.object({ status: z.enum(AGENTOS_OFFER_STATUSES) });
/** The agency a control request names (query or body). */
const agency = tenantScope('shortName');

/**
 * An in-process agentOS (LetMC) v4 API: API keys per agency and tier, the five contact lists with
 * offset/count paging, a modified-since filter and ETags, diary appointments, sales offers,
 * contact log entries and engagement values for write-back, HMAC-signed webhooks, the 50
 * requests/minute limit with abuse blocking, fault injection and a control surface under `/_sim`.
 */
export const createAgentosSimulator = defineSimulator({
  crm: 'agentos',
  build(kit: SimulatorKit<AgentosSimulatorOptions>) {
    const { options, clock, faults } = kit;
    const keys = (options.keys ?? [AGENTOS_DEMO_KEY]).map((key) => ({ ...key, tiers: [...key.tiers] }));
    if (keys.length === 0) throw new RangeError('at least one API key is required');
    // Without enforcement (`rateLimits: false`) the documented limits still shape abuse blocking.
    const limits = { ...AGENTOS_RATE_LIMITS, ...(options.rateLimits || {}) };
    const rateLimiter = kit.rateLimiter(
      options.rateLimits !== false && { windows: [{ limit: limits.requestsPerMinute, windowMs: 60_000 }] },
    );
    const guard = new AgentosKeyGuard({ keys, faults, now: clock.now, limits });
    const dispatcher = kit.webhookDispatcher({
      retryDelaysMs: AGENTOS_WEBHOOK_RETRY_DELAYS_MS,
      // Network errors, timeouts, 429 and 5xx are retried; any other answer is final.
      shouldRetry: (status) => status === null || status === 429 || status >= 500,
      timeoutMs: options.webhookTimeoutMs ?? AGENTOS_WEBHOOK_TIMEOUT_MS,
    });
    const webhooks = new AgentosWebhooks({ dispatcher, now: clock.now });
    const agencies = kit.tenantDatasets({
      tenants: keys.map((key) => key.shortName),
      key: (shortName) => shortName.toLowerCase(),
      noun: 'agency',
      build: (shortName, seed) => new AgentosDataset({ shortName, ...seed, now: clock.now, webhooks }),
    });
    kit.onReset(() => {
      guard.reset();
      webhooks.reset();
    });

    const datasetFor = (shortName?: string): AgentosDataset => agencies.get(shortName);
    const recordFor = (dataset: AgentosDataset, id: string): ContactRecord => {
      const record = dataset.contactByExternalId(id);
      if (record === undefined || record.deleted)
        throw new RangeError(`record ${id} not found in ${dataset.shortName}`);
      return record;
    };

    /** Applies `change` to a record that still exists; false when there is none. */
    const onContact = (
      id: string,
      agency: { shortName?: string } | undefined,
      change: (dataset: AgentosDataset, record: ContactRecord) => void,
    ): boolean => {
      const dataset = datasetFor(agency?.shortName);
      const record = dataset.contactByExternalId(id);
      if (record === undefined || record.deleted) return false;
      change(dataset, record);
      return true;
    };

    // Test and demo data controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`.
    const controls = {
      /** Modifies records (bumping ModifiedDate and ETag) and sends contact.updated; returns their ids. */
      modifyContacts(modify: ModifyContactsOptions<ContactPatch, Agency>): string[] {
        const dataset = datasetFor(modify.shortName);
        return modifyRecords(modify, {
          fields: modify.fields && stripEtag(ContactPatchSchema.parse(modify.fields)),
          byId: (id) => recordFor(dataset, id),
          // Records the API shows, not archived.
          pool: () =>
            AGENTOS_CONTACT_TYPES.flatMap((type) =>
              dataset.lists[type].listed().filter((record) => !record.archived),
            ),
          random: kit.controlRandom,
          randomChange: (record, random) => randomChange(dataset, record, random),
          apply: (records, patchOf) => dataset.patchContacts(records, patchOf),
          idOf: (record) => dataset.externalIdOf(record),
        });
      },
      /** Creates a record as if entered in agentOS (contact.created when shared); returns its id. */
      createContact(type: AgentosContactType, input: ContactCreate, createOptions?: Agency): string {
        const dataset = datasetFor(createOptions?.shortName);
        return dataset.externalIdOf(
          dataset.createContact(type, ContactCreateSchema.parse(input) as ContactCreate),
        );
      },
      /** Archives a record (still listed, `IsArchived: true`). False when not found. */
      archiveContact: (id: string, agency?: Agency) =>
        onContact(id, agency, (dataset, record) => dataset.archiveContact(record)),
      /** Removes a record entirely (lists and GET stop showing it). False when not found. */
      deleteContact: (id: string, agency?: Agency) =>
        onContact(id, agency, (dataset, record) => dataset.deleteContact(record)),
      /** Books a diary appointment for a record; returns the appointment OID. */
      createAppointment(appointment: CreateAppointmentOptions): string {
        const dataset = datasetFor(appointment.shortName);
        const record = recordFor(dataset, appointment.contactId);
        const systemType = appointment.systemType ?? DEFAULT_APPOINTMENT[record.type];
        const created = dataset.addAppointment({
          systemType,
          subject: APPOINTMENT_SUBJECTS[systemType] ?? 'Appointment',
          ...appointmentSlot(appointment, systemType === 'Viewing' ? 30 : 60, clock.now()),
          status: appointment.status ?? 'Booked',
          propertySeq: kit.controlRandom().int(1, 5000),
          negotiator: 'Jas Singh',
          attendees: [{ type: record.type, seq: record.seq }],
        });
        return dataset.appointmentOid(created.seq);
      },
      /** Records an offer by a record; returns the offer OID. */
      createOffer(offer: CreateOfferOptions): string {
        const dataset = datasetFor(offer.shortName);
        const record = recordFor(dataset, offer.contactId);
        const created = dataset.addOffer({
          applicant: { type: record.type, seq: record.seq },
          propertySeq: kit.controlRandom().int(1, 5000),
          amount: offer.amount ?? 350_000,
          status: offer.status ?? 'Submitted',
          dateOffered: new Date(clock.now()).toISOString().slice(0, 10),
        });
        return dataset.offerOid(created.seq);
      },
      /** An agent moves an appointment on (e.g. to Completed): ModifiedDate and ETag move. */
      setAppointmentStatus(oid: string, status: AgentosAppointmentStatus, statusOptions?: Agency): void {
        const dataset = datasetFor(statusOptions?.shortName);
        const record = known(
          dataset.appointmentByOid(oid),
          `appointment ${oid} not found in ${dataset.shortName}`,
        );
        dataset.editAppointment(record, { status });
      },
      /** An agent moves an offer on (e.g. to Accepted): ModifiedDate and ETag move. */
      setOfferStatus(oid: string, status: AgentosOfferStatus, statusOptions?: Agency): void {
        const dataset = datasetFor(statusOptions?.shortName);
        dataset.editOffer(known(dataset.offerByOid(oid), `offer ${oid} not found in ${dataset.shortName}`), {
          status,
        });
      },
      /** Requests with the key then fail with 401, until restored. */
      revokeKey: (apiKey: string) => faults.revokeCredential(apiKey),
      restoreKey: (apiKey: string) => faults.restoreCredential(apiKey),
      /** What repeated rate-limit abuse does: 403 until unblocked (or the block expires). */
      blockKey: (apiKey: string) => guard.block(apiKey),
      unblockKey: (apiKey: string) => guard.unblock(apiKey),
    };

    /** Records the API shows (marketing consent given, not deleted), over all five lists. */
    const listableContactCount = (shortName?: string): number => datasetFor(shortName).visibleCount();
    /** Ids (`<ContactType>:<OID>`) of every record the API shows, list by list in creation order. */
    const listableContactIds = (shortName?: string): string[] => {
      const dataset = datasetFor(shortName);
      return AGENTOS_CONTACT_TYPES.flatMap((type) =>
        dataset.lists[type].listed().map((record) => dataset.externalIdOf(record)),
      );
    };
    /** Subscriptions as the API lists them (secrets never included). */
    const webhookSubscriptions = (shortName?: string): JsonObject[] =>
      webhooks.list(datasetFor(shortName).shortName).map((subscription) => webhooks.render(subscription));
    // What the agentOS simulator adds to the toolkit's simulator.
    const state = {
      keys: keys.map((key) => ({ ...key, tiers: [...key.tiers] })) as readonly AgentosApiKey[],
      defaultShortName: agencies.defaultTenant,
      listableContactCount,
      listableContactIds,
      // The names every simulator shares.
      contactCount: listableContactCount,
      contactIds: listableContactIds,
      /** Every stored record, shown or not. */
      recordCount: (shortName?: string): number => {
        const dataset = datasetFor(shortName);
        return AGENTOS_CONTACT_TYPES.reduce((sum, type) => sum + dataset.lists[type].size, 0);
      },
      /** The record as GET returns it (also for records the API hides), or undefined when deleted or unknown. */
      getContact(id: string, shortName?: string): JsonObject | undefined {
        const dataset = datasetFor(shortName);
        const record = dataset.contactByExternalId(id);
        return record === undefined || record.deleted ? undefined : renderContact(record, dataset.seed);
      },
      people: (shortName?: string): readonly UkPerson[] => datasetFor(shortName).people.people,
      /** Each planted duplicate's records and its original's (one per list the person is on). */
      plantedDuplicates(shortName?: string) {
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
      /** Log entries written to a record (or to every record), oldest first. */
      logEntries(id?: string, shortName?: string): JsonObject[] {
        const dataset = datasetFor(shortName);
        if (id === undefined)
          return [...dataset.logEntries.values()].map((entry) => renderLogEntry(entry, dataset.seed));
        const record = dataset.contactByExternalId(id);
        if (record === undefined) return [];
        return dataset
          .logEntriesOf({ type: record.type, seq: record.seq })
          .map((entry) => renderLogEntry(entry, dataset.seed));
      },
      engagement(id: string, shortName?: string): EngagementRecord {
        const dataset = datasetFor(shortName);
        const record = recordFor(dataset, id);
        return dataset.engagementOf({ type: record.type, seq: record.seq });
      },
      webhookSubscriptions,
      /**
       * A delivery as agentOS would send it for the record, signed with `secret` at now plus
       * `timestampOffsetSeconds` (for receiver tests).
       */
      signedDelivery(delivery: {
        id: string;
        secret: string;
        event?: AgentosWebhookEvent;
        timestampOffsetSeconds?: number;
        shortName?: string;
      }) {
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
        const signedAt = unixSeconds(delivery.timestampOffsetSeconds);
        return {
          headers: webhookHeaders({
            secret: delivery.secret,
            body,
            event,
            deliveryId,
            unixSeconds: signedAt,
          }),
          rawBody: Buffer.from(body),
        };
      },
    };

    const authenticate: RequestHandler = (request, response, next) => {
      const check = guard.check(
        apiKeyOf(request),
        String(request.params.tier),
        String(request.params.shortName),
      );
      if (!check.ok) return sendError(response, check.status, check.message);
      const dataset = agencies.byKey.get(check.key.shortName.toLowerCase());
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

    return {
      own: state,
      controls,
      requestId: () => randomUUID(),
      sendError: (response, status, detail) => sendError(response, status, detail),
      sendFault(_request, response, status) {
        // An injected 429 looks like a real one, wait included.
        if (status === 429) response.setHeader('Retry-After', String(limits.retryAfterSeconds));
        sendError(response, status);
      },
      messages: {
        notFound: (request) => `No HTTP resource was found that matches the request URI '${request.path}'`,
        invalidJson: 'The request body is not valid JSON',
        tooLarge: 'The request body is larger than 1 MB',
      },
      mount(app, { injectFaults }) {
        app.use(
          '/v4/:tier/:shortName',
          authenticate,
          limitRate,
          injectFaults,
          express.json({ type: ['application/json', 'application/*+json'], limit: '1mb' }),
          createAgentosApiRouter(webhooks),
        );
      },
      describe(request) {
        const shortName = agency.tenant(request) ?? agencies.defaultTenant;
        const snapshot = faults.snapshot();
        return {
          agencies: [...new Set(keys.map((key) => key.shortName))],
          keys: keys.map((key) => ({ shortName: key.shortName, tiers: key.tiers })),
          shortName,
          listableContactCount: listableContactCount(shortName),
          recordCount: state.recordCount(shortName),
          plantedDuplicates: datasetFor(shortName).people.duplicates.length,
          webhooks: webhookSubscriptions(shortName).length,
          // Revoked credentials are API keys: only their number is shown.
          faults: { ...snapshot, revoked: snapshot.revoked.length },
        };
      },
      // agentOS's own `/_sim` routes: records, appointments, offers, keys and write-back reads.
      controlRoutes(router) {
        const createContact = (body: Record<string, unknown>, scope: Agency) => {
          const { contactType, ...input } = CreateSchema.parse(body);
          return controls.createContact(contactType, input as ContactCreate, scope);
        };
        agency.contacts(router, { ...controls, createContact }, { noun: 'record' });
        mountApiKeyControls(router, '/keys', {
          revoke: controls.revokeKey,
          restore: controls.restoreKey,
          block: controls.blockKey,
          unblock: controls.unblockKey,
        });
        mountControlRoutes(router, {
          'POST /appointments': agency.create(AppointmentSchema, controls.createAppointment, 'oid'),
          'POST /offers': agency.create(OfferSchema, controls.createOffer, 'oid'),
          'POST /appointments/:oid/status': agency.update(AppointmentStatusSchema, (oid, { status }, scope) =>
            controls.setAppointmentStatus(oid, status, scope),
          ),
          'POST /offers/:oid/status': agency.update(OfferStatusSchema, (oid, { status }, scope) =>
            controls.setOfferStatus(oid, status, scope),
          ),
          'GET /log-entries': (request) => {
            const id = typeof request.query.id === 'string' ? request.query.id : undefined;
            return { entries: state.logEntries(id, agency.tenant(request)) };
          },
          'GET /engagement/:id': (request) =>
            state.engagement(String(request.params.id), agency.tenant(request)),
          'GET /webhooks': agency.read('webhooks', state.webhookSubscriptions),
          'GET /planted-duplicates': agency.read('duplicates', state.plantedDuplicates),
        });
      },
    };
  },
});

function stripEtag(patch: ContactPatch & { ETag?: string | undefined }): ContactPatch {
  const { ETag: _etag, ...rest } = patch;
  return rest;
}

const APPOINTMENT_SUBJECTS: Partial<Record<AgentosAppointmentType, string>> = {
  Viewing: 'Viewing',
  SalesAppraisal: 'Sales valuation',
  ViewAndValue: 'Lettings valuation',
};

const DEFAULT_APPOINTMENT: Readonly<Record<AgentosContactType, AgentosAppointmentType>> = {
  Tenant: 'InterimInspection',
  Landlord: 'ViewAndValue',
  LettingsApplicant: 'Viewing',
  SalesApplicant: 'Viewing',
  Vendor: 'SalesAppraisal',
};

/** A plausible edit a negotiator might make; never touches consent, so the record stays shared. */
function randomChange(dataset: AgentosDataset, record: ContactRecord, random: SeededRandom): ContactPatch {
  const fields = fieldsOf(record, dataset.seed);
  switch (random.int(0, 3)) {
    case 0:
      return { EmailAddress: emailElsewhere(random, fields.EmailAddress, fields.Forename) };
    case 1:
      return { MobilePhone: restyledPhone(random, fields.MobilePhone) };
    case 2: {
      const moved = movedAddress(random, fields.Address?.Postcode);
      return { Address: { Number: moved.number, Name: '', Street: moved.street, Postcode: moved.postcode } };
    }
    default:
      return { Surname: random.pick(SURNAMES) };
  }
}

export type AgentosSimulator = ReturnType<typeof createAgentosSimulator>;
export type { AgentosApiKey, AgentosRateLimits };
