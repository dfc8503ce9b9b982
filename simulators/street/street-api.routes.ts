import { Router, type Request, type Response } from 'express';
import type { QueryPlan, ResultView, TimedCollection, TimedRecord } from '../toolkit/timed-collection.ts';
import {
  renderActivityIncluded,
  renderNote,
  renderOffer,
  renderValuation,
  renderViewing,
  type OfferRecord,
} from './street-activity.model.ts';
import {
  STREET_LETTINGS_OFFER_STATUSES,
  STREET_SALES_OFFER_STATUSES,
  STREET_VALUATION_STATUSES,
  STREET_VIEWING_STATUSES,
  type StreetApiToken,
  type StreetOfferKind,
} from './street-constants.ts';
import type { PersonPatch } from './street-dataset.ts';
import type { StreetEngine } from './street-engine.ts';
import type { StreetEntityKind } from './street-ids.ts';
import {
  JsonApiError,
  NoteAttributesSchema,
  NotePatchSchema,
  PersonAttributesSchema,
  StreetQuery,
  WebhookAttributesSchema,
  WebhookPatchSchema,
  apiBase,
  parseAttributes,
  resourceOf,
  sendDocument,
  sendPage,
  viewOf,
} from './street-http.ts';
import {
  fieldsOf,
  renderAddress,
  renderIncluded,
  renderPerson,
  type JsonObject,
  type PersonRecord,
  type RenderContext,
} from './street-person.model.ts';
import type { StreetWebhookEvent } from './street-constants.ts';

/** What the auth middleware leaves for the handlers. */
export interface StreetCallContext {
  token: StreetApiToken;
  /** Simulator time when the request arrived. */
  now: number;
}

export function callContext(response: Response): StreetCallContext {
  return response.locals.street as StreetCallContext;
}

const PERSON_FILTERS = [
  'address',
  'email_address',
  'telephone_number',
  'trashed',
  'created_from',
  'created_to',
  'updated_from',
  'updated_to',
] as const;
const PERSON_INCLUDES = ['applicants', 'ownedProperties', 'notes'] as const;
const INTERNATIONAL_PHONE = /^\+[1-9]\d{7,14}$/;

type TimeField = 'created' | 'modified';
const SORT_FIELDS = { created_at: 'created', updated_at: 'modified' } as const satisfies Record<
  string,
  TimeField
>;

function inRange(value: number, from: number | undefined, to: number | undefined): boolean {
  return (from === undefined || value >= from) && (to === undefined || value <= to);
}

function allOf<T>(predicates: Array<((item: T) => boolean) | null>): ((item: T) => boolean) | undefined {
  const active = predicates.filter((predicate): predicate is (item: T) => boolean => predicate !== null);
  return active.length === 0 ? undefined : (item) => active.every((predicate) => predicate(item));
}

/** Time filters every Street list takes: `filter[created_from|created_to|updated_from|updated_to]`, all inclusive. */
function timeFilters(query: StreetQuery) {
  return {
    createdFrom: query.instant('filter[created_from]'),
    createdTo: query.instant('filter[created_to]'),
    updatedFrom: query.instant('filter[updated_from]'),
    updatedTo: query.instant('filter[updated_to]'),
  };
}

/**
 * Plans a list query over one collection: an updated (or created) range answered from the sorted
 * index, never by scanning every record; other filters applied to what the range leaves.
 */
function planFor<T extends TimedRecord>(
  times: ReturnType<typeof timeFilters>,
  sort: { field: keyof typeof SORT_FIELDS; descending: boolean },
  candidates: readonly T[] | undefined,
  extra: Array<((item: T) => boolean) | null>,
): QueryPlan<T> {
  const byUpdated = times.updatedFrom !== undefined || times.updatedTo !== undefined;
  const byCreated = times.createdFrom !== undefined || times.createdTo !== undefined;
  const range =
    candidates === undefined && byUpdated
      ? { field: 'modified' as const, from: times.updatedFrom, to: times.updatedTo }
      : candidates === undefined && byCreated
        ? { field: 'created' as const, from: times.createdFrom, to: times.createdTo }
        : undefined;
  const predicate = allOf<T>([
    byUpdated && range?.field !== 'modified'
      ? (item) => inRange(item.modified, times.updatedFrom, times.updatedTo)
      : null,
    byCreated && range?.field !== 'created'
      ? (item) => inRange(item.created, times.createdFrom, times.createdTo)
      : null,
    ...extra,
  ]);
  return {
    ...(candidates === undefined ? {} : { candidates }),
    ...(range === undefined ? {} : { range }),
    ...(predicate === undefined ? {} : { predicate }),
    sort: { field: SORT_FIELDS[sort.field], descending: sort.descending },
  };
}

