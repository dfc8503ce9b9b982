import { Router, type Request, type Response } from 'express';
import { BadRequestError } from '../toolkit/define-simulator.ts';
import type { QueryReader } from '../toolkit/query-reader.ts';
import {
  AGENTOS_APPOINTMENT_TYPES,
  AGENTOS_CONTACT_TYPES,
  AGENTOS_LIST_PATHS,
  AGENTOS_OFFER_STATUSES,
  type AgentosApiKey,
  type AgentosContactType,
  type AgentosTier,
} from './agentos-constants.ts';
import {
  renderAppointment,
  renderLogEntry,
  renderOffer,
  type AppointmentRecord,
  type ContactRef,
  type OfferRecord,
} from './agentos-activity.model.ts';
import {
  agentosOid,
  etagOf,
  fieldsOf,
  isVisible,
  renderContact,
  seqOfOid,
  type ContactRecord,
  type JsonObject,
} from './agentos-contact.model.ts';
import type { AgentosDataset, ContactCreate, ContactPatch } from './agentos-dataset.ts';
import type { AgentosWebhooks } from './agentos-webhooks.ts';
import {
  agentosQuery,
  ContactCreateSchema,
  ContactPatchSchema,
  EngagementPatchSchema,
  LogEntryCreateSchema,
  WebhookCreateSchema,
  bareEtag,
  listBody,
  listedView,
  readPaging,
  sendError,
  sendValidationError,
} from './agentos-http.ts';
import type { ResultView } from '../toolkit/timed-collection.ts';

/** What the auth middleware leaves for the handlers. */
export interface AgentosCallContext {
  key: AgentosApiKey;
  tier: AgentosTier;
  dataset: AgentosDataset;
}

export function callContext(response: Response): AgentosCallContext {
  return response.locals.agentos as AgentosCallContext;
}

/** `{ContactType, OID, Name}`; the name only while the record is shared with third parties. */
export function contactRefRenderer(dataset: AgentosDataset): (ref: ContactRef) => JsonObject {
  return (ref) => {
    const record = dataset.contactByRef(ref);
    const fields = record !== undefined && isVisible(record) ? fieldsOf(record, dataset.seed) : null;
    return {
      ContactType: ref.type,
      OID: agentosOid(dataset.seed, ref.type, ref.seq),
      Name:
        fields === null ? null : [fields.Title, fields.Forename, fields.Surname].filter(Boolean).join(' '),
    };
  };
}

/** The contact ref behind an OID of any list (attendee filters), or null. */
function refOfAnyOid(dataset: AgentosDataset, oid: string): ContactRef | null {
  for (const type of AGENTOS_CONTACT_TYPES) {
    const seq = seqOfOid(dataset.seed, type, oid);
    if (seq !== null) return { type, seq };
  }
  return null;
}

function sameRef(ref: ContactRef, other: ContactRef | null): boolean {
  return other !== null && ref.type === other.type && ref.seq === other.seq;
}

function modifiedRange(query: QueryReader): { since: number | undefined; until: number | undefined } {
  const since = query.instant('modifiedSince');
  const until = query.instant('modifiedUntil');
  if (since !== undefined && until !== undefined && since > until)
    throw new BadRequestError('modifiedSince must not be after modifiedUntil');
  return { since, until };
}

/** The view's records that meet every condition (the view itself when there are none). */
function filtered<T>(view: ResultView<T>, conditions: ReadonlyArray<(item: T) => boolean>): ResultView<T> {
  if (conditions.length === 0) return view;
  const items: T[] = [];
  for (let i = view.start; i < view.end; i++) {
    const item = view.items[i] as T;
    if (conditions.every((test) => test(item))) items.push(item);
  }
  return { items, start: 0, end: items.length, descending: false };
}

