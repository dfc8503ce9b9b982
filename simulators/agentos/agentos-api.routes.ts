import { Router, type Request, type Response } from 'express';
import { bodyReader, sendCreated } from '../toolkit/api-resource-routes.ts';
import { BadRequestError, found } from '../toolkit/define-simulator.ts';
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
  sendValidationError,
} from './agentos-http.ts';
import type { TimedCollection, TimedRecord } from '../toolkit/timed-collection.ts';

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

type Filter<T> = ((record: T) => boolean) | null;

/** Builds the API router. Assumes the key, tier, agency and rate-limit checks ran first. */
export function createAgentosApiRouter(webhooks: AgentosWebhooks): Router {
  const router = Router();
  const bodyOf = bodyReader(sendValidationError);
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

  const visibleContact = (response: Response, type: AgentosContactType, oid: string): ContactRecord => {
    const record = callContext(response).dataset.contactByOid(type, oid);
    // Records without third-party marketing consent are indistinguishable from missing ones.
    return found(record && isVisible(record) ? record : undefined, `No ${type} with OID ${oid} is available`);
  };

  /** `GET <path>/{offset}/{count}` (the modified range, then the list's own filters) and `GET <path>/{oid}`. */
  const activityRoutes = <T extends TimedRecord>(
    path: string,
    spec: {
      collectionOf: (dataset: AgentosDataset) => TimedCollection<T>;
      filtersOf: (query: QueryReader, dataset: AgentosDataset) => Array<Filter<T>>;
      byOid: (dataset: AgentosDataset, oid: string) => T | undefined;
      noun: string;
      render: (record: T, seed: number, renderRef: (ref: ContactRef) => JsonObject) => JsonObject;
    },
  ) => {
    pagedRoute(path, (paging, request, response) => {
      const { dataset } = callContext(response);
      const query = agentosQuery(request.query);
      const { from: since, to: until } = query.instantRange('modifiedSince', 'modifiedUntil');
      // Listed by creation, or by modification when that range is asked for (as the contact lists).
      const sort = {
        field: since === undefined && until === undefined ? 'created' : 'modified',
        descending: false,
      } as const;
      const plan = {
        range: { field: 'modified', from: since, to: until },
        filters: spec.filtersOf(query, dataset),
        sort,
      } as const;
      const view = spec.collectionOf(dataset).query(JSON.stringify(request.query), plan);
      const renderRef = contactRefRenderer(dataset);
      response.json(listBody(view, paging, (record) => spec.render(record, dataset.seed, renderRef)));
    });
    router.get(`${path}/:oid`, (request, response) => {
      const { dataset } = callContext(response);
      const oid = String(request.params.oid);
      const record = found(spec.byOid(dataset, oid), `No ${spec.noun} with OID ${oid} exists`);
      response.json(spec.render(record, dataset.seed, contactRefRenderer(dataset)));
    });
  };

  pagedRoute('/company/branches', (paging, request, response) => {
    const branches = callContext(response).dataset.branches();
    response.json(listBody(branches, paging));
  });

  for (const type of AGENTOS_CONTACT_TYPES) {
    const base = `/${AGENTOS_LIST_PATHS[type]}`;

    pagedRoute(`${base}/:oid/logentries`, (paging, request, response) => {
      const record = visibleContact(response, type, String(request.params.oid));
      const { dataset } = callContext(response);
      const reference = agentosQuery(request.query).string('externalReference')?.toLowerCase();
      const entries = dataset
        .logEntriesOf({ type, seq: record.seq })
        .filter((entry) => reference === undefined || entry.externalReference?.toLowerCase() === reference);
      response.json(listBody(entries, paging, (entry) => renderLogEntry(entry, dataset.seed)));
    });

    router.post(`${base}/:oid/logentries`, (request, response) => {
      const entry = bodyOf(LogEntryCreateSchema, request, response);
      if (entry === undefined) return;
      const record = visibleContact(response, type, String(request.params.oid));
      const { dataset } = callContext(response);
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
      sendCreated(
        response,
        `${request.baseUrl}${base}/${String(request.params.oid)}/logentries/${String(body.OID)}`,
        body,
      );
    });

    router.get(`${base}/:oid/engagement`, (request, response) => {
      const record = visibleContact(response, type, String(request.params.oid));
      response.json(callContext(response).dataset.engagementOf({ type, seq: record.seq }));
    });

    router.patch(`${base}/:oid/engagement`, (request, response) => {
      const parsed = bodyOf(EngagementPatchSchema, request, response);
      if (parsed === undefined) return;
      const record = visibleContact(response, type, String(request.params.oid));
      const patch = Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined));
      response.json(callContext(response).dataset.setEngagement({ type, seq: record.seq }, patch));
    });

    pagedRoute(base, (paging, request, response) => {
      const { dataset } = callContext(response);
      const { from: since, to: until } = agentosQuery(request.query).instantRange(
        'modifiedSince',
        'modifiedUntil',
      );
      const view = listedView(dataset.lists[type], since, until);
      response.json(listBody(view, paging, (record) => renderContact(record, dataset.seed)));
    });

    router.get(`${base}/:oid`, (request, response) => {
      const record = visibleContact(response, type, String(request.params.oid));
      const { dataset } = callContext(response);
      response.setHeader('ETag', `"${etagOf(record.rowVersion)}"`);
      response.json(renderContact(record, dataset.seed));
    });

    router.patch(`${base}/:oid`, (request, response) => {
      const parsed = bodyOf(ContactPatchSchema, request, response);
      if (parsed === undefined) return;
      const { ETag: bodyEtag, ...patch } = parsed;
      const precondition = bodyEtag ?? request.get('if-match');
      if (precondition === undefined || precondition.trim() === '')
        throw new BadRequestError(
          "Send the record's ETag (in the body as ETag, or in an If-Match header) to update it",
          { status: 428 },
        );
      const record = visibleContact(response, type, String(request.params.oid));
      if (bareEtag(precondition) !== etagOf(record.rowVersion))
        throw new BadRequestError(
          `${type} ${String(request.params.oid)} has changed since this ETag was read: read it again and re-apply the change`,
          { status: 412 },
        );
      const { dataset } = callContext(response);
      dataset.patchContacts([record], () => patch as ContactPatch);
      response.setHeader('ETag', `"${etagOf(record.rowVersion)}"`);
      response.json(renderContact(record, dataset.seed));
    });

    router.post(base, (request, response) => {
      const parsed = bodyOf(ContactCreateSchema, request, response);
      if (parsed === undefined) return;
      const { dataset } = callContext(response);
      const record = dataset.createContact(type, parsed as ContactCreate);
      const body = renderContact(record, dataset.seed);
      sendCreated(response, `${request.baseUrl}${base}/${String(body.OID)}`, body);
    });
  }

  activityRoutes<AppointmentRecord>('/diary/appointments', {
    collectionOf: (dataset) => dataset.appointments,
    filtersOf: (query, dataset) => {
      const start = query.instant('startDate');
      const end = query.instant('endDate');
      const systemType = query.string('systemType');
      if (
        systemType !== undefined &&
        !(AGENTOS_APPOINTMENT_TYPES as readonly string[]).includes(systemType)
      ) {
        throw new BadRequestError(`systemType must be one of ${AGENTOS_APPOINTMENT_TYPES.join(', ')}`);
      }
      const contactOid = query.string('contactOID');
      const contact = contactOid === undefined ? null : refOfAnyOid(dataset, contactOid);
      return [
        start === undefined ? null : (record) => record.start >= start,
        end === undefined ? null : (record) => record.start <= end,
        systemType === undefined ? null : (record) => record.systemType === systemType,
        contactOid === undefined ? null : (record) => record.attendees.some((ref) => sameRef(ref, contact)),
      ];
    },
    byOid: (dataset, oid) => dataset.appointmentByOid(oid),
    noun: 'appointment',
    render: renderAppointment,
  });

  activityRoutes<OfferRecord>('/sales/offers', {
    collectionOf: (dataset) => dataset.offers,
    filtersOf: (query, dataset) => {
      const status = query.string('status');
      if (status !== undefined && !(AGENTOS_OFFER_STATUSES as readonly string[]).includes(status)) {
        throw new BadRequestError(`status must be one of ${AGENTOS_OFFER_STATUSES.join(', ')}`);
      }
      const applicantOid = query.string('applicantOID');
      const applicant = applicantOid === undefined ? null : refOfAnyOid(dataset, applicantOid);
      return [
        status === undefined ? null : (record) => record.status === status,
        applicantOid === undefined ? null : (record) => sameRef(record.applicant, applicant),
      ];
    },
    byOid: (dataset, oid) => dataset.offerByOid(oid),
    noun: 'offer',
    render: renderOffer,
  });

  router.post('/webhooks', (request, response) => {
    const parsed = bodyOf(WebhookCreateSchema, request, response);
    if (parsed === undefined) return;
    const { dataset } = callContext(response);
    const subscription = webhooks.create(dataset.shortName, dataset.seed, {
      url: parsed.Url,
      events: parsed.Events,
    });
    // The secret is shown once, here: agentOS never returns it again.
    sendCreated(
      response,
      `${request.baseUrl}/webhooks/${subscription.id}`,
      webhooks.render(subscription, true),
    );
  });

  pagedRoute('/webhooks', (paging, request, response) => {
    const subscriptions = webhooks.list(callContext(response).dataset.shortName);
    response.json(listBody(subscriptions, paging, (subscription) => webhooks.render(subscription)));
  });

  const noSubscription = (oid: string) => `No webhook subscription with OID ${oid} exists`;

  router.get('/webhooks/:oid', (request, response) => {
    const oid = String(request.params.oid);
    const subscription = webhooks.find(callContext(response).dataset.shortName, oid);
    response.json(webhooks.render(found(subscription, noSubscription(oid))));
  });

  router.delete('/webhooks/:oid', (request, response) => {
    const oid = String(request.params.oid);
    if (!webhooks.remove(callContext(response).dataset.shortName, oid))
      throw new BadRequestError(noSubscription(oid), { status: 404 });
    response.status(204).end();
  });

  return router;
}
