import { Router, type Request, type RequestHandler, type Response } from 'express';
import { bodyReader, sendCreated } from '../toolkit/api-resource-routes.ts';
import { BadRequestError, found } from '../toolkit/define-simulator.ts';
import type { QueryReader } from '../toolkit/query-reader.ts';
import type { TimedCollection, TimedRecord } from '../toolkit/timed-collection.ts';
import { renderActivity, type ActivityRecord } from './custom-activity.model.ts';
import {
  CUSTOM_API_BASE_PATH,
  CUSTOM_API_VERSION,
  CUSTOM_MAX_WEBHOOKS,
  type CustomScope,
  type CustomWebhookEvent,
} from './custom-constants.ts';
import { etagOf, renderContact, seqOfContactId, type ContactRecord } from './custom-contact.model.ts';
import type { ContactChange, CustomDataset } from './custom-dataset.ts';
import {
  ACTIVITY_TYPE_SET,
  ActivityCreateSchema,
  ContactCreateSchema,
  ContactPatchSchema,
  NurturePatchSchema,
  customQuery,
  limitOf,
  WebhookCreateSchema,
  decodeCursor,
  encodeCursor,
  fieldErrors,
  locationOf,
  parseEntityTags,
  parseInstant,
  queryFingerprint,
  sendProblem,
} from './custom-http.ts';
import type { IdempotencyStore, StoredAnswer } from './custom-idempotency.ts';
import type { CustomWebhooks } from './custom-webhooks.ts';

const IDEMPOTENCY_KEY_REQUIRED =
  'An Idempotency-Key header is required: send a unique key per write and reuse it on retries';

/** An API key as the auth middleware resolved it. */
export interface ResolvedApiKey {
  /** Non-secret handle: rate limits, idempotency scopes and revocation are keyed on it. */
  label: string;
  scopes: ReadonlySet<CustomScope>;
}

export function apiKeyOf(response: Response): ResolvedApiKey {
  return response.locals.customApiKey as ResolvedApiKey;
}

export interface CustomApiParts {
  /** The current data (a reset swaps it). */
  dataset: () => CustomDataset;
  webhooks: CustomWebhooks;
  idempotency: IdempotencyStore;
  account: { id: string; name: string; timezone: string };
  /** Revokes the key with this label: every later request with it is a 401. */
  revokeApiKey: (label: string) => void;
}

function requireScope(scope: CustomScope): RequestHandler {
  return (_request, response, next) => {
    if (apiKeyOf(response).scopes.has(scope)) next();
    else sendProblem(response, 'insufficient-scope', `This API key lacks the ${scope} scope`);
  };
}

/** Writes need a JSON body: none is a 400, another media type a 415. */
const requireJson: RequestHandler = (request, response, next) => {
  const type = request.is(['application/json', 'application/merge-patch+json', 'application/*+json']);
  if (type === null) sendProblem(response, 'invalid-request', 'A JSON body is required');
  else if (type === false)
    sendProblem(response, 'unsupported-media-type', 'Send the body as application/json');
  else next();
};

/** What every list reads, before its own filters. */
const LIST_PARAMETERS = ['limit', 'cursor', 'updated_since', 'updated_until'];

/** The validated body, or undefined once a 422 has answered with `title` and the field errors. */
const validBody = bodyReader((response, error, title: string) =>
  sendProblem(response, 'validation-failed', title, fieldErrors(error)),
);

function sendAnswer(response: Response, answer: StoredAnswer, replayed: boolean): void {
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  if (replayed) response.setHeader('Idempotent-Replayed', 'true');
  response.status(answer.status).json(answer.body);
}

