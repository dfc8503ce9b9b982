import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { BadRequestError } from '../toolkit/define-simulator.ts';
import type { ReapitAuth } from './reapit-auth.ts';
import { REAPIT_OFFER_STATUSES, type ReapitClientCredentials } from './reapit-constants.ts';
import {
  renderAppointment,
  renderJournalEntry,
  renderOffer,
  type AppointmentRecord,
  type JournalEntryRecord,
  type OfferRecord,
} from './reapit-activity.model.ts';
import type { QueryPlan, ResultView } from '../toolkit/timed-collection.ts';
import {
  eTagOf,
  emailOf,
  fieldsOf,
  nameOf,
  relationshipsOf,
  renderApplicant,
  renderContact,
  seqOfId,
  type ContactRecord,
  type JsonObject,
} from './reapit-contact.model.ts';
import type { ContactCreate, ContactPatch, ReapitDataset } from './reapit-dataset.ts';
import {
  ContactCreateSchema,
  ContactPatchSchema,
  JournalEntryCreateSchema,
  reapitQuery,
  ResthookSchema,
  halPage,
  locationOf,
  readPaging,
  readSort,
  sendError,
  validationErrors,
} from './reapit-http.ts';
import type { ReapitWebhooks } from './reapit-webhooks.ts';

/** What the auth middleware leaves for the handlers. */
export interface ReapitCallContext {
  client: ReapitClientCredentials;
  dataset: ReapitDataset;
  /** Simulator time when the request arrived. */
  now: number;
}

export function callContext(response: Response): ReapitCallContext {
  return response.locals.reapit as ReapitCallContext;
}

const SUPPORTED_CONTACT_EMBEDS = new Set(['relationships']);
const METADATA_OPERATIONS = new Set(['$eq', '$ne', '$gt', '$lt', '$gte', '$lte', '$in', '$nin', '$con']);

interface MetadataCondition {
  path: string[];
  operation: string;
  criteria: string;
}

/** `metadata=metadata.<field> <operation> <criteria>`, Reapit's documented metadata filter syntax. */
function parseMetadataFilters(values: string[] | undefined): MetadataCondition[] {
  return (values ?? []).map((raw) => {
    const match = /^metadata\.([A-Za-z0-9_.]+)\s+(\$[a-z]+)\s+(.*)$/i.exec(raw.trim());
    if (match === null || !METADATA_OPERATIONS.has((match[2] ?? '').toLowerCase())) {
      throw new BadRequestError(
        `metadata filter "${raw}" must look like "metadata.<field> <$eq|$ne|$gt|$lt|$gte|$lte|$in|$nin|$con> <value>"`,
      );
    }
    return {
      path: (match[1] ?? '').split('.'),
      operation: (match[2] ?? '').toLowerCase(),
      criteria: (match[3] ?? '').trim(),
    };
  });
}

function compareLoosely(value: unknown, criteria: string): number | null {
  const numeric = Number(criteria);
  if (typeof value === 'number' && Number.isFinite(numeric)) return value - numeric;
  if (typeof value === 'string') {
    const left = Date.parse(value);
    const right = Date.parse(criteria);
    if (!Number.isNaN(left) && !Number.isNaN(right)) return left - right;
  }
  return null;
}

function matchesMetadata(metadata: Record<string, unknown> | null, condition: MetadataCondition): boolean {
  let value: unknown = metadata;
  for (const part of condition.path)
    value =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  const text = (item: unknown) => String(item).toLowerCase();
  const list = condition.criteria.split(',').map((item) => item.trim().toLowerCase());
  switch (condition.operation) {
    case '$eq':
      return value !== undefined && text(value) === condition.criteria.toLowerCase();
    case '$ne':
      return value === undefined || text(value) !== condition.criteria.toLowerCase();
    case '$in':
      return value !== undefined && list.includes(text(value));
    case '$nin':
      return value === undefined || !list.includes(text(value));
    case '$con':
      return Array.isArray(value) && value.some((item) => list.includes(text(item)));
    default: {
      const difference = compareLoosely(value, condition.criteria);
      if (difference === null) return false;
      if (condition.operation === '$gt') return difference > 0;
      if (condition.operation === '$gte') return difference >= 0;
      if (condition.operation === '$lt') return difference < 0;
      return difference <= 0;
    }
  }
}

