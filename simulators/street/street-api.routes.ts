import { Router, type Request, type Response } from 'express';
import {
  pageOfView,
  viewSize,
  type QueryPlan,
  type ResultView,
  type TimedCollection,
  type TimedRecord,
} from '../toolkit/timed-collection.ts';
import {
  ACTIVITY_KINDS,
  renderActivity,
  renderActivityIncluded,
  renderNote,
  type ActivityKind,
  type ActivityRecord,
} from './street-activity.model.ts';
import type { StreetApiToken } from './street-constants.ts';
import type { PersonPatch, StreetDataset } from './street-dataset.ts';
import {
  NoteAttributesSchema,
  NotePatchSchema,
  PersonAttributesSchema,
  StreetQuery,
  WebhookAttributesSchema,
  apiBase,
  jsonApiError,
  parseAttributes,
  resourceOf,
  sendDocument,
  sendPage,
  viewOf,
} from './street-http.ts';
import { fieldsOf, renderPerson, type PersonRecord, type RenderContext } from './street-person.model.ts';
import type { StreetWebhooks } from './street-webhooks.ts';

/** What the auth middleware leaves for the handlers. */
export interface StreetCallContext {
  token: StreetApiToken;
  /** Simulator time when the request arrived. */
  now: number;
}

export function callContext(response: Response): StreetCallContext {
  return response.locals.street as StreetCallContext;
}

const PERSON_FILTERS = ['email_address', 'telephone_number', 'trashed', 'updated_from', 'updated_to'];
const ACTIVITY_FILTERS = ['status', 'updated_from', 'updated_to'];
const PERSON_INCLUDES = ['applicants', 'notes'];
const INTERNATIONAL_PHONE = /^\+[1-9]\d{7,14}$/;
const SORT_FIELDS = { created_at: 'created', updated_at: 'modified' } as const;

/** `filter[updated_from]` / `filter[updated_to]`, both inclusive. */
function updatedRange(query: StreetQuery) {
  return { from: query.instant('filter[updated_from]'), to: query.instant('filter[updated_to]') };
}

/**
 * Plans a list query over one collection: the updated range answered from the sorted index, never
 * by scanning every record (unless `candidates`, e.g. from an email lookup, are given); the other
 * filters applied to what the range leaves.
 */
function planFor<T extends TimedRecord>(
  updated: ReturnType<typeof updatedRange>,
  sort: { field: keyof typeof SORT_FIELDS; descending: boolean },
  candidates: readonly T[] | undefined,
  filters: Array<((item: T) => boolean) | null>,
): QueryPlan<T> {
  const range = { field: 'modified' as const, ...updated };
  return {
    candidates,
    range,
    filters,
    sort: { field: SORT_FIELDS[sort.field], descending: sort.descending },
  };
}

/** Joins the live and trashed results (`filter[trashed]=with`) in the requested order. */
function mergeViews<T extends TimedRecord>(
  views: Array<ResultView<T>>,
  field: 'created' | 'modified',
  descending: boolean,
): ResultView<T> {
  if (views.length === 1) return views[0] as ResultView<T>;
  const merged = views
    .flatMap((view) => pageOfView(view, 1, viewSize(view)))
    .sort((a, b) => a[field] - b[field] || a.seq - b.seq);
  if (descending) merged.reverse();
  return viewOf(merged);
}

const notFound = (what: string, id: string) => jsonApiError(404, `No ${what} found with id ${id}.`);

/** `value`, or a 404 saying no `what` has this id. */
function foundById<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw notFound(what, id);
  return value;
}

