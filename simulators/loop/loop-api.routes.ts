import { Router, type Request, type Response } from 'express';
import {
  renderAppointment,
  renderNote,
  renderOffer,
  type AppointmentRecord,
  type OfferRecord,
} from './loop-activity.model.ts';
import type { QueryPlan, ResultView } from './loop-collection.ts';
import {
  LOOP_APPOINTMENT_STATUSES,
  LOOP_APPOINTMENT_TYPES,
  LOOP_CONTACT_TYPES,
  LOOP_OFFER_STATUSES,
} from './loop-constants.ts';
import { contactTypesOf, renderContact, type ContactRecord } from './loop-contact.model.ts';
import type { ContactPatch, LoopDataset } from './loop-dataset.ts';
import type { LoopEngine } from './loop-engine.ts';
import {
  ContactCreateSchema,
  ContactPatchSchema,
  LoopQuery,
  NoteCreateSchema,
  WebhookCreateSchema,
  WebhookUpdateSchema,
  listEnvelope,
  readPaging,
  readSort,
  sendError,
  sendValidationError,
} from './loop-http.ts';
import { loopId } from './loop-ids.ts';

/** What the auth middleware leaves for the handlers. */
export interface LoopCallContext {
  dataset: LoopDataset;
}

function datasetOf(response: Response): LoopDataset {
  return (response.locals.loop as LoopCallContext).dataset;
}

function param(request: Request, name: string): string {
  return String(request.params[name]);
}

function viewOf<T>(items: readonly T[]): ResultView<T> {
  return { items, start: 0, end: items.length, descending: false };
}

/** Combines predicates, skipping absent ones. */
function allOf<T>(predicates: Array<((item: T) => boolean) | null>): ((item: T) => boolean) | undefined {
  const active = predicates.filter((predicate): predicate is (item: T) => boolean => predicate !== null);
  if (active.length === 0) return undefined;
  return (item) => active.every((predicate) => predicate(item));
}

/** The `updatedSince` / `updatedUntil` range (both inclusive), answered from the update-time index. */
function updatedRange(query: LoopQuery): QueryPlan<never>['range'] {
  const from = query.instant('updatedSince');
  const to = query.instant('updatedUntil');
  return from === undefined && to === undefined ? undefined : { field: 'updated', from, to };
}

function listContacts(request: Request, response: Response): void {
  const dataset = datasetOf(response);
  const query = new LoopQuery(request.query);
  const paging = readPaging(query);
  const sort = readSort(query);
  const range = updatedRange(query);
  const email = query.string('email');
  const type = query.oneOf('type', LOOP_CONTACT_TYPES);
  const includeArchived = query.boolean('includeArchived') ?? false;
  const plan: QueryPlan<ContactRecord> = {
    ...(email === undefined ? {} : { candidates: dataset.contactsByEmail(email) }),
    ...(range === undefined ? {} : { range }),
    sort,
  };
  const predicate = allOf<ContactRecord>([
    includeArchived ? null : (record) => record.archivedAt === null,
    type === undefined ? null : (record) => contactTypesOf(record).includes(type),
  ]);
  if (predicate !== undefined) plan.predicate = predicate;
  const cacheKey = JSON.stringify([email?.trim().toLowerCase(), type, includeArchived, range, sort]);
  const view = dataset.contacts.query(cacheKey, plan);
  response.json(listEnvelope(view, paging, (record) => renderContact(record, dataset)));
}

function contactOr404(request: Request, response: Response): ContactRecord | undefined {
  const record = datasetOf(response).contactById(param(request, 'id'));
  if (record === undefined) sendError(response, 404, `Contact ${param(request, 'id')} was not found`);
  return record;
}

function contactSeqFilter(dataset: LoopDataset, query: LoopQuery): number | null | undefined {
  const contactId = query.string('contactId');
  if (contactId === undefined) return undefined;
  return dataset.contactById(contactId)?.seq ?? null;
}

