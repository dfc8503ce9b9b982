import { Router, type Request, type Response } from 'express';
import { bodyReader, sendCreated } from '../toolkit/api-resource-routes.ts';
import { locationOf } from '../toolkit/body-schemas.ts';
import { BadRequestError, found } from '../toolkit/define-simulator.ts';
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
import type { QueryReader } from '../toolkit/query-reader.ts';
import {
  viewOf,
  type QueryPlan,
  type TimeField,
  type TimedCollection,
  type TimedRecord,
} from '../toolkit/timed-collection.ts';
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
  listCacheKey,
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

/**
 * `name=A&name=B`: records whose value (or one of whose values) is one of those; null (no filter)
 * without the parameter.
 */
function anyOf<T>(
  query: QueryReader,
  name: string,
  valueOf: (record: T) => string | null | readonly string[],
): ((record: T) => boolean) | null {
  const values = query.list(name);
  if (values === undefined) return null;
  return (record) => {
    const value = valueOf(record);
    return typeof value === 'string' ? values.includes(value) : (value ?? []).some((v) => values.includes(v));
  };
}

/** {@link anyOf} for each of `names`, a parameter and the record field it matches. */
function anyOfFields<T>(query: QueryReader, names: ReadonlyArray<keyof T & string>): Array<Filter<T>> {
  return names.map((name) => anyOf<T>(query, name, (record) => record[name] as string | null));
}

/** `<name>From` / `<name>To` (inclusive): records whose time lies between; null without either. */
function between<T>(
  query: QueryReader,
  name: string,
  timeOf: (record: T) => number,
): ((record: T) => boolean) | null {
  const from = query.instant(`${name}From`);
  const to = query.instant(`${name}To`);
  if (from === undefined && to === undefined) return null;
  return (record) => inRange(timeOf(record), from, to);
}

/** Ordered by `compare`, ties by sequence (creation order), so pages never shuffle equal records. */
function ordered<T extends { seq: number }>(descending: boolean, compare: (a: T, b: T) => number) {
  return { descending, compare: (a: T, b: T) => compare(a, b) || a.seq - b.seq };
}

type Filter<T> = ((record: T) => boolean) | null;
type VersionedRecord = { id: string; version: number };

type Render<T> = (record: T, lookup: (seq: number) => ContactRecord | undefined, seed: number) => JsonObject;

/**
 * `GET <path>`, paged: `sortBy` created or `timeField` (from their indexes) or a field of `sortBy`
 * (a number, or text in locale order), the list's own filters, and `<timeField>From` /
 * `<timeField>To` (modified unless said) answered from that time's index. With `byId` (the noun
 * its 404 names), also `GET <path>/{id}`: the record with its ETag, or a 404.
 */
function activityRoutes<T extends TimedRecord>(
  router: Router,
  path: string,
  spec: {
    collectionOf: (dataset: ReapitDataset) => TimedCollection<T>;
    filtersOf: (query: QueryReader) => Array<Filter<T>>;
    sortBy: Partial<Record<keyof T & string, 'number' | 'text'>>;
    timeField?: TimeField;
    render: Render<T>;
    byId?: 'Appointment' | 'Offer';
  },
): void {
  router.get(path, (request, response) => {
    const { dataset } = callContext(response);
    const query = reapitQuery(request.query);
    const { timeField = 'modified' } = spec;
    const sort = readSort(
      query,
      [...new Set(['created', timeField]), ...Object.keys(spec.sortBy)],
      'created',
    );
    const filters = spec.filtersOf(query);
    const range = {
      field: timeField,
      from: query.instant(`${timeField}From`),
      to: query.instant(`${timeField}To`),
    };
    const field = sort.field as keyof T & string;
    const compare =
      spec.sortBy[field] === 'number'
        ? (a: T, b: T) => (a[field] as number) - (b[field] as number)
        : (a: T, b: T) => String(a[field]).localeCompare(String(b[field]));
    const view = spec.collectionOf(dataset).query(listCacheKey(request), {
      range,
      filters,
      sort:
        spec.sortBy[field] === undefined
          ? { field: sort.field as TimeField, descending: sort.descending }
          : ordered(sort.descending, compare),
    });
    const lookup = (seq: number) => dataset.contacts.get(seq);
    response.json(
      halPage(request, view, readPaging(query), (record) => spec.render(record, lookup, dataset.seed)),
    );
  });
  const { byId } = spec;
  if (byId === undefined) return;
  router.get(`${path}/:id`, (request, response) => {
    const { dataset } = callContext(response);
    const id = String(request.params.id);
    const seq = seqOfId(byId.toLowerCase() as Lowercase<typeof byId>, id);
    const record = found(
      seq === null ? undefined : (spec.collectionOf(dataset).get(seq) as (T & VersionedRecord) | undefined),
      `${byId} ${id} was not found`,
    );
    response.setHeader('ETag', eTagOf(record.id, record.version, record.modified));
    response.json(spec.render(record, (contactSeq) => dataset.contacts.get(contactSeq), dataset.seed));
  });
}