function inRange(value: number, from: number | undefined, to: number | undefined): boolean {
  return (from === undefined || value >= from) && (to === undefined || value <= to);
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** Combines predicates, skipping absent ones. */
function allOf<T>(predicates: Array<((item: T) => boolean) | null>): ((item: T) => boolean) | undefined {
  const active = predicates.filter((predicate): predicate is (item: T) => boolean => predicate !== null);
  if (active.length === 0) return undefined;
  return (item) => active.every((predicate) => predicate(item));
}

function listContacts(request: Request, response: Response): void {
  const { dataset } = callContext(response);
  const query = reapitQuery(request.query);
  const paging = readPaging(query);
  const sort = readSort(query, ['created', 'modified', 'name'] as const, 'created');
  const embeds = query.list('embed') ?? [];
  for (const embed of embeds) {
    if (!SUPPORTED_CONTACT_EMBEDS.has(embed))
      throw new BadRequestError(
        `embed=${embed} is not supported by the simulator (supported: relationships)`,
      );
  }
  const ids = query.list('id');
  const emails = query.list('email');
  const name = query.string('name')?.toLowerCase();
  const active = query.boolean('active');
  const fromArchive = query.boolean('fromArchive');
  const consents = query.list('marketingConsent');
  const officeIds = query.list('officeId');
  const negotiatorIds = query.list('negotiatorId');
  const createdFrom = query.instant('createdFrom');
  const createdTo = query.instant('createdTo');
  const modifiedFrom = query.instant('modifiedFrom');
  const modifiedTo = query.instant('modifiedTo');
  const metadata = parseMetadataFilters(query.list('metadata'));

  const byModified = modifiedFrom !== undefined || modifiedTo !== undefined;
  const byCreated = createdFrom !== undefined || createdTo !== undefined;
  let candidates: ContactRecord[] | undefined;
  if (ids !== undefined) {
    candidates = unique(
      ids
        .map((id) => dataset.contactById(id))
        .filter((record): record is ContactRecord => record !== undefined),
    );
  } else if (emails !== undefined) {
    candidates = unique(emails.flatMap((email) => dataset.contactsByEmail(email)));
  }
  const range =
    candidates === undefined && byModified
      ? { field: 'modified' as const, from: modifiedFrom, to: modifiedTo }
      : candidates === undefined && byCreated
        ? { field: 'created' as const, from: createdFrom, to: createdTo }
        : undefined;
  const predicate = allOf<ContactRecord>([
    byModified && range?.field !== 'modified'
      ? (record) => inRange(record.modified, modifiedFrom, modifiedTo)
      : null,
    byCreated && range?.field !== 'created'
      ? (record) => inRange(record.created, createdFrom, createdTo)
      : null,
    ids !== undefined && emails !== undefined
      ? (record) =>
          emails.some((email) => (emailOf(record) ?? '').trim().toLowerCase() === email.trim().toLowerCase())
      : null,
    name === undefined
      ? null
      : (record) => {
          const parts = nameOf(record);
          return [parts.title, parts.forename, parts.surname]
            .filter(Boolean)
            .join(' ')
            .toLowerCase()
            .includes(name);
        },
    active === undefined ? null : (record) => fieldsOf(record, dataset.seed).active === active,
    fromArchive === undefined ? null : (record) => (record.archivedOn !== null) === fromArchive,
    consents === undefined
      ? null
      : (record) => consents.includes(fieldsOf(record, dataset.seed).marketingConsent),
    officeIds === undefined
      ? null
      : (record) => fieldsOf(record, dataset.seed).officeIds.some((id) => officeIds.includes(id)),
    negotiatorIds === undefined
      ? null
      : (record) => fieldsOf(record, dataset.seed).negotiatorIds.some((id) => negotiatorIds.includes(id)),
    metadata.length === 0
      ? null
      : (record) => metadata.every((condition) => matchesMetadata(record.metadata, condition)),
  ]);
  const plan: QueryPlan<ContactRecord> = {
    ...(candidates === undefined ? {} : { candidates }),
    ...(range === undefined ? {} : { range }),
    ...(predicate === undefined ? {} : { predicate }),
    sort:
      sort.field === 'name'
        ? {
            descending: sort.descending,
            compare: (a, b) => {
              const left = nameOf(a);
              const right = nameOf(b);
              const bySurname =
                left.surname.toLowerCase() < right.surname.toLowerCase()
                  ? -1
                  : left.surname.toLowerCase() > right.surname.toLowerCase()
                    ? 1
                    : 0;
              return bySurname || (left.forename ?? '').localeCompare(right.forename ?? '') || a.seq - b.seq;
            },
          }
        : { field: sort.field, descending: sort.descending },
  };
  const cacheKey = JSON.stringify([
    ids,
    emails,
    name,
    active,
    fromArchive,
    consents,
    officeIds,
    negotiatorIds,
    createdFrom,
    createdTo,
    modifiedFrom,
    modifiedTo,
    metadata,
    sort,
  ]);
  const view = dataset.contacts.query(cacheKey, plan);
  const withRelationships = embeds.includes('relationships');
  response.json(
    halPage(request, view, paging, (record) =>
      renderContact(record, { seed: dataset.seed, relationships: withRelationships }),
    ),
  );
}

function getContact(request: Request, response: Response): void {
  const { dataset, now } = callContext(response);
  const record = dataset.contactById(String(request.params.id));
  if (record === undefined) {
    sendError(response, 404, now, `Contact ${String(request.params.id)} was not found`);
    return;
  }
  const query = reapitQuery(request.query);
  const embeds = query.list('embed') ?? [];
  for (const embed of embeds) {
    if (!SUPPORTED_CONTACT_EMBEDS.has(embed))
      throw new BadRequestError(
        `embed=${embed} is not supported by the simulator (supported: relationships)`,
      );
  }
  const etag = eTagOf(record.id, record.version, record.modified);
  response.setHeader('ETag', etag);
  if (request.get('if-none-match') === etag) {
    response.status(304).end();
    return;
  }
  response.json(
    renderContact(record, { seed: dataset.seed, relationships: embeds.includes('relationships') }),
  );
}

function viewOf<T>(items: readonly T[]): ResultView<T> {
  return { items, start: 0, end: items.length, descending: false };
}

/** Builds the API router. Assumes the auth, customer, rate-limit and version checks ran first. */
export function createReapitApiRouter({
  now,
  auth,
  webhooks,
}: {
  now: () => number;
  auth: ReapitAuth;
  webhooks: ReapitWebhooks;
}): Router {
  const router = Router();
  /** The body as `schema` reads it, or undefined once a 422 with Reapit's field errors is sent. */
  const bodyOf = <S extends z.ZodType>(schema: S, request: Request, response: Response) => {
    const parsed = schema.safeParse(request.body);
    if (parsed.success) return parsed.data as z.infer<S>;
    sendError(response, 422, now(), undefined, validationErrors(parsed.error));
    return undefined;
  };

  router.get('/contacts', listContacts);
  router.get('/contacts/:id', getContact);

  router.get('/contacts/:id/relationships', (request, response) => {
    const { dataset } = callContext(response);
    const record = dataset.contactById(String(request.params.id));
    if (record === undefined) {
      sendError(response, 404, now(), `Contact ${String(request.params.id)} was not found`);
      return;
    }
    const paging = readPaging(reapitQuery(request.query));
    response.json(halPage(request, viewOf(relationshipsOf(record)), paging, (relationship) => relationship));
  });

  // Applicants, read-only: what a contact's applicant role is looking for (marketingMode).
  router.get('/applicants', (request, response) => {
    const { dataset } = callContext(response);
    const query = reapitQuery(request.query);
    const paging = readPaging(query);
    const ids = query.list('id') ?? [];
    const applicants: JsonObject[] = [];
    for (const id of new Set(ids)) {
      const record = dataset.contactByRoleId(id);
      const applicant = record === undefined ? null : renderApplicant(record, id, dataset.seed);
      if (applicant !== null) applicants.push(applicant);
    }
    response.json(halPage(request, viewOf(applicants), paging, (applicant) => applicant));
  });

  router.get('/applicants/:id', (request, response) => {
    const { dataset } = callContext(response);
    const id = String(request.params.id);
    const record = dataset.contactByRoleId(id);
    const applicant = record === undefined ? null : renderApplicant(record, id, dataset.seed);
    if (applicant === null) {
      sendError(response, 404, now(), `Applicant ${id} was not found`);
      return;
    }
    response.setHeader('ETag', applicant._eTag as string);
    response.json(applicant);
  });

  router.post('/contacts', (request, response) => {
    const { dataset } = callContext(response);
    const parsed = bodyOf(ContactCreateSchema, request, response);
    if (parsed === undefined) return;
    // No idempotency key, as in Reapit: a retried POST creates a second contact.
    const record = dataset.createContact(parsed as ContactCreate);
    response
      .status(201)
      .location(locationOf(request, `/contacts/${record.id}`))
      .end();
  });

  router.patch('/contacts/:id', (request, response) => {
    const { dataset } = callContext(response);
    const ifMatch = request.get('if-match');
    if (ifMatch === undefined || ifMatch.trim() === '') {
      sendError(
        response,
        412,
        now(),
        "The If-Match header is required: send the contact's _eTag, quotes included",
      );
      return;
    }
    const parsed = bodyOf(ContactPatchSchema, request, response);
    if (parsed === undefined) return;
    const record = dataset.contactById(String(request.params.id));
    if (record === undefined) {
      sendError(response, 404, now(), `Contact ${String(request.params.id)} was not found`);
      return;
    }
    if (ifMatch.trim() !== eTagOf(record.id, record.version, record.modified)) {
      sendError(
        response,
        412,
        now(),
        'The contact has changed since this eTag was issued: fetch it again and re-apply the change',
      );
      return;
    }
    const patch = parsed as ContactPatch;
    dataset.patchContacts([record], () => patch);
    response.setHeader('ETag', eTagOf(record.id, record.version, record.modified));
    response.status(204).end();
  });

  router.get('/appointments', (request, response) => {
    const { dataset } = callContext(response);
    const query = reapitQuery(request.query);
    const paging = readPaging(query);
    const sort = readSort(query, ['created', 'modified', 'start', 'typeId'] as const, 'created');
    const ids = query.list('id');
    const typeIds = query.list('typeId');
    const attendeeIds = query.list('attendeeId');
    const attendeeTypes = query.list('attendeeType');
    const propertyIds = query.list('propertyId');
    const negotiatorIds = query.list('negotiatorId');
    const officeIds = query.list('officeId');
    const start = query.instant('start');
    const end = query.instant('end');
    const includeCancelled = query.boolean('includeCancelled') ?? false;
    const includeUnconfirmed = query.boolean('includeUnconfirmed') ?? false;
    const createdFrom = query.instant('createdFrom');
    const createdTo = query.instant('createdTo');
    const modifiedFrom = query.instant('modifiedFrom');
    const modifiedTo = query.instant('modifiedTo');
    const byModified = modifiedFrom !== undefined || modifiedTo !== undefined;
    const predicate = allOf<AppointmentRecord>([
      ids === undefined ? null : (record) => ids.includes(record.id),
      typeIds === undefined ? null : (record) => typeIds.includes(record.typeId),
      attendeeIds === undefined ? null : (record) => attendeeIds.includes(record.attendeeId),
      attendeeTypes === undefined ? null : (record) => attendeeTypes.includes(record.attendeeType),
      propertyIds === undefined ? null : (record) => propertyIds.includes(record.propertyId),
      negotiatorIds === undefined ? null : (record) => negotiatorIds.includes(record.negotiatorId),
      officeIds === undefined ? null : (record) => officeIds.includes(record.officeId),
      start === undefined ? null : (record) => record.start >= start,
      end === undefined ? null : (record) => record.end <= end,
      includeCancelled ? null : (record) => !record.cancelled,
      includeUnconfirmed ? null : (record) => record.confirmed,
      createdFrom === undefined && createdTo === undefined
        ? null
        : (record) => inRange(record.created, createdFrom, createdTo),
    ]);
    const plan: QueryPlan<AppointmentRecord> = {
      ...(byModified ? { range: { field: 'modified' as const, from: modifiedFrom, to: modifiedTo } } : {}),
      ...(predicate === undefined ? {} : { predicate }),
      sort:
        sort.field === 'start'
          ? { descending: sort.descending, compare: (a, b) => a.start - b.start || a.seq - b.seq }
          : sort.field === 'typeId'
            ? {
                descending: sort.descending,
                compare: (a, b) => a.typeId.localeCompare(b.typeId) || a.seq - b.seq,
              }
            : { field: sort.field, descending: sort.descending },
    };
    const cacheKey = JSON.stringify([
      ids,
      typeIds,
      attendeeIds,
      attendeeTypes,
      propertyIds,
      negotiatorIds,
      officeIds,
      start,
      end,
      includeCancelled,
      includeUnconfirmed,
      createdFrom,
      createdTo,
      modifiedFrom,
      modifiedTo,
      sort,
    ]);
    const view = dataset.appointments.query(cacheKey, plan);
    const lookup = (seq: number) => dataset.contacts.get(seq);
    response.json(
      halPage(request, view, paging, (record) => renderAppointment(record, lookup, dataset.seed)),
    );
  });

  router.get('/appointments/:id', (request, response) => {
    const { dataset } = callContext(response);
    const seq = seqOfId('appointment', String(request.params.id));
    const record = seq === null ? undefined : dataset.appointments.get(seq);
    if (record === undefined) {
      sendError(response, 404, now(), `Appointment ${String(request.params.id)} was not found`);
      return;
    }
    response.setHeader('ETag', eTagOf(record.id, record.version, record.modified));
    response.json(renderAppointment(record, (seq) => dataset.contacts.get(seq), dataset.seed));
  });

  router.get('/offers', (request, response) => {
    const { dataset } = callContext(response);
    const query = reapitQuery(request.query);
    const paging = readPaging(query);
    const sort = readSort(query, ['created', 'modified', 'amount', 'status'] as const, 'created');
    const ids = query.list('id');
    const applicantIds = query.list('applicantId');
    const propertyIds = query.list('propertyId');
    const statuses = query.list('status');
    for (const status of statuses ?? []) {
      if (!(REAPIT_OFFER_STATUSES as readonly string[]).includes(status)) {
        throw new BadRequestError(`status must be one of ${REAPIT_OFFER_STATUSES.join(', ')}`);
      }
    }
    const amountFrom = query.number('amountFrom');
    const amountTo = query.number('amountTo');
    const dateFrom = query.instant('dateFrom');
    const dateTo = query.instant('dateTo');
    const createdFrom = query.instant('createdFrom');
    const createdTo = query.instant('createdTo');
    const modifiedFrom = query.instant('modifiedFrom');
    const modifiedTo = query.instant('modifiedTo');
    const byModified = modifiedFrom !== undefined || modifiedTo !== undefined;
    const predicate = allOf<OfferRecord>([
      ids === undefined ? null : (record) => ids.includes(record.id),
      applicantIds === undefined ? null : (record) => applicantIds.includes(record.applicantId),
      propertyIds === undefined ? null : (record) => propertyIds.includes(record.propertyId),
      statuses === undefined ? null : (record) => statuses.includes(record.status),
      amountFrom === undefined && amountTo === undefined
        ? null
        : (record) => inRange(record.amount, amountFrom, amountTo),
      dateFrom === undefined && dateTo === undefined
        ? null
        : (record) => inRange(Date.parse(`${record.date}T00:00:00Z`), dateFrom, dateTo),
      createdFrom === undefined && createdTo === undefined
        ? null
        : (record) => inRange(record.created, createdFrom, createdTo),
    ]);
    const plan: QueryPlan<OfferRecord> = {
      ...(byModified ? { range: { field: 'modified' as const, from: modifiedFrom, to: modifiedTo } } : {}),
      ...(predicate === undefined ? {} : { predicate }),
      sort:
        sort.field === 'amount'
          ? { descending: sort.descending, compare: (a, b) => a.amount - b.amount || a.seq - b.seq }
          : sort.field === 'status'
            ? {
                descending: sort.descending,
                compare: (a, b) => a.status.localeCompare(b.status) || a.seq - b.seq,
              }
            : { field: sort.field, descending: sort.descending },
    };
    const cacheKey = JSON.stringify([
      ids,
      applicantIds,
      propertyIds,
      statuses,
      amountFrom,
      amountTo,
      dateFrom,
      dateTo,
      createdFrom,
      createdTo,
      modifiedFrom,
      modifiedTo,
      sort,
    ]);
    const view = dataset.offers.query(cacheKey, plan);
    const lookup = (seq: number) => dataset.contacts.get(seq);
    response.json(halPage(request, view, paging, (record) => renderOffer(record, lookup, dataset.seed)));
  });

  router.get('/offers/:id', (request, response) => {
    const { dataset } = callContext(response);
    const seq = seqOfId('offer', String(request.params.id));
    const record = seq === null ? undefined : dataset.offers.get(seq);
    if (record === undefined) {
      sendError(response, 404, now(), `Offer ${String(request.params.id)} was not found`);
      return;
    }
    response.setHeader('ETag', eTagOf(record.id, record.version, record.modified));
    response.json(renderOffer(record, (seq) => dataset.contacts.get(seq), dataset.seed));
  });

  router.post('/journalEntries', (request, response) => {
    const { dataset } = callContext(response);
    const entry = bodyOf(JournalEntryCreateSchema, request, response);
    if (entry === undefined) return;
    const knowsType = ['contact', 'applicant', 'landlord', 'tenancy', 'vendor'].includes(
      entry.associatedType,
    );
    const associatedName = dataset.associatedName(entry.associatedType, entry.associatedId);
    if (knowsType && associatedName === null) {
      sendError(response, 422, now(), undefined, [
        { field: 'associatedId', message: `No ${entry.associatedType} with id ${entry.associatedId} exists` },
      ]);
      return;
    }
    dataset.addJournalEntry({
      typeId: entry.typeId,
      associatedType: entry.associatedType,
      associatedId: entry.associatedId,
      associatedName: associatedName ?? '',
      propertyId: entry.propertyId ?? null,
      negotiatorId: entry.negotiatorId ?? null,
      description: entry.description,
    });
    response.status(204).end();
  });

  router.get('/journalEntries', (request, response) => {
    const { dataset } = callContext(response);
    const query = reapitQuery(request.query);
    const paging = readPaging(query);
    const sort = readSort(query, ['created', 'typeId'] as const, 'created');
    const associatedTypes = query.list('associatedType');
    const associatedIds = query.list('associatedId');
    const typeIds = query.list('typeId');
    const negotiatorIds = query.list('negotiatorId');
    const propertyIds = query.list('propertyId');
    const createdFrom = query.instant('createdFrom');
    const createdTo = query.instant('createdTo');
    const predicate = allOf<JournalEntryRecord>([
      associatedTypes === undefined ? null : (record) => associatedTypes.includes(record.associatedType),
      associatedIds === undefined ? null : (record) => associatedIds.includes(record.associatedId),
      typeIds === undefined ? null : (record) => typeIds.includes(record.typeId),
      negotiatorIds === undefined
        ? null
        : (record) => record.negotiatorId !== null && negotiatorIds.includes(record.negotiatorId),
      propertyIds === undefined
        ? null
        : (record) => record.propertyId !== null && propertyIds.includes(record.propertyId),
    ]);
    const plan: QueryPlan<JournalEntryRecord> = {
      ...(createdFrom !== undefined || createdTo !== undefined
        ? { range: { field: 'created' as const, from: createdFrom, to: createdTo } }
        : {}),
      ...(predicate === undefined ? {} : { predicate }),
      sort:
        sort.field === 'typeId'
          ? {
              descending: sort.descending,
              compare: (a, b) => a.typeId.localeCompare(b.typeId) || a.seq - b.seq,
            }
          : { field: 'created', descending: sort.descending },
    };
    const cacheKey = JSON.stringify([
      associatedTypes,
      associatedIds,
      typeIds,
      negotiatorIds,
      propertyIds,
      createdFrom,
      createdTo,
      sort,
    ]);
    const view = dataset.journal.query(cacheKey, plan);
    response.json(halPage(request, view, paging, renderJournalEntry));
  });

  router.post('/resthooks', (request, response) => {
    const { client, dataset } = callContext(response);
    const parsed = bodyOf(ResthookSchema, request, response);
    if (parsed === undefined) return;
    const hook = webhooks.create(dataset.customerId, client.clientId, parsed);
    response
      .status(201)
      .location(locationOf(request, `/resthooks/${hook.id}`))
      .json(webhooks.render(hook));
  });

  router.get('/resthooks', (request, response) => {
    const { dataset } = callContext(response);
    const paging = readPaging(reapitQuery(request.query));
    const hooks = webhooks.list(dataset.customerId);
    response.json(halPage(request, viewOf(hooks), paging, (hook) => webhooks.render(hook)));
  });

  router.get('/resthooks/:id', (request, response) => {
    const { dataset } = callContext(response);
    const hook = webhooks.ofCustomer(dataset.customerId, String(request.params.id));
    if (hook === undefined) {
      sendError(response, 404, now(), `Webhook subscription ${String(request.params.id)} was not found`);
      return;
    }
    response.json(webhooks.render(hook));
  });

  router.put('/resthooks/:id', (request, response) => {
    const { dataset } = callContext(response);
    const parsed = bodyOf(ResthookSchema, request, response);
    if (parsed === undefined) return;
    const hook = webhooks.replace(dataset.customerId, String(request.params.id), parsed);
    if (hook === undefined) {
      sendError(response, 404, now(), `Webhook subscription ${String(request.params.id)} was not found`);
      return;
    }
    response.status(204).end();
  });

  router.delete('/resthooks/:id', (request, response) => {
    const { dataset } = callContext(response);
    if (!webhooks.remove(dataset.customerId, String(request.params.id))) {
      sendError(response, 404, now(), `Webhook subscription ${String(request.params.id)} was not found`);
      return;
    }
    response.status(204).end();
  });

  router.get('/webhooks/signing/:keyId', (request, response) => {
    const { client } = callContext(response);
    const key = auth.signingKeyById(String(request.params.keyId));
    // An app can only read its own keys.
    if (key === undefined || key.clientId !== client.clientId) {
      sendError(response, 404, now(), `Signing key ${String(request.params.keyId)} was not found`);
      return;
    }
    response.json({
      keys: [{ kid: key.kid, kty: 'OKP', crv: 'Ed25519', x: key.x, use: 'sig', alg: 'EdDSA' }],
    });
  });

  return router;
}
