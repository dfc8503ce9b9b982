import { createHash } from 'node:crypto';
import { sendCreated } from '../toolkit/api-resource-routes.ts';
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { locationOf } from '../toolkit/body-schemas.ts';
import { BadRequestError, defined, found } from '../toolkit/define-simulator.ts';
import type { QueryReader } from '../toolkit/query-reader.ts';
import {
  ALTO_APPOINTMENT_ID_BASE,
  ALTO_CATEGORIES,
  ALTO_DEFAULT_MAX_RESULTS,
  ALTO_FILE_NOTE_ID_BASE,
  ALTO_MAX_IDS_PER_REQUEST,
  ALTO_MAX_RESULTS,
  ALTO_OFFER_ID_BASE,
  ALTO_PERSONAS,
  type AltoIntegration,
} from './alto-constants.ts';
import {
  renderAppointment,
  renderFileNote,
  renderOffer,
  seqOfId,
  type AppointmentRecord,
} from './alto-activity.model.ts';
import {
  ALTO_LEAD_SOURCES,
  ALTO_PARAMETERS_BY_PATH,
  contactIdOf,
  defaultPreferences,
  emptyAddress,
  fieldsOf,
  renderContact,
  renderListItem,
  renderPerson,
  renderPreferences,
  seqOfContactId,
  type AltoContactFields,
  type AltoParameterValue,
  type AltoPersonFields,
  type ContactRecord,
  type JsonObject,
} from './alto-contact.model.ts';
import type { AltoDataset } from './alto-dataset.ts';
import type { AltoWebhooks } from './alto-webhooks.ts';
import {
  altoQuery,
  CreateFileNoteSchema,
  EmailRequestSchema,
  PhoneRequestSchema,
  PostContactSchema,
  parseBody,
  PreferencesRequestSchema,
  SubscriptionRequestSchema,
  foundOr404,
  patchBoolean,
  readPatchDocument,
  type PatchOperation,
  type PostContactRequest,
} from './alto-http.ts';

/** What the auth and AgencyRef middleware leave for the handlers. */
export interface AltoCallContext {
  integration: AltoIntegration;
  dataset: AltoDataset;
}

function callContext(response: Response): AltoCallContext {
  return response.locals.alto as AltoCallContext;
}

/** `max-results` of every list endpoint: 50 by default, at most 250. */
const maxResultsOf = (query: QueryReader) =>
  query.int('max-results', { min: 1, max: ALTO_MAX_RESULTS, fallback: ALTO_DEFAULT_MAX_RESULTS });

/**
 * Keyset paging: `next-token` holds the last item's sort key (time, seq), tied to the filters it was
 * issued for (another query's token is a 400). `answer` writes `{meta:{nextToken}, items}`.
 */
function keysetPaging(query: QueryReader, filters: unknown[]) {
  const fingerprint = createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
  const token = query.string('next-token');
  let cursor: { time: number; seq: number } | null = null;
  if (token !== undefined) {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof decoded.t === 'number' && typeof decoded.s === 'number' && decoded.q === fingerprint)
        cursor = { time: decoded.t, seq: decoded.s };
    } catch {
      // answered with the 400 below
    }
    if (cursor === null)
      throw new BadRequestError(
        'next-token is not valid for this query: repeat the query with the same filters, or start again without it',
      );
  }
  const answer = <T extends { seq: number }>(
    page: readonly T[],
    more: boolean,
    timeOf: (item: T) => number,
    render: (item: T) => JsonObject,
  ) => {
    const last = page.at(-1);
    const key = last === undefined ? null : { t: timeOf(last), s: last.seq, q: fingerprint };
    const nextToken = more && key !== null ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
    return { meta: { nextToken }, items: page.map(render) };
  };
  return { cursor, answer };
}

/**
 * `GET /contacts/all`: oldest modification first (then id), keyset-paged. A record edited while
 * a client pages moves to the end of the order and never shifts unseen records onto read pages.
 */