/** Builds the API router. Assumes the key, tier, agency and rate-limit checks ran first. */
export function createAgentosApiRouter(webhooks: AgentosWebhooks): Router {
  const router = Router();
  /** A `{offset}/{count}` list; other two-segment paths fall through to the next route. */
  const pagedRoute = (
    path: string,
    answer: (paging: { offset: number; count: number }, request: Request, response: Response) => void,
  ) =>
    router.get(`${path}/:offset/:count`, (request, response, next) => {
      const paging = readPaging(String(request.params.offset), String(request.params.count));
      if (paging === null) return next();
      answer(paging, request, response);
    });

  const visibleContact = (
    response: Response,
    type: AgentosContactType,
    oid: string,
  ): ContactRecord | undefined => {
    const { dataset } = callContext(response);
    const record = dataset.contactByOid(type, oid);
    if (record === undefined || !isVisible(record)) {
      // Records without third-party marketing consent are indistinguishable from missing ones.
      sendError(response, 404, `No ${type} with OID ${oid} is available`);
      return undefined;
    }
    return record;
  };

  pagedRoute('/company/branches', (paging, request, response) => {
    const branches = callContext(response).dataset.branches();
    response.json(listBody(branches, paging));
  });

  for (const type of AGENTOS_CONTACT_TYPES) {
    const base = `/${AGENTOS_LIST_PATHS[type]}`;

    pagedRoute(`${base}/:oid/logentries`, (paging, request, response) => {
      const record = visibleContact(response, type, String(request.params.oid));
      if (record === undefined) return;
      const { dataset } = callContext(response);
      const reference = agentosQuery(request.query).string('externalReference')?.toLowerCase();
      const entries = dataset
        .logEntriesOf({ type, seq: record.seq })
        .filter((entry) => reference === undefined || entry.externalReference?.toLowerCase() === reference);
      response.json(listBody(entries, paging, (entry) => renderLogEntry(entry, dataset.seed)));
    });

    router.post(`${base}/:oid/logentries`, (request, response) => {
      const parsed = LogEntryCreateSchema.safeParse(request.body);
      if (!parsed.success) return sendValidationError(response, parsed.error);
      const record = visibleContact(response, type, String(request.params.oid));
      if (record === undefined) return;
      const { dataset } = callContext(response);
      const entry = parsed.data;
      // No idempotency: a retried POST makes a second entry (clients look up ExternalReference first).
      const created = dataset.addLogEntry({
        contact: { type, seq: record.seq },
        logType: entry.Type,
        subject: entry.Subject,
        notes: entry.Notes,
        dateTime: entry.DateTime === undefined ? dataset.now() : Date.parse(entry.DateTime),
        externalReference: entry.ExternalReference ?? null,
        createdBy: 'API',
      });
      const body = renderLogEntry(created, dataset.seed);
      response
        .status(201)
        .location(`${request.baseUrl}${base}/${String(request.params.oid)}/logentries/${String(body.OID)}`)
        .json(body);
    });

    router.get(`${base}/:oid/engagement`, (request, response) => {
      const record = visibleContact(response, type, String(request.params.oid));
      if (record === undefined) return;
      response.json(callContext(response).dataset.engagementOf({ type, seq: record.seq }));
    });

    router.patch(`${base}/:oid/engagement`, (request, response) => {
      const parsed = EngagementPatchSchema.safeParse(request.body);
      if (!parsed.success) return sendValidationError(response, parsed.error);
      const record = visibleContact(response, type, String(request.params.oid));
      if (record === undefined) return;
      const patch = Object.fromEntries(
        Object.entries(parsed.data).filter(([, value]) => value !== undefined),
      );
      response.json(callContext(response).dataset.setEngagement({ type, seq: record.seq }, patch));
    });

    pagedRoute(base, (paging, request, response) => {
      const { dataset } = callContext(response);
      const { since, until } = modifiedRange(agentosQuery(request.query));
      const view = listedView(dataset.lists[type], since, until);
      response.json(listBody(view, paging, (record) => renderContact(record, dataset.seed)));
    });

    router.get(`${base}/:oid`, (request, response) => {
      const record = visibleContact(response, type, String(request.params.oid));
      if (record === undefined) return;
      const { dataset } = callContext(response);
      response.setHeader('ETag', `"${etagOf(record.rowVersion)}"`);
      response.json(renderContact(record, dataset.seed));
    });

    router.patch(`${base}/:oid`, (request, response) => {
      const parsed = ContactPatchSchema.safeParse(request.body);
      if (!parsed.success) return sendValidationError(response, parsed.error);
      const { ETag: bodyEtag, ...patch } = parsed.data;
      const precondition = bodyEtag ?? request.get('if-match');
      if (precondition === undefined || precondition.trim() === '') {
        return sendError(
          response,
          428,
          "Send the record's ETag (in the body as ETag, or in an If-Match header) to update it",
        );
      }
      const record = visibleContact(response, type, String(request.params.oid));
      if (record === undefined) return;
      if (bareEtag(precondition) !== etagOf(record.rowVersion)) {
        return sendError(
          response,
          412,
          `${type} ${String(request.params.oid)} has changed since this ETag was read: read it again and re-apply the change`,
        );
      }
      const { dataset } = callContext(response);
      dataset.patchContacts([record], () => patch as ContactPatch);
      response.setHeader('ETag', `"${etagOf(record.rowVersion)}"`);
      response.json(renderContact(record, dataset.seed));
    });

    router.post(base, (request, response) => {
      const parsed = ContactCreateSchema.safeParse(request.body);
      if (!parsed.success) return sendValidationError(response, parsed.error);
      const { dataset } = callContext(response);
      const record = dataset.createContact(type, parsed.data as ContactCreate);
      const body = renderContact(record, dataset.seed);
      response
        .status(201)
        .location(`${request.baseUrl}${base}/${String(body.OID)}`)
        .json(body);
    });
  }

  pagedRoute('/diary/appointments', (paging, request, response) => {
    const { dataset } = callContext(response);
    const query = agentosQuery(request.query);
    const { since, until } = modifiedRange(query);
    const start = query.instant('startDate');
    const end = query.instant('endDate');
    const systemType = query.string('systemType');
    if (systemType !== undefined && !(AGENTOS_APPOINTMENT_TYPES as readonly string[]).includes(systemType)) {
      throw new BadRequestError(`systemType must be one of ${AGENTOS_APPOINTMENT_TYPES.join(', ')}`);
    }
    const contactOid = query.string('contactOID');
    const contact = contactOid === undefined ? null : refOfAnyOid(dataset, contactOid);
    const conditions: Array<(record: AppointmentRecord) => boolean> = [];
    if (start !== undefined) conditions.push((record) => record.start >= start);
    if (end !== undefined) conditions.push((record) => record.start <= end);
    if (systemType !== undefined) conditions.push((record) => record.systemType === systemType);
    if (contactOid !== undefined)
      conditions.push((record) => record.attendees.some((ref) => sameRef(ref, contact)));
    const view = filtered(listedView(dataset.appointments, since, until), conditions);
    const renderRef = contactRefRenderer(dataset);
    response.json(listBody(view, paging, (record) => renderAppointment(record, dataset.seed, renderRef)));
  });

  router.get('/diary/appointments/:oid', (request, response) => {
    const { dataset } = callContext(response);
    const record = dataset.appointmentByOid(String(request.params.oid));
    if (record === undefined)
      return sendError(response, 404, `No appointment with OID ${String(request.params.oid)} exists`);
    response.json(renderAppointment(record, dataset.seed, contactRefRenderer(dataset)));
  });

  pagedRoute('/sales/offers', (paging, request, response) => {
    const { dataset } = callContext(response);
    const query = agentosQuery(request.query);
    const { since, until } = modifiedRange(query);
    const status = query.string('status');
    if (status !== undefined && !(AGENTOS_OFFER_STATUSES as readonly string[]).includes(status)) {
      throw new BadRequestError(`status must be one of ${AGENTOS_OFFER_STATUSES.join(', ')}`);
    }
    const applicantOid = query.string('applicantOID');
    const applicant = applicantOid === undefined ? null : refOfAnyOid(dataset, applicantOid);
    const conditions: Array<(record: OfferRecord) => boolean> = [];
    if (status !== undefined) conditions.push((record) => record.status === status);
    if (applicantOid !== undefined) conditions.push((record) => sameRef(record.applicant, applicant));
    const view = filtered(listedView(dataset.offers, since, until), conditions);
    const renderRef = contactRefRenderer(dataset);
    response.json(listBody(view, paging, (record) => renderOffer(record, dataset.seed, renderRef)));
  });

  router.get('/sales/offers/:oid', (request, response) => {
    const { dataset } = callContext(response);
    const record = dataset.offerByOid(String(request.params.oid));
    if (record === undefined)
      return sendError(response, 404, `No offer with OID ${String(request.params.oid)} exists`);
    response.json(renderOffer(record, dataset.seed, contactRefRenderer(dataset)));
  });

  router.post('/webhooks', (request, response) => {
    const parsed = WebhookCreateSchema.safeParse(request.body);
    if (!parsed.success) return sendValidationError(response, parsed.error);
    const { dataset } = callContext(response);
    const subscription = webhooks.create(dataset.shortName, dataset.seed, {
      url: parsed.data.Url,
      events: parsed.data.Events,
    });
    // The secret is shown once, here: agentOS never returns it again.
    response
      .status(201)
      .location(`${request.baseUrl}/webhooks/${subscription.id}`)
      .json(webhooks.render(subscription, true));
  });

  pagedRoute('/webhooks', (paging, request, response) => {
    const subscriptions = webhooks.list(callContext(response).dataset.shortName);
    response.json(listBody(subscriptions, paging, (subscription) => webhooks.render(subscription)));
  });

  const noSubscription = (response: Response, oid: string) =>
    sendError(response, 404, `No webhook subscription with OID ${oid} exists`);

  router.get('/webhooks/:oid', (request, response) => {
    const oid = String(request.params.oid);
    const subscription = webhooks.find(callContext(response).dataset.shortName, oid);
    if (subscription === undefined) return noSubscription(response, oid);
    response.json(webhooks.render(subscription));
  });

  router.delete('/webhooks/:oid', (request, response) => {
    const oid = String(request.params.oid);
    if (!webhooks.remove(callContext(response).dataset.shortName, oid)) return noSubscription(response, oid);
    response.status(204).end();
  });

  return router;
}