/** `embed` values; only `relationships` is implemented, anything else is a 400. */
function readEmbeds(query: QueryReader): string[] {
  const embeds = query.list('embed') ?? [];
  const unsupported = embeds.find((embed) => !SUPPORTED_CONTACT_EMBEDS.has(embed));
  if (unsupported !== undefined)
    throw new BadRequestError(
      `embed=${unsupported} is not supported by the simulator (supported: relationships)`,
    );
  return embeds;
}

function listContacts(request: Request, response: Response): void {
  const { dataset } = callContext(response);
  const query = reapitQuery(request.query);
  const paging = readPaging(query);
  const sort = readSort(query, ['created', 'modified', 'name'] as const, 'created');
  const embeds = readEmbeds(query);
  const ids = query.list('id');
  const emails = query.list('email');
  const name = query.string('name')?.toLowerCase();
  const active = query.boolean('active');
  const fromArchive = query.boolean('fromArchive');
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
  // One range from its index (or applied to the candidates); the other, if any, as a filter.
  const range = byModified
    ? { field: 'modified' as const, from: modifiedFrom, to: modifiedTo }
    : { field: 'created' as const, from: createdFrom, to: createdTo };
  const filters: Array<Filter<ContactRecord>> = [
    byCreated && byModified ? (record) => inRange(record.created, createdFrom, createdTo) : null,
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
    anyOf(query, 'marketingConsent', (record) => fieldsOf(record, dataset.seed).marketingConsent),
    anyOf(query, 'officeId', (record) => fieldsOf(record, dataset.seed).officeIds),
    anyOf(query, 'negotiatorId', (record) => fieldsOf(record, dataset.seed).negotiatorIds),
    metadata.length === 0
      ? null
      : (record) => metadata.every((condition) => matchesMetadata(record.metadata, condition)),
  ];
  const plan: QueryPlan<ContactRecord> = {
    candidates,
    range,
    filters,
    sort:
      sort.field === 'name'
        ? ordered(sort.descending, (a, b) => {
            const left = nameOf(a);
            const right = nameOf(b);
            const [leftSurname, rightSurname] = [left.surname.toLowerCase(), right.surname.toLowerCase()];
            const bySurname = leftSurname < rightSurname ? -1 : leftSurname > rightSurname ? 1 : 0;
            return bySurname || (left.forename ?? '').localeCompare(right.forename ?? '');
          })
        : { field: sort.field, descending: sort.descending },
  };
  const cacheKey = listCacheKey(request);
  const view = dataset.contacts.query(cacheKey, plan);
  const withRelationships = embeds.includes('relationships');
  response.json(
    halPage(request, view, paging, (record) =>
      renderContact(record, { seed: dataset.seed, relationships: withRelationships }),
    ),
  );
}

/** The contact the path names, or a 404. */
function contactOf(request: Request, dataset: ReapitDataset): ContactRecord {
  const id = String(request.params.id);
  return found(dataset.contactById(id), `Contact ${id} was not found`);
}