/** The API under {@link CUSTOM_API_BASE_PATH}. Assumes authentication, limits and faults ran first. */
export function createCustomApiRouter(parts: CustomApiParts): Router {
  const { dataset, webhooks, idempotency } = parts;
  const router = Router();
  const contactOr404 = (request: Request): ContactRecord => {
    const id = String(request.params.contact_id);
    return found(dataset().contactById(id), `Contact ${id} does not exist`);
  };

  /**
   * A keyset-paged list, `{data, has_more, next_cursor, total}`: `updated_since` / `updated_until`
   * and the list's own filters (`params`), a cursor valid only for the same filters.
   */
  const keysetList = <T extends TimedRecord>(
    name: 'contacts' | 'activities',
    params: string[],
    spec: {
      collectionOf: (data: CustomDataset) => TimedCollection<T>;
      filtersOf: (query: QueryReader) => {
        key: unknown[];
        candidates?: readonly T[] | undefined;
        predicate?: ((record: T) => boolean) | undefined;
      };
      render: (record: T) => unknown;
    },
  ) =>
    router.get(`/${name}`, requireScope(`${name}:read`), (request, response) => {
      const query = customQuery(request.query, [...LIST_PARAMETERS, ...params]);
      const limit = limitOf(query);
      const { from, to } = query.instantRange('updated_since', 'updated_until');
      const { key, candidates, predicate } = spec.filtersOf(query);
      const fingerprint = queryFingerprint([name, from, to, ...key]);
      const after = decodeCursor(query.string('cursor'), fingerprint);
      const filters = { from, to, candidates, predicate };
      const collection = spec.collectionOf(dataset());
      const page = collection.page({ ...filters, after }, limit);
      const last = page.items.at(-1);
      response.json({
        data: page.items.map(spec.render),
        has_more: page.hasMore,
        next_cursor:
          page.hasMore && last !== undefined
            ? encodeCursor({ time: last.modified, seq: last.seq }, fingerprint)
            : null,
        total: collection.count(fingerprint, filters),
      });
    });

  /** Runs a validated write once per Idempotency-Key; replays or refuses retries. */
  const idempotent = (
    request: Request,
    response: Response,
    required: boolean,
    run: () => StoredAnswer,
  ): void => {
    const key = request.get('idempotency-key')?.trim();
    if (key === undefined || key === '') {
      if (required) throw new BadRequestError(IDEMPOTENCY_KEY_REQUIRED);
      return sendAnswer(response, run(), false);
    }
    if (key.length > 255) throw new BadRequestError('Idempotency-Key must be at most 255 characters');
    const scope = `${apiKeyOf(response).label} ${request.method} ${request.originalUrl.split('?')[0]}`;
    const outcome = idempotency.begin(scope, key, request.body);
    if (outcome.kind === 'replay') sendAnswer(response, outcome.answer, true);
    else if (outcome.kind === 'mismatch') {
      sendProblem(
        response,
        'idempotency-key-reused',
        'This Idempotency-Key was already used with a different body: use a new key for a new write',
      );
    } else if (outcome.kind === 'in-progress')
      throw new BadRequestError('A request with this Idempotency-Key is still being processed', {
        status: 409,
      });
    else {
      let answer: StoredAnswer;
      try {
        answer = run();
      } catch (error) {
        outcome.abandon();
        throw error;
      }
      outcome.complete(answer);
      sendAnswer(response, answer, false);
    }
  };

  router.get('/account', (_request, response) => {
    response.json({
      id: parts.account.id,
      name: parts.account.name,
      timezone: parts.account.timezone,
      contact_count: dataset().contacts.size,
      api_version: CUSTOM_API_VERSION,
    });
  });

  // The caller revokes the key it authenticated with; any valid key may, whatever its scopes. Only
  // a valid key gets here, so a second call is the usual 401 (the caller's "already revoked").
  // Subscriptions belong to the account, not the key: they stay until deleted.
  router.post('/auth/revoke', (_request, response) => {
    parts.revokeApiKey(apiKeyOf(response).label);
    response.status(204).end();
  });

  keysetList('contacts', ['email', 'archived'], {
    collectionOf: (data) => data.contacts,
    filtersOf: (query) => {
      const email = query.string('email');
      const archived = query.boolean('archived');
      return {
        key: [email?.trim().toLowerCase(), archived],
        candidates: email === undefined ? undefined : dataset().contactsByEmail(email),
        predicate:
          archived === undefined
            ? undefined
            : (record: ContactRecord) => (record.archivedAt !== null) === archived,
      };
    },
    render: (record) => renderContact(record, dataset().seed),
  });

  router.post('/contacts', requireScope('contacts:write'), requireJson, (request, response) => {
    const parsed = validBody(ContactCreateSchema, request, response, 'The contact is invalid');
    if (parsed === undefined) return;
    idempotent(request, response, false, () => {
      const record = dataset().createContact(parsed as ContactChange);
      return {
        status: 201,
        headers: {
          Location: locationOf(request, `${CUSTOM_API_BASE_PATH}/contacts/${record.id}`),
          ETag: etagOf(record),
        },
        body: renderContact(record, dataset().seed),
      };
    });
  });

  router.get('/contacts/:contact_id', requireScope('contacts:read'), (request, response) => {
    const record = contactOr404(request);
    const etag = etagOf(record);
    response.setHeader('ETag', etag);
    const ifNoneMatch = request.get('if-none-match');
    if (ifNoneMatch !== undefined) {
      const { any, tags } = parseEntityTags(ifNoneMatch);
      // If-None-Match compares weakly (RFC 9110 §13.1.2).
      if (any || tags.some((candidate) => candidate.tag === etag)) {
        response.status(304).end();
        return;
      }
    }
    response.json(renderContact(record, dataset().seed));
  });

  router.patch('/contacts/:contact_id', requireScope('contacts:write'), requireJson, (request, response) => {
    const record = contactOr404(request);
    const ifMatch = request.get('if-match');
    if (ifMatch === undefined || ifMatch.trim() === '')
      throw new BadRequestError(
        "Send If-Match with the contact's ETag (quotes included) so a concurrent edit is never overwritten",
        { status: 428 },
      );
    const current = etagOf(record);
    const { any, tags } = parseEntityTags(ifMatch);
    // If-Match compares strongly: a weak tag never matches.
    if (!any && !tags.some((candidate) => !candidate.weak && candidate.tag === current)) {
      response.setHeader('ETag', current);
      throw new BadRequestError(
        'The contact changed since this ETag was issued: read it again and re-apply the change',
        { status: 412 },
      );
    }
    const parsed = validBody(ContactPatchSchema, request, response, 'The patch is invalid');
    if (parsed === undefined) return;
    dataset().changeContacts([record], () => parsed as ContactChange, false);
    response.setHeader('ETag', etagOf(record));
    response.json(renderContact(record, dataset().seed));
  });

  router.get('/contacts/:contact_id/nurture', requireScope('contacts:read'), (request, response) => {
    response.json(dataset().renderNurture(contactOr404(request)));
  });

  router.patch(
    '/contacts/:contact_id/nurture',
    requireScope('contacts:write'),
    requireJson,
    (request, response) => {
      const record = contactOr404(request);
      const parsed = validBody(NurturePatchSchema, request, response, 'The nurture write is invalid');
      if (parsed === undefined) return;
      dataset().writeNurture(record, parsed);
      response.json(dataset().renderNurture(record));
    },
  );

  keysetList('activities', ['contact_id', 'type'], {
    collectionOf: (data) => data.activities,
    filtersOf: (query) => {
      const contactIdFilter = query.string('contact_id');
      const types = query.list('type');
      for (const type of types ?? []) {
        if (!ACTIVITY_TYPE_SET.has(type))
          throw new BadRequestError(
            `type ${type} is not an activity type (${[...ACTIVITY_TYPE_SET].join(', ')})`,
          );
      }
      const seq = contactIdFilter === undefined ? undefined : seqOfContactId(contactIdFilter);
      return {
        key: [contactIdFilter, types === undefined ? undefined : [...new Set(types)].sort()],
        candidates: seq === undefined ? undefined : seq === null ? [] : dataset().activities.of(seq),
        predicate: types === undefined ? undefined : (record: ActivityRecord) => types.includes(record.type),
      };
    },
    render: renderActivity,
  });

  router.post('/activities', requireScope('activities:write'), requireJson, (request, response) => {
    // Checked before the body, so a client without a key learns that first.
    if (request.get('idempotency-key') === undefined) throw new BadRequestError(IDEMPOTENCY_KEY_REQUIRED);
    const input = validBody(ActivityCreateSchema, request, response, 'The activity is invalid');
    if (input === undefined) return;
    const contact = dataset().contactById(input.contact_id);
    if (contact === undefined) {
      sendProblem(response, 'validation-failed', 'The activity is invalid', [
        { pointer: '/contact_id', detail: `contact ${input.contact_id} does not exist` },
      ]);
      return;
    }
    idempotent(request, response, true, () => {
      const record = dataset().addActivity({
        type: input.type,
        status: null,
        contactSeq: contact.seq,
        property: null,
        startsAt: null,
        endsAt: null,
        amount: null,
        subject: input.subject ?? null,
        body: input.body ?? null,
        direction: input.type === 'note' ? null : (input.direction ?? 'outbound'),
        ...(input.occurred_at === undefined ? {} : { occurredAt: parseInstant(input.occurred_at) as number }),
        source: 'api',
        externalId: input.external_id ?? null,
      });
      return {
        status: 201,
        headers: { Location: locationOf(request, `${CUSTOM_API_BASE_PATH}/activities/${record.id}`) },
        body: renderActivity(record),
      };
    });
  });

  router.get('/activities/:activity_id', requireScope('activities:read'), (request, response) => {
    const id = String(request.params.activity_id);
    response.json(renderActivity(found(dataset().activityById(id), `Activity ${id} does not exist`)));
  });

  router.get('/webhooks', requireScope('webhooks:manage'), (_request, response) => {
    response.json({ data: webhooks.list().map((record) => webhooks.render(record)) });
  });

  router.post('/webhooks', requireScope('webhooks:manage'), requireJson, (request, response) => {
    const parsed = validBody(WebhookCreateSchema, request, response, 'The subscription is invalid');
    if (parsed === undefined) return;
    if (webhooks.list().length >= CUSTOM_MAX_WEBHOOKS)
      throw new BadRequestError(
        `An account may hold at most ${CUSTOM_MAX_WEBHOOKS} subscriptions: delete one first`,
        { status: 422 },
      );
    const record = webhooks.create({
      url: parsed.url,
      events: parsed.events as CustomWebhookEvent[],
      description: parsed.description ?? null,
    });
    sendCreated(
      response,
      locationOf(request, `${CUSTOM_API_BASE_PATH}/webhooks/${record.id}`),
      webhooks.render(record, true),
    );
  });

  const noSubscription = (id: string) => `Webhook subscription ${id} does not exist`;

  router.get('/webhooks/:webhook_id', requireScope('webhooks:manage'), (request, response) => {
    const id = String(request.params.webhook_id);
    response.json(webhooks.render(found(webhooks.get(id), noSubscription(id))));
  });

  router.delete('/webhooks/:webhook_id', requireScope('webhooks:manage'), (request, response) => {
    const id = String(request.params.webhook_id);
    if (!webhooks.delete(id)) throw new BadRequestError(noSubscription(id), { status: 404 });
    response.status(204).end();
  });

  return router;
}