/** Builds the API router (mounted under /open-api/v1). Assumes auth, rate-limit and fault checks ran first. */
export function createStreetApiRouter(datasetOf: () => StreetDataset, webhooks: StreetWebhooks): Router {
  const router = Router();
  const contextOf = (request: Request) => datasetOf().context(apiBase(request));

  router.get('/people', (request, response) => {
    const dataset = datasetOf();
    const query = new StreetQuery(request);
    query.allowFilters(PERSON_FILTERS);
    const page = query.page();
    const include = query.include(PERSON_INCLUDES);
    const sort = query.sort(['created_at', 'updated_at'] as const, 'created_at');
    const updated = updatedRange(query);
    const trashed = query.string('filter[trashed]');
    if (trashed !== undefined && trashed !== 'with' && trashed !== 'only') {
      throw jsonApiError(400, 'filter[trashed] must be "with" or "only".', { parameter: 'filter[trashed]' });
    }
    const email = query.string('filter[email_address]');
    const phone = query.string('filter[telephone_number]');
    if (phone !== undefined && !INTERNATIONAL_PHONE.test(phone)) {
      const hint = /^ \d/.test(phone) ? ' (encode the leading + as %2B)' : '';
      throw jsonApiError(
        400,
        `filter[telephone_number] must be in full international dialling format, e.g. +441614960137${hint}.`,
        { parameter: 'filter[telephone_number]' },
      );
    }
    const fields = (record: PersonRecord) => fieldsOf(record, dataset.seed);
    const collections: Array<[TimedCollection<PersonRecord>, live: boolean]> = [];
    if (trashed !== 'only') collections.push([dataset.persons, true]);
    if (trashed !== undefined) collections.push([dataset.trashed, false]);
    const views = collections.map(([collection, live]) => {
      // Email and phone use the lookup indexes for live people; the (small) trashed set is filtered.
      const byEmailIndex = live && email !== undefined;
      const byPhoneIndex = live && !byEmailIndex && phone !== undefined;
      const candidates = byEmailIndex
        ? dataset.peopleByEmail(email)
        : byPhoneIndex
          ? dataset.peopleByPhone(phone)
          : undefined;
      const plan = planFor(updated, sort, candidates, [
        email === undefined || byEmailIndex
          ? null
          : (record) =>
              fields(record).email_addresses.some(
                (entry) => entry.value.trim().toLowerCase() === email.trim().toLowerCase(),
              ),
        phone === undefined || byPhoneIndex
          ? null
          : (record) => fields(record).telephone_numbers.some((entry) => entry.value === phone),
      ]);
      return collection.query(JSON.stringify([live, updated, sort, email, phone]), plan);
    });
    const view = mergeViews(views, SORT_FIELDS[sort.field], sort.descending);
    const context = contextOf(request);
    sendPage(
      response,
      request,
      view,
      page,
      (record) => renderPerson(record, context),
      include.size === 0 ? undefined : (records) => dataset.includedFor(records, include, context),
    );
  });

  const personOr404 = (id: string): PersonRecord => foundById(datasetOf().personById(id), 'person', id);

  router.get('/people/:id', (request, response) => {
    const include = new StreetQuery(request).include(PERSON_INCLUDES);
    const record = personOr404(request.params.id);
    const context = contextOf(request);
    sendDocument(response, 200, {
      data: renderPerson(record, context),
      ...(include.size === 0 ? {} : { included: datasetOf().includedFor([record], include, context) }),
      links: { self: `${context.base}/people/${request.params.id}` },
    });
  });

  router.patch('/people/:id', (request, response) => {
    const id = request.params.id;
    const record = personOr404(id);
    const { attributes, meta } = resourceOf(request.body, 'person', id);
    const input = parseAttributes(PersonAttributesSchema, attributes);
    // Simulator choice (README): an optional `meta.updated_at` precondition; a stale one is a 409.
    if (meta.updated_at !== undefined) {
      const expected = typeof meta.updated_at === 'string' ? Date.parse(meta.updated_at) : Number.NaN;
      if (Number.isNaN(expected))
        throw jsonApiError(400, 'meta.updated_at must be an ISO-8601 date-time.', {
          pointer: '/data/meta/updated_at',
        });
      if (expected !== record.modified) {
        throw jsonApiError(
          409,
          `The person was updated at ${new Date(record.modified).toISOString()}, after the version this change is based on (${String(meta.updated_at)}). Fetch it again and re-apply the change.`,
          { code: 'stale_record', pointer: '/data/meta/updated_at' },
        );
      }
    }
    datasetOf().patchPeople([record], () => input as PersonPatch);
    sendDocument(response, 200, { data: renderPerson(record, contextOf(request)) });
  });

  router.get('/people/:id/notes', (request, response) => {
    const record = personOr404(request.params.id);
    const query = new StreetQuery(request);
    const page = query.page();
    const sort = query.sort(['created_at'] as const, 'created_at');
    const notes = [...datasetOf().notes.of(record.seq)];
    if (sort.descending) notes.reverse();
    const context = contextOf(request);
    sendPage(response, request, viewOf(notes), page, (note) => renderNote(note, context));
  });

  router.post('/notes', (request, response) => {
    const { attributes, relationships } = resourceOf(request.body, 'note');
    const input = parseAttributes(NoteAttributesSchema, attributes);
    const related = Object.keys(relationships);
    const unprocessable = (detail: string, pointer: string) => jsonApiError(422, detail, { pointer });
    if (related.length !== 1 || related[0] !== 'person') {
      throw unprocessable(
        related.length === 0
          ? 'A note must relate to exactly one record.'
          : `The simulator supports notes related to a person only (got: ${related.join(', ')}).`,
        '/data/relationships',
      );
    }
    const data = (relationships.person as { data?: { type?: unknown; id?: unknown } } | null)?.data;
    const person =
      data?.type === 'person' && typeof data.id === 'string' ? datasetOf().personById(data.id) : undefined;
    if (person === undefined)
      throw unprocessable('The selected person is invalid.', '/data/relationships/person/data/id');
    const note = datasetOf().addNote({
      personSeq: person.seq,
      body: input.body,
      author: input.author ?? null,
      pinnedAt: input.pinned ? callContext(response).now : null,
    });
    const rendered = renderNote(note, contextOf(request));
    response.location(String((rendered.links as { self: string }).self));
    sendDocument(response, 201, { data: rendered });
  });

  const noteOr404 = (id: string) => foundById(datasetOf().noteById(id), 'note', id);

  router.patch('/notes/:id', (request, response) => {
    const note = noteOr404(request.params.id);
    const { attributes } = resourceOf(request.body, 'note', request.params.id);
    datasetOf().updateNote(note, parseAttributes(NotePatchSchema, attributes));
    sendDocument(response, 200, { data: renderNote(note, contextOf(request)) });
  });

  router.get('/notes/:id', (request, response) => {
    sendDocument(response, 200, { data: renderNote(noteOr404(request.params.id), contextOf(request)) });
  });

  // `GET /<activities>` and `GET /<activities>/{id}`: time filters, status filter, includes.
  for (const [kind, spec] of Object.entries(ACTIVITY_KINDS) as Array<
    [ActivityKind, (typeof ACTIVITY_KINDS)[ActivityKind]]
  >) {
    const includes = [spec.via, `${spec.via}.people`];
    const extraFilters = spec.appointment ? ['type', 'cancelled'] : [];
    const included = (
      records: readonly ActivityRecord[],
      include: ReadonlySet<string>,
      context: RenderContext,
    ) => renderActivityIncluded(kind, records, include, (seq) => datasetOf().personBySeq(seq), context);
    router.get(`/${spec.path}`, (request, response) => {
      const query = new StreetQuery(request);
      query.allowFilters([...ACTIVITY_FILTERS, ...extraFilters]);
      const page = query.page();
      const include = query.include(includes);
      const sort = query.sort(['created_at', 'updated_at'] as const, 'created_at');
      const updated = updatedRange(query);
      const statuses = query.list('filter[status]');
      if (statuses?.some((status) => !spec.statuses.includes(status))) {
        throw jsonApiError(400, `filter[status] must be among ${spec.statuses.join(', ')}.`, {
          parameter: 'filter[status]',
        });
      }
      const type = spec.appointment ? query.string('filter[type]') : undefined;
      const cancelled = spec.appointment
        ? (query.oneOf('filter[cancelled]', ['with', 'only']) ?? 'without')
        : 'with';
      const plan = planFor<ActivityRecord>(updated, sort, undefined, [
        statuses === undefined ? null : (record) => statuses.includes(record.status),
        type === undefined ? null : (record) => spec.kindOf(record) === type,
        cancelled === 'with' ? null : (record) => (record.status === 'cancelled') === (cancelled === 'only'),
      ]);
      const view = (datasetOf().activities[kind] as TimedCollection<ActivityRecord>).query(
        JSON.stringify([updated, sort, statuses, type, cancelled]),
        plan,
      );
      const context = contextOf(request);
      sendPage(
        response,
        request,
        view,
        page,
        (record) => renderActivity(kind, record, context),
        include.size === 0 ? undefined : (records) => included(records, include, context),
      );
    });
    router.get(`/${spec.path}/:id`, (request, response) => {
      const id = request.params.id;
      const record = foundById(datasetOf().activityById(kind, id), kind.replace('_', ' '), id);
      const include = new StreetQuery(request).include(includes);
      const context = contextOf(request);
      sendDocument(response, 200, {
        data: renderActivity(kind, record, context),
        ...(include.size === 0 ? {} : { included: included([record], include, context) }),
      });
    });
  }

  router.post('/webhooks', (request, response) => {
    const { attributes } = resourceOf(request.body, 'webhook');
    const input = parseAttributes(WebhookAttributesSchema, attributes);
    const subscription = webhooks.create(callContext(response).token.tokenId, input);
    const base = apiBase(request);
    response.location(`${base}/webhooks/${subscription.id}`);
    sendDocument(response, 201, { data: webhooks.render(subscription, base, { withSecret: true }) });
  });

  router.get('/webhooks/:id', (request, response) => {
    sendDocument(response, 200, {
      data: webhooks.render(
        foundById(webhooks.get(request.params.id), 'webhook', request.params.id),
        apiBase(request),
      ),
    });
  });

  router.delete('/webhooks/:id', (request, response) => {
    if (!webhooks.delete(request.params.id)) throw notFound('webhook', request.params.id);
    response.status(204).end();
  });

  return router;
}