function getContact(request: Request, response: Response): void {
  const { dataset } = callContext(response);
  const record = contactOf(request, dataset);
  const query = reapitQuery(request.query);
  const embeds = readEmbeds(query);
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

const subscriptionNotFound = (id: string) => `Webhook subscription ${id} was not found`;

/** A 412 in Reapit's error shape. */
function preconditionFailed(description: string): never {
  throw new BadRequestError(description, { status: 412 });
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
  const bodyOf = bodyReader((response, error) =>
    sendError(response, 422, now(), undefined, validationErrors(error)),
  );

  router.get('/contacts', listContacts);
  router.get('/contacts/:id', getContact);

  router.get('/contacts/:id/relationships', (request, response) => {
    const record = contactOf(request, callContext(response).dataset);
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
    const applicant = found(
      (record && renderApplicant(record, id, dataset.seed)) ?? undefined,
      `Applicant ${id} was not found`,
    );
    response.setHeader('ETag', applicant._eTag as string);
    response.json(applicant);
  });

  router.post('/contacts', (request, response) => {
    const { dataset } = callContext(response);
    const parsed = bodyOf(ContactCreateSchema, request, response);
    if (parsed === undefined) return;
    // No idempotency key, as in Reapit: a retried POST creates a second contact.
    const record = dataset.createContact(parsed as ContactCreate);
    sendCreated(response, locationOf(request, `/contacts/${record.id}`));
  });

  router.patch('/contacts/:id', (request, response) => {
    const { dataset } = callContext(response);
    const ifMatch = request.get('if-match')?.trim();
    if (!ifMatch)
      preconditionFailed("The If-Match header is required: send the contact's _eTag, quotes included");
    const parsed = bodyOf(ContactPatchSchema, request, response);
    if (parsed === undefined) return;
    const record = contactOf(request, dataset);
    if (ifMatch !== eTagOf(record.id, record.version, record.modified))
      preconditionFailed(
        'The contact has changed since this eTag was issued: fetch it again and re-apply the change',
      );
    const patch = parsed as ContactPatch;
    dataset.patchContacts([record], () => patch);
    response.setHeader('ETag', eTagOf(record.id, record.version, record.modified));
    response.status(204).end();
  });

  activityRoutes<AppointmentRecord>(router, '/appointments', {
    collectionOf: (dataset) => dataset.appointments,
    filtersOf: (query) => {
      const start = query.instant('start');
      const end = query.instant('end');
      return [
        ...anyOfFields<AppointmentRecord>(query, [
          'id',
          'typeId',
          'attendeeId',
          'attendeeType',
          'propertyId',
          'negotiatorId',
          'officeId',
        ]),
        start === undefined ? null : (record) => record.start >= start,
        end === undefined ? null : (record) => record.end <= end,
        query.boolean('includeCancelled') ? null : (record) => !record.cancelled,
        query.boolean('includeUnconfirmed') ? null : (record) => record.confirmed,
        between(query, 'created', (record) => record.created),
      ];
    },
    sortBy: { start: 'number', typeId: 'text' },
    render: renderAppointment,
    byId: 'Appointment',
  });

  activityRoutes<OfferRecord>(router, '/offers', {
    collectionOf: (dataset) => dataset.offers,
    filtersOf: (query) => {
      for (const status of query.list('status') ?? []) {
        if (!(REAPIT_OFFER_STATUSES as readonly string[]).includes(status)) {
          throw new BadRequestError(`status must be one of ${REAPIT_OFFER_STATUSES.join(', ')}`);
        }
      }
      const amountFrom = query.number('amountFrom');
      const amountTo = query.number('amountTo');
      return [
        ...anyOfFields<OfferRecord>(query, ['id', 'applicantId', 'propertyId', 'status']),
        amountFrom === undefined && amountTo === undefined
          ? null
          : (record) => inRange(record.amount, amountFrom, amountTo),
        between(query, 'date', (record) => Date.parse(`${record.date}T00:00:00Z`)),
        between(query, 'created', (record) => record.created),
      ];
    },
    sortBy: { amount: 'number', status: 'text' },
    render: renderOffer,
    byId: 'Offer',
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

  activityRoutes<JournalEntryRecord>(router, '/journalEntries', {
    collectionOf: (dataset) => dataset.journal,
    filtersOf: (query) =>
      anyOfFields(query, ['associatedType', 'associatedId', 'typeId', 'negotiatorId', 'propertyId']),
    sortBy: { typeId: 'text' },
    timeField: 'created',
    render: renderJournalEntry,
  });

  router.post('/resthooks', (request, response) => {
    const { client, dataset } = callContext(response);
    const parsed = bodyOf(ResthookSchema, request, response);
    if (parsed === undefined) return;
    const hook = webhooks.create(dataset.customerId, client.clientId, parsed);
    sendCreated(response, locationOf(request, `/resthooks/${hook.id}`), webhooks.render(hook));
  });

  router.get('/resthooks', (request, response) => {
    const { dataset } = callContext(response);
    const paging = readPaging(reapitQuery(request.query));
    const hooks = webhooks.list(dataset.customerId);
    response.json(halPage(request, viewOf(hooks), paging, (hook) => webhooks.render(hook)));
  });

  router.get('/resthooks/:id', (request, response) => {
    const { dataset } = callContext(response);
    const id = String(request.params.id);
    const hook = found(webhooks.find(dataset.customerId, id), subscriptionNotFound(id));
    response.json(webhooks.render(hook));
  });

  router.put('/resthooks/:id', (request, response) => {
    const { dataset } = callContext(response);
    const parsed = bodyOf(ResthookSchema, request, response);
    if (parsed === undefined) return;
    const id = String(request.params.id);
    found(webhooks.replace(dataset.customerId, id, parsed), subscriptionNotFound(id));
    response.status(204).end();
  });

  router.delete('/resthooks/:id', (request, response) => {
    const { dataset } = callContext(response);
    const id = String(request.params.id);
    if (!webhooks.remove(dataset.customerId, id))
      throw new BadRequestError(subscriptionNotFound(id), { status: 404 });
    response.status(204).end();
  });

  router.get('/webhooks/signing/:keyId', (request, response) => {
    const { client } = callContext(response);
    const keyId = String(request.params.keyId);
    const candidate = auth.signingKeyById(keyId);
    // An app can only read its own keys.
    const key = found(
      candidate?.clientId === client.clientId ? candidate : undefined,
      `Signing key ${keyId} was not found`,
    );
    response.json({
      keys: [{ kid: key.kid, kty: 'OKP', crv: 'Ed25519', x: key.x, use: 'sig', alg: 'EdDSA' }],
    });
  });

  return router;
}