function listContacts(request: Request, response: Response): void {
  const { dataset } = callContext(response);
  const query = altoQuery(request.query);
  const maxResults = maxResultsOf(query);
  const active = query.boolean('active');
  const category = query.oneOf('category', ALTO_CATEGORIES);
  const personas = query.manyOf('persona', ALTO_PERSONAS);
  const createdFrom = query.instant('created-from');
  const createdTo = query.instant('created-to');
  const modifiedFrom = query.instant('modified-from');
  const modifiedTo = query.instant('modified-to');
  const filters = [active, category, personas, createdFrom, createdTo, modifiedFrom, modifiedTo];
  const { cursor, answer } = keysetPaging(query, filters);

  const filtered = active !== undefined || category !== undefined || personas !== undefined;
  const matches = (record: ContactRecord): boolean => {
    if (createdFrom !== undefined && record.created < createdFrom) return false;
    if (createdTo !== undefined && record.created > createdTo) return false;
    if (!filtered) return true;
    const fields = fieldsOf(record, dataset.seed);
    if (active !== undefined && fields.archived === active) return false;
    if (category !== undefined && fields.category !== category) return false;
    if (personas !== undefined && !personas.some((persona) => fields.persona.includes(persona))) return false;
    return true;
  };
  const { items, hasMore } = dataset.contacts.page(
    { from: modifiedFrom, to: modifiedTo, after: cursor, predicate: matches },
    maxResults,
  );
  response.json(
    answer(
      items,
      hasMore,
      (record) => record.modified,
      (record) => renderListItem(record, dataset.seed),
    ),
  );
}

function contactOr404(response: Response, id: string): ContactRecord {
  const { dataset } = callContext(response);
  if (seqOfContactId(id) === null) throw new BadRequestError(`${id} is not a valid contact id`);
  return foundOr404(dataset.contactById(id), `Contact ${id}`);
}

/** Looks up an agency parameter by code or by name (Alto takes the code). */
function parameter(
  list: readonly AltoParameterValue[],
  value: string | null | undefined,
  name: string,
): AltoParameterValue | null {
  if (value === null || value === undefined || value === '') return null;
  const found = list.find((item) => item.code === value || item.name.toLowerCase() === value.toLowerCase());
  if (found === undefined)
    throw new BadRequestError(
      `${name} ${value} is not one of this agency's values (${list.map((item) => item.code).join(', ')})`,
    );
  return found;
}

/** A phone or email as given in a request, stored at position `at` of its list. */
const storedPhone = (phone: z.output<typeof PhoneRequestSchema>, at: number) => ({
  preferenceOrder: at + 1,
  type: phone.type,
  number: phone.number,
  description: phone.description ?? null,
});
const storedEmail = (email: z.output<typeof EmailRequestSchema>, at: number) => ({
  preferenceOrder: at + 1,
  type: email.type ?? 'Personal',
  address: email.address,
});

/** A POST /contacts body as stored fields (agency parameters looked up, 400 when unknown). */
export function fieldsFromRequest(input: PostContactRequest): AltoContactFields {
  return {
    category: input.category,
    persona: [],
    people: input.people.map((person, i) => ({
      id: String(i + 1),
      title: person.title ?? null,
      forename: person.forename ?? null,
      surname: person.surname,
      phoneNumbers: (person.phoneNumbers ?? []).map(storedPhone),
      emailAddresses: (person.emailAddresses ?? []).map(storedEmail),
    })),
    address:
      input.address === null || input.address === undefined
        ? null
        : { ...emptyAddress(), ...defined(input.address), countryCode: input.address.countryCode ?? 'GB' },
    branchId: input.branchId,
    negotiatorId: input.negotiatorId ?? null,
    position: parameter(ALTO_PARAMETERS_BY_PATH.positionid, input.position, 'position'),
    intention: parameter(ALTO_PARAMETERS_BY_PATH.intentionid, input.intention, 'intention'),
    disposal: parameter(ALTO_PARAMETERS_BY_PATH.disposalid, input.disposal, 'disposal'),
    lead:
      input.lead === null || input.lead === undefined
        ? null
        : {
            source: parameter(ALTO_LEAD_SOURCES, input.lead.source, 'lead source') as AltoParameterValue,
            id: input.lead.id === null || input.lead.id === undefined ? null : Number(input.lead.id),
          },
    notes: input.notes ?? null,
    companyName: input.companyName ?? null,
    potentialVendor: input.potentialVendor ?? false,
    potentialLandlord: input.potentialLandlord ?? false,
    archived: false,
    applicantRequirements: [],
    preferences: defaultPreferences(),
    lastContactedOn: null,
  };
}

