import { Router, type Request, type RequestHandler, type Response } from 'express';
import { bodyReader, sendCreated } from '../toolkit/api-resource-routes.ts';
import { BadRequestError, found } from '../toolkit/define-simulator.ts';
import type { QueryReader } from '../toolkit/query-reader.ts';
import { viewOf, type TimedCollection, type TimedRecord } from '../toolkit/timed-collection.ts';
import { renderAppointment, renderNote, renderOffer } from './loop-activity.model.ts';
import {
  LOOP_APPOINTMENT_STATUSES,
  LOOP_APPOINTMENT_TYPES,
  LOOP_CONTACT_TYPES,
  LOOP_OFFER_STATUSES,
} from './loop-constants.ts';
import { contactTypesOf, renderContact, type ContactRecord, type JsonObject } from './loop-contact.model.ts';
import type { LoopDataset } from './loop-dataset.ts';
import type { LoopWebhooks } from './loop-webhooks.ts';
import {
  ContactCreateSchema,
  ContactPatchSchema,
  loopQuery,
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

/** The validated body, or undefined once a 422 has answered. */
const bodyOf = bodyReader(sendValidationError);

/** A list's own filters: where to start (an index lookup), what to keep, and their cache key. */
interface ListFilters<T> {
  candidates?: readonly T[] | undefined;
  keep: Array<((record: T) => boolean) | null>;
  key: unknown[];
}

/**
 * A paged list with `sort` and the `updatedSince`/`updatedUntil` range (both inclusive), answered
 * from the update-time index unless an index lookup (candidates) narrows it first.
 */
function listRoute<T extends TimedRecord>(
  collectionOf: (dataset: LoopDataset) => TimedCollection<T>,
  filtersOf: (query: QueryReader, dataset: LoopDataset) => ListFilters<T>,
  render: (record: T, dataset: LoopDataset) => JsonObject,
): RequestHandler {
  return (request, response) => {
    const dataset = datasetOf(response);
    const query = loopQuery(request.query);
    const paging = readPaging(query);
    const sort = readSort(query);
    const range = {
      field: 'modified' as const,
      from: query.instant('updatedSince'),
      to: query.instant('updatedUntil'),
    };
    const { candidates, keep, key } = filtersOf(query, dataset);
    const plan = { candidates, range, filters: keep, sort };
    const view = collectionOf(dataset).query(JSON.stringify([...key, range, sort]), plan);
    response.json(listEnvelope(view, paging, (record) => render(record, dataset)));
  };
}

function contactOr404(request: Request, response: Response): ContactRecord {
  const id = param(request, 'id');
  return found(datasetOf(response).contactById(id), `Contact ${id} was not found`);
}

/** `GET <kind>s/{id}`: the record `lookup` finds, or a 404 naming the `noun`. */
function byIdRoute<T>(
  noun: string,
  lookup: (dataset: LoopDataset, id: string) => T | undefined,
  render: (record: T, dataset: LoopDataset) => JsonObject,
): RequestHandler {
  return (request, response) => {
    const dataset = datasetOf(response);
    const id = param(request, 'id');
    response.json(render(found(lookup(dataset, id), `${noun} ${id} was not found`), dataset));
  };
}

/** A `contactId` filter's candidates: the contact's records, none for an unknown contact. */
function ofContact<T>(query: QueryReader, dataset: LoopDataset, records: { of(seq: number): readonly T[] }) {
  const contactId = query.string('contactId');
  if (contactId === undefined) return { seq: undefined, candidates: undefined };
  const seq = dataset.contactById(contactId)?.seq ?? null;
  return { seq, candidates: seq === null ? [] : records.of(seq) };
}

/** A closed-list query parameter of an activity list and the record field it matches. */
type ValueFilter<T> = { name: string; allowed: readonly string[]; of: (record: T) => string };

/** Appointments and offers: by contact (`contactId`) and by closed-list values, read in the given order. */
function activityListRoute<T extends TimedRecord>(
  collectionOf: (dataset: LoopDataset) => TimedCollection<T> & { of(seq: number): readonly T[] },
  valueFilters: ReadonlyArray<ValueFilter<T>>,
  render: (record: T, dataset: LoopDataset) => JsonObject,
): RequestHandler {
  return listRoute(
    collectionOf,
    (query, dataset) => {
      const contact = ofContact(query, dataset, collectionOf(dataset));
      const values = valueFilters.map((filter) => query.oneOf(filter.name, filter.allowed));
      return {
        candidates: contact.candidates,
        keep: valueFilters.map((filter, index) => {
          const value = values[index];
          return value === undefined ? null : (record: T) => filter.of(record) === value;
        }),
        key: [contact.seq, ...values],
      };
    },
    render,
  );
}

/** Builds the API router. Assumes the key check, rate limits and faults ran first. */
export function createLoopApiRouter(webhooks: LoopWebhooks): Router {
  const router = Router();

  router.get('/v1/team', (_request, response) => {
    const dataset = datasetOf(response);
    response.json({ id: dataset.teamId, name: dataset.name, timeZone: 'Europe/London', currency: 'GBP' });
  });

  router.get(
    '/v1/contacts',
    listRoute(
      (dataset) => dataset.contacts,
      (query, dataset) => {
        const email = query.string('email');
        const type = query.oneOf('type', LOOP_CONTACT_TYPES);
        const includeArchived = query.boolean('includeArchived') ?? false;
        return {
          candidates: email === undefined ? undefined : dataset.contactsByEmail(email),
          keep: [
            includeArchived ? null : (record) => record.archivedAt === null,
            type === undefined ? null : (record) => contactTypesOf(record).includes(type),
          ],
          key: [email?.trim().toLowerCase(), type, includeArchived],
        };
      },
      renderContact,
    ),
  );

  router.post('/v1/contacts', (request, response) => {
    const dataset = datasetOf(response);
    const input = bodyOf(ContactCreateSchema, request, response);
    if (input === undefined) return;
    const body = renderContact(dataset.createContact(input), dataset);
    sendCreated(response, `/v1/contacts/${String(body.id)}`, body);
  });

  router.get('/v1/contacts/:id', (request, response) => {
    response.json(renderContact(contactOr404(request, response), datasetOf(response)));
  });

  router.patch('/v1/contacts/:id', (request, response) => {
    const dataset = datasetOf(response);
    const patch = bodyOf(ContactPatchSchema, request, response);
    if (patch === undefined) return;
    const record = contactOr404(request, response);
    // No concurrency token: the last write wins, as the catalogue describes Loop.
    dataset.patchContacts([record], () => patch);
    response.json(renderContact(record, dataset));
  });

  router.get('/v1/contacts/:id/notes', (request, response) => {
    const dataset = datasetOf(response);
    const record = contactOr404(request, response);
    const query = loopQuery(request.query);
    const paging = readPaging(query);
    const reference = query.string('externalReference');
    const notes = dataset.notes
      .of(record.seq)
      .filter((note) => reference === undefined || note.externalReference === reference)
      .sort((a, b) => b.created - a.created || b.seq - a.seq);
    response.json(listEnvelope(viewOf(notes), paging, (note) => renderNote(note, dataset)));
  });

  router.post('/v1/contacts/:id/notes', (request, response) => {
    const dataset = datasetOf(response);
    const input = bodyOf(NoteCreateSchema, request, response);
    if (input === undefined) return;
    const record = contactOr404(request, response);
    const contactId = param(request, 'id').toLowerCase();
    const existing =
      input.externalReference === undefined
        ? undefined
        : dataset.noteByExternalReference(record.seq, input.externalReference);
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
    const note = dataset.addNote({
      contactSeq: record.seq,
      type: input.type,
      subject: input.subject ?? null,
      body: input.body,
      externalReference: input.externalReference ?? null,
      ...(input.occurredAt === undefined ? {} : { occurred: Date.parse(input.occurredAt) }),
    });
    const body = renderNote(note, dataset);
    sendCreated(response, `/v1/contacts/${contactId}/notes/${String(body.id)}`, body);
  });

  router.get('/v1/contacts/:id/notes/:noteId', (request, response) => {
    const dataset = datasetOf(response);
    const record = contactOr404(request, response);
    const id = param(request, 'noteId');
    const note = dataset.noteById(id);
    const own = note?.contactSeq === record.seq ? note : undefined;
    response.json(renderNote(found(own, `Note ${id} was not found on this contact`), dataset));
  });

  router.get(
    '/v1/appointments',
    activityListRoute(
      (dataset) => dataset.appointments,
      [
        { name: 'type', allowed: LOOP_APPOINTMENT_TYPES, of: (record) => record.type },
        { name: 'status', allowed: LOOP_APPOINTMENT_STATUSES, of: (record) => record.status },
      ],
      renderAppointment,
    ),
  );

  router.get(
    '/v1/appointments/:id',
    byIdRoute('Appointment', (dataset, id) => dataset.appointmentById(id), renderAppointment),
  );

  router.get(
    '/v1/offers',
    activityListRoute(
      (dataset) => dataset.offers,
      [
        { name: 'status', allowed: LOOP_OFFER_STATUSES, of: (record) => record.status },
        { name: 'type', allowed: ['sale', 'let'] as const, of: (record) => record.kind },
      ],
      renderOffer,
    ),
  );

  router.get(
    '/v1/offers/:id',
    byIdRoute('Offer', (dataset, id) => dataset.offerById(id), renderOffer),
  );

  router.post('/v1/webhooks', (request, response) => {
    const input = bodyOf(WebhookCreateSchema, request, response);
    if (input === undefined) return;
    const subscription = webhooks.create(datasetOf(response).teamId, input);
    sendCreated(
      response,
      `/v1/webhooks/${subscription.id}`,
      webhooks.render(subscription, { withSecret: true }),
    );
  });

  router.get('/v1/webhooks', (request, response) => {
    const paging = readPaging(loopQuery(request.query));
    const subscriptions = webhooks.list(datasetOf(response).teamId);
    response.json(
      listEnvelope(viewOf(subscriptions), paging, (subscription) => webhooks.render(subscription)),
    );
  });

  const webhookNotFound = (request: Request) => `Webhook ${param(request, 'id')} was not found`;

  router.get('/v1/webhooks/:id', (request, response) => {
    const subscription = webhooks.find(datasetOf(response).teamId, param(request, 'id'));
    response.json(webhooks.render(found(subscription, webhookNotFound(request))));
  });

  router.patch('/v1/webhooks/:id', (request, response) => {
    const changes = bodyOf(WebhookUpdateSchema, request, response);
    if (changes === undefined) return;
    const subscription = webhooks.update(datasetOf(response).teamId, param(request, 'id'), changes);
    response.json(webhooks.render(found(subscription, webhookNotFound(request))));
  });

  router.delete('/v1/webhooks/:id', (request, response) => {
    if (!webhooks.remove(datasetOf(response).teamId, param(request, 'id')))
      throw new BadRequestError(webhookNotFound(request), { status: 404 });
    response.status(204).end();
  });

  return router;
}