function materialise<T>(view: ResultView<T>): T[] {
  const items: T[] = [];
  for (let i = 0; i < view.end - view.start; i++)
    items.push(view.items[view.descending ? view.end - 1 - i : view.start + i] as T);
  return items;
}

/** Joins the live and trashed results (`filter[trashed]=with`) in the requested order. */
function mergeViews<T extends TimedRecord>(
  views: Array<ResultView<T>>,
  field: TimeField,
  descending: boolean,
): ResultView<T> {
  if (views.length === 1) return views[0] as ResultView<T>;
  const merged = views.flatMap(materialise).sort((a, b) => a[field] - b[field] || a.seq - b.seq);
  if (descending) merged.reverse();
  return viewOf(merged);
}

function notFound(what: string, id: string): JsonApiError {
  return new JsonApiError(404, `No ${what} found with id ${id}.`);
}

/** Builds the API router (mounted under /open-api/v1). Assumes auth, rate-limit and fault checks ran first. */
export function createStreetApiRouter(engine: StreetEngine): Router {
  const router = Router();
  const contextOf = (request: Request): RenderContext => engine.context(apiBase(request));
  /** Side-loads for people: applicants and owned properties from the model, notes from the dataset. */
  const includedFor = (
    records: readonly PersonRecord[],
    include: ReadonlySet<string>,
    context: RenderContext,
  ): JsonObject[] => {
    const included = renderIncluded(records, include, context);
    if (include.has('notes'))
      for (const record of records)
        for (const note of engine.dataset.notesOf(record.seq)) included.push(renderNote(note, context));
    return included;
  };

  router.get('/people', (request, response) => {
    const dataset = engine.dataset;
    const query = new StreetQuery(request);
    query.allowFilters(PERSON_FILTERS);
    const page = query.page();
    const include = query.include(PERSON_INCLUDES);
    const sort = query.sort(['created_at', 'updated_at'] as const, 'created_at');
    const times = timeFilters(query);
    const trashed = query.string('filter[trashed]');
    if (trashed !== undefined && trashed !== 'with' && trashed !== 'only') {
      throw new JsonApiError(400, 'filter[trashed] must be "with" or "only".', {
        source: { parameter: 'filter[trashed]' },
      });
    }
    const email = query.string('filter[email_address]');
    const phone = query.string('filter[telephone_number]');
    if (phone !== undefined && !INTERNATIONAL_PHONE.test(phone)) {
      const hint = /^ \d/.test(phone) ? ' (encode the leading + as %2B)' : '';
      throw new JsonApiError(
        400,
        `filter[telephone_number] must be in full international dialling format, e.g. +441614960137${hint}.`,
        {
          source: { parameter: 'filter[telephone_number]' },
        },
      );
    }
    const address = query.string('filter[address]')?.toLowerCase();
    const seed = dataset.seed;
    const collections: Array<{ collection: TimedCollection<PersonRecord>; live: boolean }> =
      trashed === 'only'
        ? [{ collection: dataset.trashed, live: false }]
        : trashed === 'with'
          ? [
              { collection: dataset.persons, live: true },
              { collection: dataset.trashed, live: false },
            ]
          : [{ collection: dataset.persons, live: true }];
    const matchesEmail =
      email === undefined
        ? null
        : (record: PersonRecord) =>
            fieldsOf(record, seed).email_addresses.some(
              (entry) => entry.value.trim().toLowerCase() === email.trim().toLowerCase(),
            );
    const matchesPhone =
      phone === undefined
        ? null
        : (record: PersonRecord) =>
            fieldsOf(record, seed).telephone_numbers.some((entry) => entry.value === phone);
    const matchesAddress =
      address === undefined
        ? null
        : (record: PersonRecord) =>
            String(renderAddress(fieldsOf(record, seed).address)?.single_line ?? '')
              .toLowerCase()
              .includes(address);
    const views = collections.map(({ collection, live }) => {
      // Email and phone use the lookup indexes for live people; the (small) trashed set is filtered.
      const byEmailIndex = live && email !== undefined;
      const byPhoneIndex = live && !byEmailIndex && phone !== undefined;
      const candidates = byEmailIndex
        ? dataset.peopleByEmail(email)
        : byPhoneIndex
          ? dataset.peopleByPhone(phone)
          : undefined;
      const plan = planFor(times, sort, candidates, [
        byEmailIndex ? null : matchesEmail,
        byPhoneIndex ? null : matchesPhone,
        matchesAddress,
      ]);
      return collection.query(JSON.stringify([live, times, sort, email, phone, address]), plan);
    });
    const view = mergeViews(views, SORT_FIELDS[sort.field], sort.descending);
    const context = contextOf(request);
    sendPage(
      response,
      request,
      view,
      page,
      (record) => renderPerson(record, context),
      include.size === 0 ? undefined : (records) => includedFor(records, include, context),
    );
  });

  const personOr404 = (id: string, withTrashed = false): PersonRecord => {
    const record = engine.dataset.personById(id, { withTrashed });
    if (record === undefined) throw notFound('person', id);
    return record;
  };

  router.get('/people/:id', (request, response) => {
    const query = new StreetQuery(request);
    const include = query.include(PERSON_INCLUDES);
    const record = personOr404(String(request.params.id));
    const context = contextOf(request);
    sendDocument(response, 200, {
      data: renderPerson(record, context),
      ...(include.size === 0 ? {} : { included: includedFor([record], include, context) }),
      links: { self: `${context.base}/people/${String(request.params.id)}` },
    });
  });

  router.patch('/people/:id', (request, response) => {
    const id = String(request.params.id);
    const record = personOr404(id);
    const { attributes, meta } = resourceOf(request.body, 'person', id);
    const input = parseAttributes(PersonAttributesSchema, attributes);
    // Simulator choice (README): an optional `meta.updated_at` precondition; a stale one is a 409.
    if (meta.updated_at !== undefined) {
      const expected = typeof meta.updated_at === 'string' ? Date.parse(meta.updated_at) : Number.NaN;
      if (Number.isNaN(expected))
        throw new JsonApiError(400, 'meta.updated_at must be an ISO-8601 date-time.', {
          source: { pointer: '/data/meta/updated_at' },
        });
      if (expected !== record.modified) {
        throw new JsonApiError(
          409,
          `The person was updated at ${new Date(record.modified).toISOString()}, after the version this change is based on (${String(meta.updated_at)}). Fetch it again and re-apply the change.`,
          {
            code: 'stale_record',
            source: { pointer: '/data/meta/updated_at' },
          },
        );
      }
    }
    engine.patchPeople([record], () => input as PersonPatch);
    const context = contextOf(request);
    sendDocument(response, 200, { data: renderPerson(record, context) });
  });

  router.get('/people/:id/notes', (request, response) => {
    const record = personOr404(String(request.params.id));
    const query = new StreetQuery(request);
    const page = query.page();
    const sort = query.sort(['created_at'] as const, 'created_at');
    const notes = [...engine.dataset.notesOf(record.seq)];
    if (sort.descending) notes.reverse();
    const context = contextOf(request);
    sendPage(response, request, viewOf(notes), page, (note) => renderNote(note, context));
  });

  router.post('/notes', (request, response) => {
    const { attributes, relationships } = resourceOf(request.body, 'note');
    const input = parseAttributes(NoteAttributesSchema, attributes);
    const related = Object.keys(relationships);
    if (related.length !== 1 || related[0] !== 'person') {
      throw JsonApiError.many(422, [
        {
          status: '422',
          title: 'Unprocessable Entity',
          detail:
            related.length === 0
              ? 'A note must relate to exactly one record.'
              : `The simulator supports notes related to a person only (got: ${related.join(', ')}).`,
          source: { pointer: '/data/relationships' },
        },
      ]);
    }
    const data = (relationships.person as { data?: { type?: unknown; id?: unknown } } | null)?.data;
    const person =
      data?.type === 'person' && typeof data.id === 'string' ? engine.dataset.personById(data.id) : undefined;
    if (person === undefined) {
      throw JsonApiError.many(422, [
        {
          status: '422',
          title: 'Unprocessable Entity',
          detail: 'The selected person is invalid.',
          source: { pointer: '/data/relationships/person/data/id' },
        },
      ]);
    }
    const now = callContext(response).now;
    const note = engine.addNote({
      personSeq: person.seq,
      body: input.body,
      author: input.author ?? null,
      pinnedAt: input.pinned ? now : null,
    });
    const context = contextOf(request);
    const rendered = renderNote(note, context);
    response.location(String((rendered.links as { self: string }).self));
    sendDocument(response, 201, { data: rendered });
  });

  router.patch('/notes/:id', (request, response) => {
    const id = String(request.params.id);
    const note = engine.dataset.byId(engine.dataset.notes, 'note', id);
    if (note === undefined) throw notFound('note', id);
    const { attributes } = resourceOf(request.body, 'note', id);
    const change = parseAttributes(NotePatchSchema, attributes);
    engine.updateNote(note, {
      ...(change.body === undefined ? {} : { body: change.body }),
      ...(change.pinned === undefined ? {} : { pinned: change.pinned }),
    });
    sendDocument(response, 200, { data: renderNote(note, contextOf(request)) });
  });

  router.get('/notes/:id', (request, response) => {
    const note = engine.dataset.byId(engine.dataset.notes, 'note', String(request.params.id));
    if (note === undefined) throw notFound('note', String(request.params.id));
    sendDocument(response, 200, { data: renderNote(note, contextOf(request)) });
  });

  /** `GET /<activities>` and `GET /<activities>/{id}`: time filters, status filter, includes. */
  const activityRoutes = <T extends TimedRecord & { personSeq: number; status: string }>(spec: {
    path: string;
    kind: StreetEntityKind;
    collection: () => TimedCollection<T>;
    statuses: readonly string[];
    includes: readonly string[];
    render: (record: T, context: RenderContext) => JsonObject;
    extraFilters?: Record<string, (record: T, value: string) => boolean>;
  }) => {
    const extraNames = Object.keys(spec.extraFilters ?? {});
    const included = (records: readonly T[], include: ReadonlySet<string>, context: RenderContext) =>
      include.size === 0
        ? undefined
        : renderActivityIncluded(records, include, (seq) => engine.dataset.personBySeq(seq), context);
    router.get(spec.path, (request, response) => {
      const query = new StreetQuery(request);
      query.allowFilters([
        'status',
        'created_from',
        'created_to',
        'updated_from',
        'updated_to',
        ...extraNames,
      ]);
      const page = query.page();
      const include = query.include(spec.includes);
      const sort = query.sort(['created_at', 'updated_at'] as const, 'created_at');
      const times = timeFilters(query);
      const statuses = query.list('filter[status]');
      for (const status of statuses ?? []) {
        if (!spec.statuses.includes(status)) {
          throw new JsonApiError(400, `filter[status] must be among ${spec.statuses.join(', ')}.`, {
            source: { parameter: 'filter[status]' },
          });
        }
      }
      const extras = extraNames.map((name) => {
        const value = query.string(`filter[${name}]`);
        const test = spec.extraFilters?.[name];
        return value === undefined || test === undefined ? null : (record: T) => test(record, value);
      });
      const plan = planFor<T>(times, sort, undefined, [
        statuses === undefined ? null : (record) => statuses.includes(record.status),
        ...extras,
      ]);
      const view = spec
        .collection()
        .query(
          JSON.stringify([times, sort, statuses, extraNames.map((name) => query.string(`filter[${name}]`))]),
          plan,
        );
      const context = contextOf(request);
      sendPage(
        response,
        request,
        view,
        page,
        (record) => spec.render(record, context),
        include.size === 0 ? undefined : (records) => included(records, include, context) ?? [],
      );
    });
    router.get(`${spec.path}/:id`, (request, response) => {
      const id = String(request.params.id);
      const record = engine.dataset.byId(spec.collection(), spec.kind, id);
      if (record === undefined) throw notFound(spec.kind.replace('_', ' '), id);
      const include = new StreetQuery(request).include(spec.includes);
      const context = contextOf(request);
      sendDocument(response, 200, {
        data: spec.render(record, context),
        ...(include.size === 0 ? {} : { included: included([record], include, context) }),
      });
    });
  };

  activityRoutes({
    path: '/viewings',
    kind: 'viewing',
    collection: () => engine.dataset.viewings,
    statuses: STREET_VIEWING_STATUSES,
    includes: ['applicant', 'applicant.people'],
    render: renderViewing,
    extraFilters: { type: (record, value) => record.applicantKind === value },
  });
  activityRoutes({
    path: '/valuations',
    kind: 'valuation',
    collection: () => engine.dataset.valuations,
    statuses: STREET_VALUATION_STATUSES,
    includes: ['owner', 'owner.people'],
    render: renderValuation,
    extraFilters: { type: (record, value) => record.valuationType === value },
  });
  for (const kind of ['sales', 'lettings'] as const satisfies readonly StreetOfferKind[]) {
    activityRoutes<OfferRecord>({
      path: `/${kind}-offers`,
      kind: kind === 'sales' ? 'sales_offer' : 'lettings_offer',
      collection: () => engine.dataset.offersOf(kind),
      statuses: kind === 'sales' ? STREET_SALES_OFFER_STATUSES : STREET_LETTINGS_OFFER_STATUSES,
      includes: ['applicant', 'applicant.people'],
      render: renderOffer,
    });
  }

  router.post('/webhooks', (request, response) => {
    const { attributes } = resourceOf(request.body, 'webhook');
    const input = parseAttributes(WebhookAttributesSchema, attributes);
    const subscription = engine.webhooks.create(callContext(response).token.tokenId, {
      ...input,
      events: input.events as StreetWebhookEvent[],
    });
    const base = apiBase(request);
    response.location(`${base}/webhooks/${subscription.id}`);
    sendDocument(response, 201, { data: engine.webhooks.render(subscription, base, { withSecret: true }) });
  });

  router.get('/webhooks', (request, response) => {
    const page = new StreetQuery(request).page();
    const base = apiBase(request);
    sendPage(response, request, viewOf(engine.webhooks.list()), page, (subscription) =>
      engine.webhooks.render(subscription, base),
    );
  });

  router.get('/webhooks/:id', (request, response) => {
    const subscription = engine.webhooks.get(String(request.params.id));
    if (subscription === undefined) throw notFound('webhook', String(request.params.id));
    sendDocument(response, 200, { data: engine.webhooks.render(subscription, apiBase(request)) });
  });

  router.patch('/webhooks/:id', (request, response) => {
    const id = String(request.params.id);
    if (engine.webhooks.get(id) === undefined) throw notFound('webhook', id);
    const { attributes } = resourceOf(request.body, 'webhook', id);
    const changes = parseAttributes(WebhookPatchSchema, attributes);
    const subscription = engine.webhooks.update(id, {
      ...(changes.url === undefined ? {} : { url: changes.url }),
      ...(changes.events === undefined ? {} : { events: changes.events as StreetWebhookEvent[] }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
    });
    sendDocument(response, 200, { data: engine.webhooks.render(subscription!, apiBase(request)) });
  });

  router.delete('/webhooks/:id', (request, response) => {
    if (!engine.webhooks.delete(String(request.params.id)))
      throw notFound('webhook', String(request.params.id));
    response.status(204).end();
  });

  return router;
}