/** An agency parameter a patch sets, by code or name (null clears it). */
const patchedParameter = (key: keyof typeof ALTO_PARAMETERS_BY_PATH, value: unknown, path: string) =>
  parameter(ALTO_PARAMETERS_BY_PATH[key], value === null ? null : String(value), path);

/** The contact-level JSON Patch paths PatchContactRequest documents, each as the change it makes. */
const CONTACT_PATCHES = new Map<string, (value: unknown, path: string) => Partial<AltoContactFields>>([
  ['/active', (value, path) => ({ archived: !patchBoolean(value, path) })],
  ['/potentialvendor', (value, path) => ({ potentialVendor: patchBoolean(value, path) })],
  ['/potentiallandlord', (value, path) => ({ potentialLandlord: patchBoolean(value, path) })],
  ['/positionid', (value, path) => ({ position: patchedParameter('positionid', value, path) })],
  ['/intentionid', (value, path) => ({ intention: patchedParameter('intentionid', value, path) })],
  ['/disposalid', (value, path) => ({ disposal: patchedParameter('disposalid', value, path) })],
]);

/** Applies a contact-level JSON Patch to a copy. */
function patchContactFields(operations: PatchOperation[]): Partial<AltoContactFields> {
  const changes: Partial<AltoContactFields> = {};
  for (const operation of operations) {
    if (operation.op === 'remove')
      throw new BadRequestError(`${operation.path} cannot be removed, only replaced`);
    const change = CONTACT_PATCHES.get(operation.path);
    if (change === undefined)
      throw new BadRequestError(
        `${operation.path} cannot be patched on a contact (Active, PositionId, IntentionId, DisposalId, PotentialVendor, PotentialLandlord); names, phones and emails are patched on /contacts/{id}/persons/{personId}`,
      );
    Object.assign(changes, change(operation.value, operation.path));
  }
  return changes;
}

/** Applies a person JSON Patch (Title, Forename, Surname, PhoneNumbers, EmailAddresses) to a copy. */
function patchPerson(person: AltoPersonFields, operations: PatchOperation[]): AltoPersonFields {
  const next: AltoPersonFields = structuredClone(person);
  const phone = (value: unknown, at: number) =>
    storedPhone(parseBody(PhoneRequestSchema, value, 'Invalid phone number'), at);
  const email = (value: unknown, at: number) =>
    storedEmail(parseBody(EmailRequestSchema, value, 'Invalid email address'), at);
  const text = (value: unknown, path: string, max: number): string | null => {
    if (value === null) return null;
    if (typeof value !== 'string' || value.length > max)
      throw new BadRequestError(`${path} takes a string of at most ${max} characters`);
    return value;
  };
  for (const operation of operations) {
    const [, field, index] = operation.path.split('/');
    if (field === 'title' || field === 'forename' || field === 'surname') {
      const value =
        operation.op === 'remove' ? null : text(operation.value, operation.path, field === 'title' ? 20 : 50);
      if (field === 'surname' && (value === null || value.trim() === ''))
        throw new BadRequestError('/Surname cannot be empty');
      next[field] = value;
      continue;
    }
    if (field !== 'phonenumbers' && field !== 'emailaddresses') {
      throw new BadRequestError(
        `${operation.path} cannot be patched on a person (Title, Forename, Surname, PhoneNumbers, EmailAddresses)`,
      );
    }
    const list: Array<{ preferenceOrder: number }> =
      field === 'phonenumbers' ? next.phoneNumbers : next.emailAddresses;
    const item = (value: unknown, at: number) =>
      field === 'phonenumbers' ? phone(value, at) : email(value, at);
    if (index === undefined) {
      if (operation.op !== 'remove' && !Array.isArray(operation.value))
        throw new BadRequestError(`${operation.path} takes an array`);
      list.splice(
        0,
        list.length,
        ...(operation.op === 'remove' ? [] : (operation.value as unknown[]).map(item)),
      );
      continue;
    }
    const at = index === '-' ? list.length : Number(index);
    if (!Number.isInteger(at) || at < 0 || at > list.length || (operation.op !== 'add' && at === list.length))
      throw new BadRequestError(`${operation.path}: no such item`);
    if (operation.op === 'remove') list.splice(at, 1);
    else list.splice(at, operation.op === 'add' ? 0 : 1, item(operation.value, at));
    list.forEach((entry, i) => {
      entry.preferenceOrder = i + 1;
    });
  }
  if (next.phoneNumbers.length > 4) throw new BadRequestError('A person has at most 4 phone numbers');
  if (next.emailAddresses.length > 2) throw new BadRequestError('A person has at most 2 email addresses');
  return next;
}