/** Builds the API router. Assumes the key check, rate limits and faults ran first. */
export function createLoopApiRouter(engine: LoopEngine): Router {
  const router = Router();

  router.get('/v1/team', (_request, response) => {
    const dataset = datasetOf(response);
    response.json({ id: dataset.teamId, name: dataset.name, timeZone: 'Europe/London', currency: 'GBP' });
  });

  router.get('/v1/contacts', listContacts);

  router.post('/v1/contacts', (request, response) => {
    const dataset = datasetOf(response);
    const parsed = ContactCreateSchema.safeParse(request.body);
    if (!parsed.success) {
      sendValidationError(response, parsed.error);
      return;
    }
    const record = engine.createContact(dataset, parsed.data as ContactPatch);
    const body = renderContact(record, dataset);
    response
      .status(201)
      .location(`/v1/contacts/${String(body.id)}`)
      .json(body);
  });

  router.get('/v1/contacts/:id', (request, response) => {
    const record = contactOr404(request, response);
    if (record !== undefined) response.json(renderContact(record, datasetOf(response)));
  });

  router.patch('/v1/contacts/:id', (request, response) => {
    const dataset = datasetOf(response);
    const parsed = ContactPatchSchema.safeParse(request.body);
    if (!parsed.success) {
      sendValidationError(response, parsed.error);
      return;
    }
    const record = contactOr404(request, response);
    if (record === undefined) return;
    // No concurrency token: the last write wins, as the catalogue describes Loop.
    engine.patchContacts(dataset, [record], () => parsed.data as ContactPatch);
    response.json(renderContact(record, dataset));
  });

  router.get('/v1/contacts/:id/notes', (request, response) => {
    const dataset = datasetOf(response);
    const record = contactOr404(request, response);
    if (record === undefined) return;
    const query = new LoopQuery(request.query);
    const paging = readPaging(query);
    const reference = query.string('externalReference');
    const notes = dataset
      .notesOf(record.seq)
      .filter((note) => reference === undefined || note.externalReference === reference)
      .sort((a, b) => b.created - a.created || b.seq - a.seq);
    response.json(listEnvelope(viewOf(notes), paging, (note) => renderNote(note, dataset)));
  });

  router.post('/v1/contacts/:id/notes', (request, response) => {
    const dataset = datasetOf(response);
    const parsed = NoteCreateSchema.safeParse(request.body);
    if (!parsed.success) {
      sendValidationError(response, parsed.error);
      return;
    }
    const record = contactOr404(request, response);
    if (record === undefined) return;
    const input = parsed.data;
    const contactId = param(request, 'id').toLowerCase();
    if (input.externalReference !== undefined) {
      const existing = dataset.noteByExternalReference(record.seq, input.externalReference);
      if (existing !== undefined) {
        const existingId = loopId(dataset.salt, 'note', existing.seq);
        sendError(
          response,
          409,
          `A note with externalReference "${input.externalReference}" already exists on this contact`,
          {
            headers: { location: `/v1/contacts/${contactId}/notes/${existingId}` },
            body: { existingNoteId: existingId },
          },
        );
        return;
      }
    }
    const note = engine.addNote(dataset, {
      contactSeq: record.seq,
      type: input.type,
      subject: input.subject ?? null,
      body: input.body,
      externalReference: input.externalReference ?? null,
      ...(input.occurredAt === undefined ? {} : { occurred: Date.parse(input.occurredAt) }),
    });
    const body = renderNote(note, dataset);
    response
      .status(201)
      .location(`/v1/contacts/${contactId}/notes/${String(body.id)}`)
      .json(body);
  });

  router.get('/v1/contacts/:id/notes/:noteId', (request, response) => {
    const dataset = datasetOf(response);
    const record = contactOr404(request, response);
    if (record === undefined) return;
    const note = dataset.noteById(param(request, 'noteId'));
    if (note === undefined || note.contactSeq !== record.seq) {
      sendError(response, 404, `Note ${param(request, 'noteId')} was not found on this contact`);
      return;
    }
    response.json(renderNote(note, dataset));
  });

  router.get('/v1/appointments', (request, response) => {
    const dataset = datasetOf(response);
    const query = new LoopQuery(request.query);
    const paging = readPaging(query);
    const sort = readSort(query);
    const range = updatedRange(query);
    const contactSeq = contactSeqFilter(dataset, query);
    const type = query.oneOf('type', LOOP_APPOINTMENT_TYPES);
    const status = query.oneOf('status', LOOP_APPOINTMENT_STATUSES);
    const plan: QueryPlan<AppointmentRecord> = {
      ...(contactSeq === undefined
        ? {}
        : { candidates: contactSeq === null ? [] : dataset.appointmentsOf(contactSeq) }),
      ...(range === undefined ? {} : { range }),
      sort,
    };
    const predicate = allOf<AppointmentRecord>([
      type === undefined ? null : (record) => record.type === type,
      status === undefined ? null : (record) => record.status === status,
    ]);
    if (predicate !== undefined) plan.predicate = predicate;
    const view = dataset.appointments.query(JSON.stringify([contactSeq, type, status, range, sort]), plan);
    response.json(listEnvelope(view, paging, (record) => renderAppointment(record, dataset)));
  });

  router.get('/v1/appointments/:id', (request, response) => {
    const dataset = datasetOf(response);
    const record = dataset.appointmentById(param(request, 'id'));
    if (record === undefined) sendError(response, 404, `Appointment ${param(request, 'id')} was not found`);
    else response.json(renderAppointment(record, dataset));
  });

  router.get('/v1/offers', (request, response) => {
    const dataset = datasetOf(response);
    const query = new LoopQuery(request.query);
    const paging = readPaging(query);
    const sort = readSort(query);
    const range = updatedRange(query);
    const contactSeq = contactSeqFilter(dataset, query);
    const status = query.oneOf('status', LOOP_OFFER_STATUSES);
    const type = query.oneOf('type', ['sale', 'let'] as const);
    const plan: QueryPlan<OfferRecord> = {
      ...(contactSeq === undefined
        ? {}
        : { candidates: contactSeq === null ? [] : dataset.offersOf(contactSeq) }),
      ...(range === undefined ? {} : { range }),
      sort,
    };
    const predicate = allOf<OfferRecord>([
      status === undefined ? null : (record) => record.status === status,
      type === undefined ? null : (record) => record.kind === type,
    ]);
    if (predicate !== undefined) plan.predicate = predicate;
    const view = dataset.offers.query(JSON.stringify([contactSeq, status, type, range, sort]), plan);
    response.json(listEnvelope(view, paging, (record) => renderOffer(record, dataset)));
  });

  router.get('/v1/offers/:id', (request, response) => {
    const dataset = datasetOf(response);
    const record = dataset.offerById(param(request, 'id'));
    if (record === undefined) sendError(response, 404, `Offer ${param(request, 'id')} was not found`);
    else response.json(renderOffer(record, dataset));
  });

  router.post('/v1/webhooks', (request, response) => {
    const dataset = datasetOf(response);
    const parsed = WebhookCreateSchema.safeParse(request.body);
    if (!parsed.success) {
      sendValidationError(response, parsed.error);
      return;
    }
    const subscription = engine.webhooks.create(dataset.teamId, parsed.data);
    response
      .status(201)
      .location(`/v1/webhooks/${subscription.id}`)
      .json(engine.webhooks.render(subscription, { withSecret: true }));
  });

  router.get('/v1/webhooks', (request, response) => {
    const dataset = datasetOf(response);
    const paging = readPaging(new LoopQuery(request.query));
    const subscriptions = engine.webhooks.list(dataset.teamId);
    response.json(
      listEnvelope(viewOf(subscriptions), paging, (subscription) => engine.webhooks.render(subscription)),
    );
  });

  router.get('/v1/webhooks/:id', (request, response) => {
    const subscription = engine.webhooks.get(datasetOf(response).teamId, param(request, 'id'));
    if (subscription === undefined) sendError(response, 404, `Webhook ${param(request, 'id')} was not found`);
    else response.json(engine.webhooks.render(subscription));
  });

  router.patch('/v1/webhooks/:id', (request, response) => {
    const parsed = WebhookUpdateSchema.safeParse(request.body);
    if (!parsed.success) {
      sendValidationError(response, parsed.error);
      return;
    }
    const subscription = engine.webhooks.update(
      datasetOf(response).teamId,
      param(request, 'id'),
      parsed.data,
    );
    if (subscription === undefined) sendError(response, 404, `Webhook ${param(request, 'id')} was not found`);
    else response.json(engine.webhooks.render(subscription));
  });

  router.delete('/v1/webhooks/:id', (request, response) => {
    if (engine.webhooks.delete(datasetOf(response).teamId, param(request, 'id'))) response.status(204).end();
    else sendError(response, 404, `Webhook ${param(request, 'id')} was not found`);
  });

  return router;
}
