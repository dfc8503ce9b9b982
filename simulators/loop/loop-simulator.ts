import { createHash, randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import type { z } from 'zod';
import { ControlInputError, contactControl, type ModifyContactsOptions } from '../toolkit/control-inputs.ts';
import {
  defineSimulator,
  defined,
  type SimulatorKit,
  type ApiSimulatorOptions,
} from '../toolkit/define-simulator.ts';
import { signedNow, standardDelivery } from '../toolkit/standard-webhook-delivery.ts';
import { bySequence } from '../toolkit/random-edits.ts';
import { contactReads, modifyRecords } from '../toolkit/controls-contacts.ts';
import { known, mountControlRoutes } from '../toolkit/control-routes.ts';
import { tenantScope } from '../toolkit/controls-scope.ts';
import { mountApiKeyControls } from '../toolkit/credential-controls.ts';
import { rateLimitMiddleware } from '../toolkit/rate-limiter.ts';
import { mixSeed } from '../toolkit/seeded-random.ts';
import { renderNote } from './loop-activity.model.ts';
import { createLoopApiRouter, type LoopCallContext } from './loop-api.routes.ts';
import {
  GUID_PATTERN,
  LOOP_DEMO_TEAM,
  LOOP_RATE_LIMITS,
  type LoopAppointmentStatus,
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
import { randomChange } from './loop-contact-edits.ts';
import { LoopDataset } from './loop-dataset.ts';
import { loopId } from './loop-ids.ts';
import {
  ContactCreateSchema,
  ContactPatchSchema,
  ControlAppointmentSchema,
  ControlAppointmentUpdateSchema,
  ControlOfferSchema,
  ControlOfferUpdateSchema,
  LIMIT_MESSAGES,
  rateLimitConfig,
  sendError,
  type ContactPatch,
} from './loop-http.ts';
import { LoopWebhooks, USER_AGENT, webhookBody } from './loop-webhooks.ts';

export interface LoopSimulatorOptions extends ApiSimulatorOptions<LoopRateLimits> {
  /** Share of generated contacts that are archived (default 0.02). */
  archivedRate?: number;
  /** Teams and their API keys (default: {@link LOOP_DEMO_TEAM}). The first team is the default. */
  teams?: readonly LoopTeam[];
}

type TeamOption = { teamId?: string };

/** `type`: `viewing` (default for applicants) or `valuation` (default otherwise); `start` may also be a time or a Date in code. */
export type CreateAppointmentOptions = Omit<z.input<typeof ControlAppointmentSchema>, 'start'> &
  TeamOption & { start?: number | string | Date };

export type CreateOfferOptions = z.input<typeof ControlOfferSchema> & TeamOption;

/** A non-secret handle for an API key: revocations and rate budgets are kept under it. */
function apiKeyHandle(apiKey: string): string {
  return `key_${createHash('sha256').update(apiKey.trim().toLowerCase()).digest('hex').slice(0, 12)}`;
}

/**
 * An in-process Loop API (the conventional REST shape documented in README.md): GUID API keys
 * per team, contacts with `page`/`pageSize` paging and an `updatedSince` filter, notes, appointments,
 * offers, webhook subscriptions with Standard Webhooks signatures, enforced rate limits, fault
 * injection and a control surface under `/_sim`.
 */
export const createLoopSimulator = defineSimulator({
  crm: 'loop',
  // Keeps the fault and control draws the Loop simulator always had.
  seedPrefix: 'loop-',
  build(kit: SimulatorKit<LoopSimulatorOptions>) {
    const { options, clock, faults } = kit;
    const teams = (options.teams ?? [LOOP_DEMO_TEAM]).map((team) => ({
      ...team,
      apiKeys: [...team.apiKeys],
    }));
    const keys = new Map<string, { teamId: string; handle: string }>();
    for (const team of teams) {
      for (const apiKey of team.apiKeys) {
        if (!GUID_PATTERN.test(apiKey))
          throw new RangeError(`API keys are GUIDs; team ${team.teamId} has one that is not`);
        keys.set(apiKey.toLowerCase(), { teamId: team.teamId, handle: apiKeyHandle(apiKey) });
      }
    }
    const rateLimiter = kit.rateLimiter(rateLimitConfig(options.rateLimits));
    const dispatcher = kit.webhookDispatcher({
      ...standardDelivery(options.webhookTimeoutMs),
      seed: mixSeed(kit.seed, 'loop-webhooks'),
    });
    const webhooks = new LoopWebhooks({ dispatcher, now: clock.now });
    const datasets = kit.tenantDatasets({
      tenants: teams.map((team) => team.teamId),
      noun: 'team',
      build: (teamId, seed) =>
        new LoopDataset({
          teamId,
          name: teams.find((team) => team.teamId === teamId)?.name ?? teamId,
          ...seed,
          ...(options.archivedRate === undefined ? {} : { archivedRate: options.archivedRate }),
          now: clock.now,
          webhooks,
        }),
    });
    kit.onReset(() => webhooks.reset());

    /** Applies the change when the record exists; says whether it did. */
    const ifFound = <T>(record: T | undefined, change: (record: T) => void): boolean => {
      if (record !== undefined) change(record);
      return record !== undefined;
    };
    const teamDataset = (scope?: TeamOption) => datasets.get(scope?.teamId);
    const contactFor = (dataset: LoopDataset, id: string): ContactRecord =>
      known(dataset.contactById(id), `contact ${id} not found in team ${dataset.teamId}`);
    // Loop's data controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`.
    const controls = {
      /**
       * Modifies contacts (moving `updatedAt`) and sends `contact.updated`; returns their ids. The
       * random edit is one of email, phone format, consent, address or surname.
       */
      modifyContacts(modify: ModifyContactsOptions<ContactPatch, TeamOption>): string[] {
        const dataset = datasets.get(modify.teamId);
        return modifyRecords(modify, {
          fields: modify.fields && ContactPatchSchema.parse(modify.fields),
          byId: (id) => contactFor(dataset, id),
          pool: () => dataset.contacts.byCreated.items.filter((record) => record.archivedAt === null),
          order: bySequence,
          random: kit.controlRandom,
          randomChange: (record, random) => randomChange(fieldsOf(record, dataset.seed), random),
          apply: (records, patchOf) => dataset.patchContacts(records, patchOf),
          idOf: (record) => contactIdOf(record, dataset.salt),
        });
      },
      /** Creates a contact as if entered in Loop (sends `contact.created`); returns its id. */
      createContact(input: ContactPatch, createOptions?: TeamOption): string {
        const dataset = datasets.get(createOptions?.teamId);
        const record = dataset.createContact(ContactCreateSchema.parse(input));
        return contactIdOf(record, dataset.salt);
      },
      /** Archives a contact (`archived: true`, hidden from lists unless `includeArchived=true`). */
      archiveContact: contactControl(teamDataset, (dataset, record) => dataset.archiveContact(record)),
      /** Removes a contact entirely (GET answers 404; `contact.deleted` carries only the id). */
      deleteContact: contactControl(teamDataset, (dataset, record) => dataset.deleteContact(record)),
      createAppointment(appointment: CreateAppointmentOptions): string {
        const dataset = datasets.get(appointment.teamId);
        const contact = contactFor(dataset, appointment.contactId);
        const fields = fieldsOf(contact, dataset.seed);
        const type =
          appointment.type ?? (fields.contactTypes.includes('applicant') ? 'viewing' : 'valuation');
        const start =
          appointment.start === undefined ? clock.now() + 86_400_000 : new Date(appointment.start).getTime();
        if (Number.isNaN(start)) throw new ControlInputError('start is not a valid date');
        const record = dataset.addAppointment({
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
          propertySeq: kit.controlRandom().int(1, 5000),
          negotiatorSeq: fields.negotiatorSeq,
        });
        return loopId(dataset.salt, 'appointment', record.seq);
      },
      updateAppointment(id: string, status: LoopAppointmentStatus, updateOptions?: TeamOption): boolean {
        const dataset = datasets.get(updateOptions?.teamId);
        return ifFound(dataset.appointmentById(id), (record) => dataset.updateAppointment(record, status));
      },
      createOffer(offer: CreateOfferOptions): string {
        const dataset = datasets.get(offer.teamId);
        const contact = contactFor(dataset, offer.contactId);
        const fields = fieldsOf(contact, dataset.seed);
        const profile = fields.applicantProfiles[0];
        const kind =
          offer.type ?? (profile === undefined ? undefined : profile.intent === 'buy' ? 'sale' : 'let');
        if (kind === undefined)
          throw new ControlInputError(
            `contact ${offer.contactId} is not an applicant, so cannot make an offer`,
          );
        const record = dataset.addOffer({
          kind,
          status: offer.status ?? 'submitted',
          amount: offer.amount ?? (kind === 'sale' ? 350_000 : 1_450),
          contactSeq: contact.seq,
          propertySeq: kit.controlRandom().int(1, 5000),
          negotiatorSeq: fields.negotiatorSeq,
        });
        return loopId(dataset.salt, 'offer', record.seq);
      },
      updateOffer(
        id: string,
        changes: { status?: LoopOfferStatus; amount?: number },
        updateOptions?: TeamOption,
      ): boolean {
        const dataset = datasets.get(updateOptions?.teamId);
        return ifFound(dataset.offerById(id), (record) => dataset.updateOffer(record, changes));
      },
      /** Requests with this API key then fail with 401. */
      revokeApiKey: (apiKey: string) => faults.revokeCredential(apiKeyHandle(apiKey)),
      restoreApiKey: (apiKey: string) => faults.restoreCredential(apiKeyHandle(apiKey)),
    };

    const reads = contactReads({
      datasetOf: (teamId) => datasets.get(teamId),
      records: (dataset) => dataset.contacts.byCreated.items,
      count: (dataset) => dataset.contacts.size,
      idOf: (dataset, record) => contactIdOf(record, dataset.salt),
      byId: (dataset, id) => dataset.contactById(id),
      // The contact as GET /v1/contacts/{id} returns it.
      render: (dataset, record): JsonObject => renderContact(record, dataset),
      personContactId,
    });
    /** Webhook subscriptions as the API lists them (secrets never shown). */
    const subscriptions = (teamId?: string): JsonObject[] =>
      webhooks.list(teamId ?? datasets.defaultTenant).map((subscription) => webhooks.render(subscription));
    // What the Loop simulator adds to the toolkit's simulator.
    const state = {
      defaultTeamId: datasets.defaultTenant,
      // Contacts the API holds, archived ones included; person i is the i-th contact created.
      ...reads,
      namesakes: (teamId?: string) =>
        reads.namesakes(teamId).map(({ contactIds, forename, surname }) => ({
          contactIds,
          firstName: forename,
          lastName: surname,
        })),
      /** Notes, oldest first; of one contact when `contactId` is given. */
      notes(notesOptions: { contactId?: string } & TeamOption = {}): JsonObject[] {
        const dataset = datasets.get(notesOptions.teamId);
        const contactId = notesOptions.contactId;
        const notes =
          contactId === undefined
            ? dataset.notes.byCreated.items
            : dataset.notes.of(dataset.contactById(contactId)?.seq ?? -1);
        return notes.map((note) => renderNote(note, dataset));
      },
      webhooks: subscriptions,
      /** A contact event signed as a delivery would be, without sending it: for testing receivers. */
      signedContactWebhook(signed: {
        contactId: string;
        /** The subscription secret to sign with (default: the team's latest subscription's). */
        secret?: string | null;
        type?: Extract<LoopWebhookEvent, 'contact.created' | 'contact.updated' | 'contact.archived'>;
        timestampOffsetSeconds?: number;
        teamId?: string;
      }) {
        const dataset = datasets.get(signed.teamId);
        const record = contactFor(dataset, signed.contactId);
        const secret = signed.secret ?? webhooks.list(dataset.teamId).at(-1)?.secret;
        if (secret === undefined) throw new RangeError('no webhook subscription to sign with: pass a secret');
        const type = signed.type ?? 'contact.updated';
        const data = renderContact(record, dataset);
        const rawBody = webhookBody(type, clock.now(), data, type === 'contact.updated' ? [] : undefined);
        return {
          headers: signedNow(secret, rawBody, signed.timestampOffsetSeconds, USER_AGENT),
          rawBody,
        };
      },
    };

    const authenticate: RequestHandler = (request, response, next) => {
      const header = request.get('x-api-key')?.trim();
      if (header === undefined || header === '')
        return sendError(
          response,
          401,
          'An x-api-key header is required: use an API key issued to your Loop team',
        );
      if (!GUID_PATTERN.test(header))
        return sendError(response, 401, 'The x-api-key header must be a Loop API key (a GUID)');
      const key = keys.get(header.toLowerCase());
      if (key === undefined) return sendError(response, 401, 'The API key is not valid');
      if (faults.isRevoked(key.handle)) return sendError(response, 401, 'The API key has been revoked');
      const dataset = datasets.byKey.get(key.teamId);
      if (dataset === undefined) return sendError(response, 403, 'The API key belongs to no team');
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

    return {
      own: state,
      controls,
      requestId: () => randomUUID(),
      sendError: (response, status, detail) => sendError(response, status, detail),
      messages: {
        notFound: (request) => `No route for ${request.method} ${request.path}`,
        invalidJson: 'The request body is not valid JSON',
        tooLarge: 'The request body is larger than the 1 MB accepted',
      },
      mount(app, { injectFaults }) {
        app.use(
          authenticate,
          limitRate,
          injectFaults,
          express.json({ type: ['application/json', 'application/*+json'], limit: '1mb' }),
          createLoopApiRouter(webhooks),
        );
      },
      describe(request) {
        const teamId = team.tenant(request) ?? datasets.defaultTenant;
        return {
          // API keys are never shown, only how many each team has.
          teams: teams.map((team) => ({
            teamId: team.teamId,
            name: team.name,
            apiKeys: team.apiKeys.length,
          })),
          teamId,
          contactCount: datasets.get(teamId).contacts.size,
          plantedDuplicates: datasets.get(teamId).people.duplicates.length,
          webhooks: subscriptions(teamId).length,
          rateLimits: LOOP_RATE_LIMITS,
        };
      },
      // Loop's own `/_sim` routes: contacts, appointments, offers, API keys and state reads.
      controlRoutes(router) {
        team.contacts(router, controls);
        mountControlRoutes(router, {
          'POST /appointments': team.create(ControlAppointmentSchema, controls.createAppointment),
          'PATCH /appointments/:id': team.update(
            ControlAppointmentUpdateSchema,
            (id, { status }, scope) => controls.updateAppointment(id, status, scope),
            'appointment',
          ),
          'POST /offers': team.create(ControlOfferSchema, controls.createOffer),
          'PATCH /offers/:id': team.update(
            ControlOfferUpdateSchema,
            (id, changes, scope) => controls.updateOffer(id, defined(changes), scope),
            'offer',
          ),
        });
        mountApiKeyControls(router, '/api-keys', {
          revoke: controls.revokeApiKey,
          restore: controls.restoreApiKey,
        });
        mountControlRoutes(router, {
          'GET /notes': (request) => {
            const contactId =
              typeof request.query.contactId === 'string' ? request.query.contactId : undefined;
            return { notes: state.notes({ ...defined({ contactId }), ...team.of(request) }) };
          },
          'GET /webhooks': team.read('webhooks', state.webhooks),
          'GET /planted-duplicates': team.planted(state),
        });
      },
    };
  },
});

/** The team a control request names (query or body). */
const team = tenantScope('teamId');

/** The id of the contact generated from person `index` (its record may since be deleted). */
function personContactId(dataset: LoopDataset, index: number): string {
  const contact = dataset.contacts.get(index + 1);
  return contact === undefined
    ? loopId(dataset.salt, 'contact', index + 1)
    : contactIdOf(contact, dataset.salt);
}

export type LoopSimulator = ReturnType<typeof createLoopSimulator>;
export type { LoopRateLimits, LoopTeam };