/** The file note the path names, or a 404. */
function fileNoteOf(request: Request, response: Response) {
  const id = String(request.params.fileNoteId);
  const seq = seqOfId(id, ALTO_FILE_NOTE_ID_BASE);
  return foundOr404(
    seq === null ? undefined : callContext(response).dataset.fileNotes.get(seq),
    `File note ${id}`,
  );
}

/** The request's JSON Patch document; another media type is a 415. */
function jsonPatchOf(request: Request): PatchOperation[] {
  if (!request.is('application/json-patch+json'))
    throw new BadRequestError('Send the JSON Patch document as application/json-patch+json', { status: 415 });
  return readPatchDocument(request.body);
}

/** The contact's person the path names, or a 404. */
function personOf(record: ContactRecord, request: Request, response: Response): AltoPersonFields {
  const personId = String(request.params.personId);
  const people = fieldsOf(record, callContext(response).dataset.seed).people;
  return foundOr404(
    people.find((candidate) => candidate.id === personId),
    `Person ${personId}`,
  );
}

/** Builds the API router. Assumes the auth, AgencyRef, rate-limit and fault middleware ran first. */
export function createAltoApiRouter(webhooks: AltoWebhooks): Router {
  const router = Router();

  router.get('/contacts/all', listContacts);

  router.get('/contacts', (request, response) => {
    const { dataset } = callContext(response);
    const ids = altoQuery(request.query).list('id');
    if (ids === undefined) throw new BadRequestError('Give the contacts to fetch as id=…&id=… (at most 50)');
    if (ids.length > ALTO_MAX_IDS_PER_REQUEST)
      throw new BadRequestError(`At most ${ALTO_MAX_IDS_PER_REQUEST} ids per request`);
    const invalid = ids.filter((id) => seqOfContactId(id) === null);
    if (invalid.length > 0) throw new BadRequestError(`Invalid contact id(s): ${invalid.join(', ')}`);
    const records = [...new Set(ids)]
      .map((id) => dataset.contactById(id))
      .filter((record): record is ContactRecord => record !== undefined);
    response.json(records.map((record) => renderContact(record, dataset.seed)));
  });

  router.post('/contacts', (request, response) => {
    const { dataset } = callContext(response);
    const body = parseBody(PostContactSchema, request.body);
    const fields = fieldsFromRequest(body);
    const duplicates = dataset.findDuplicates(fields);
    if (duplicates.length > 0) {
      response.setHeader(
        'Location',
        duplicates.map((record) => locationOf(request, `/contacts/${contactIdOf(record.seq)}`)),
      );
      throw new BadRequestError(
        `Duplicate contacts found: ${duplicates.map((record) => contactIdOf(record.seq)).join(', ')}. Check the Location headers.`,
        { status: 409, details: { code: 'DuplicateContact' } },
      );
    }
    const record = dataset.createContact(fields);
    sendCreated(
      response,
      locationOf(request, `/contacts/${contactIdOf(record.seq)}`),
      renderContact(record, dataset.seed),
    );
  });

  // `/persons` answers the whole contact too (its people are what a client wants from it).
  router.get(['/contacts/:contactId', '/contacts/:contactId/persons'], (request, response) => {
    const record = contactOr404(response, String(request.params.contactId));
    response.json(renderContact(record, callContext(response).dataset.seed));
  });

  router.patch('/contacts/:contactId', (request, response) => {
    const operations = jsonPatchOf(request);
    const record = contactOr404(response, String(request.params.contactId));
    const { dataset } = callContext(response);
    const changes = patchContactFields(operations);
    dataset.updateContacts([record], (fields) => Object.assign(fields, changes));
    response.json(renderContact(record, dataset.seed));
  });

  router.get('/contacts/:contactId/persons/:personId', (request, response) => {
    const record = contactOr404(response, String(request.params.contactId));
    const person = personOf(record, request, response);
    const archived = fieldsOf(record, callContext(response).dataset.seed).archived;
    response.json({ ...renderPerson(person, contactIdOf(record.seq)), isContactArchived: archived });
  });

  router.patch('/contacts/:contactId/persons/:personId', (request, response) => {
    const operations = jsonPatchOf(request);
    const record = contactOr404(response, String(request.params.contactId));
    const { dataset } = callContext(response);
    const current = personOf(record, request, response);
    const patched = patchPerson(current, operations);
    dataset.updateContacts([record], (fields) => {
      fields.people = fields.people.map((person) => (person.id === current.id ? patched : person));
    });
    response.json(renderPerson(patched, contactIdOf(record.seq)));
  });

  router.get('/contacts/:contactId/preferences', (request, response) => {
    const record = contactOr404(response, String(request.params.contactId));
    response.json(renderPreferences(record, callContext(response).dataset.seed));
  });

  router.post('/contacts/:contactId/preferences', (request, response) => {
    const body = parseBody(PreferencesRequestSchema, request.body);
    const record = contactOr404(response, String(request.params.contactId));
    callContext(response).dataset.updateContacts([record], (fields) => {
      for (const item of body.items) fields.preferences[item.type] = item.optIn;
    });
    response.status(200).end();
  });

  router.post('/file-notes', (request, response) => {
    const { dataset } = callContext(response);
    const body = parseBody(CreateFileNoteSchema, request.body);
    const note = body;
    const ids = [...new Set([...(note.contactIds ?? []), ...(note.ownerIds ?? [])])];
    if (ids.length === 0 && !note.propertyId && !note.tenancyId) {
      throw new BadRequestError('A file note must be associated with a property or at least one contact');
    }
    const records = ids.map((id) => {
      const record = seqOfContactId(id) === null ? undefined : dataset.contactById(id);
      if (record === undefined) throw new BadRequestError(`Contact ${id} was not found`);
      return record;
    });
    if (note.propertyId && !/^\d+$/.test(note.propertyId))
      throw new BadRequestError(`${note.propertyId} is not a valid property id`);
    const created = dataset.addFileNote({
      title: note.title ?? null,
      notes: note.notes,
      contactSeqs: records.map((record) => record.seq),
      propertyId: note.propertyId ?? null,
      negotiatorId: note.negotiatorId ?? null,
      fileNoteType: note.fileNoteType ?? 'FileNote',
    });
    // The last-contacted date is bookkeeping: it does not move the contact's modifiedDate.
    if (note.updateLastContactedDate)
      for (const record of records) dataset.materialise(record).lastContactedOn = created.created;
    response.status(201).json(ALTO_FILE_NOTE_ID_BASE + created.seq);
  });

  router.get('/file-notes/search', (request, response) => {
    const id = altoQuery(request.query).string('contact-id');
    if (id === undefined) throw new BadRequestError('contact-id is required');
    const record = contactOr404(response, id);
    response.json(callContext(response).dataset.fileNotesFor(record.seq).map(renderFileNote));
  });

  router.get('/file-notes/:fileNoteId', (request, response) => {
    response.json(renderFileNote(fileNoteOf(request, response)));
  });

  router.patch('/file-notes/:fileNoteId', (request, response) => {
    const operations = readPatchDocument(request.body);
    const note = fileNoteOf(request, response);
    let title = note.title;
    let notes = note.notes;
    for (const operation of operations) {
      if (operation.op === 'remove' || (operation.path !== '/title' && operation.path !== '/notes')) {
        throw new BadRequestError(
          `${operation.op} ${operation.path} is not supported: replace /title or /notes`,
        );
      }
      if (typeof operation.value !== 'string') throw new BadRequestError(`${operation.path} takes a string`);
      if (operation.path === '/title') title = operation.value;
      else if (operation.value.trim() === '') throw new BadRequestError('/notes cannot be empty');
      else notes = operation.value;
    }
    note.title = title;
    note.notes = notes;
    note.updated = callContext(response).dataset.clock.now();
    response.status(200).end();
  });

  router.get('/appointments/valuations', (request, response) => {
    const { dataset } = callContext(response);
    const query = altoQuery(request.query);
    const createdFrom = query.instant('created-from');
    const createdTo = query.instant('created-to');
    if (createdFrom === undefined || createdTo === undefined) {
      throw new BadRequestError('created-from and created-to are required');
    }
    const maxResults = maxResultsOf(query);
    const negotiators = query.list('negotiator-ids');
    const branches = query.list('branch-ids');
    const { cursor, answer } = keysetPaging(query, [createdFrom, createdTo, negotiators, branches]);
    const sorted = [...dataset.appointments.values()]
      .filter(
        (appointment) =>
          appointment.type === 'Valuation' &&
          appointment.created >= createdFrom &&
          appointment.created <= createdTo &&
          (negotiators === undefined || negotiators.includes(appointment.negotiatorId)) &&
          (branches === undefined || branches.includes(appointment.branchId)),
      )
      .sort((a, b) => a.created - b.created || a.seq - b.seq);
    const after = (item: AppointmentRecord) =>
      cursor === null ||
      item.created > cursor.time ||
      (item.created === cursor.time && item.seq > cursor.seq);
    const start = sorted.findIndex(after);
    const page = start < 0 ? [] : sorted.slice(start, start + maxResults);
    const more = start >= 0 && start + maxResults < sorted.length;
    response.json(answer(page, more, (item) => item.created, renderAppointment));
  });

  router.get('/appointments/:appointmentId/:instanceId', (request, response) => {
    const { dataset } = callContext(response);
    const instance = String(request.params.instanceId);
    if (!/^\d+$/.test(instance)) throw new BadRequestError('instanceId must be a whole number');
    const seq = seqOfId(String(request.params.appointmentId), ALTO_APPOINTMENT_ID_BASE);
    const appointment = seq === null || instance !== '0' ? undefined : dataset.appointments.get(seq);
    response.json(
      renderAppointment(found(appointment, 'Appointment not found within the scope of the AgencyRef')),
    );
  });

  router.get('/offers/sales-offer/:offerId', (request, response) => {
    const id = String(request.params.offerId);
    const seq = seqOfId(id, ALTO_OFFER_ID_BASE);
    response.json(
      renderOffer(
        foundOr404(seq === null ? undefined : callContext(response).dataset.offers.get(seq), `Offer ${id}`),
      ),
    );
  });

  router.post('/webhooks/subscriptions', (request, response) => {
    const { integration, dataset } = callContext(response);
    const body = parseBody(SubscriptionRequestSchema, request.body);
    const subscription = webhooks.create({
      integrationId: integration.integrationId,
      clientId: integration.clientId,
      agencyRef: dataset.agencyRef,
      url: body.url,
      eventTypes: body.eventTypes,
      secret: body.secret,
    });
    // A secret Alto generated is shown once, at creation; one the partner chose is never echoed.
    sendCreated(response, locationOf(request, `/webhooks/subscriptions/${subscription.id}`), {
      ...webhooks.render(subscription),
      ...(body.secret === undefined ? { secret: subscription.secret } : {}),
    });
  });

  router.get('/webhooks/subscriptions', (_request, response) => {
    const { integration, dataset } = callContext(response);
    response.json({
      items: webhooks.list(dataset.agencyRef, integration.clientId).map((item) => webhooks.render(item)),
    });
  });

  const ownSubscription = (request: Request, response: Response) => {
    const { integration, dataset } = callContext(response);
    const id = String(request.params.subscriptionId);
    const subscription = webhooks.get(id);
    const own =
      subscription?.clientId === integration.clientId && subscription.agencyRef === dataset.agencyRef;
    return foundOr404(own ? subscription : undefined, `Subscription ${id}`);
  };

  router.get('/webhooks/subscriptions/:subscriptionId', (request, response) => {
    response.json(webhooks.render(ownSubscription(request, response)));
  });

  router.delete('/webhooks/subscriptions/:subscriptionId', (request, response) => {
    const subscription = ownSubscription(request, response);
    webhooks.delete(subscription.id);
    response.status(204).end();
  });

  return router;
}
