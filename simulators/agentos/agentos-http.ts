import type { Response } from 'express';
import { z } from 'zod';
import { maxText as text, webhookUrlSchema } from '../toolkit/body-schemas.ts';
import { BadRequestError } from '../toolkit/define-simulator.ts';
import {
  ZONED_ISO_DATE_TIME as ISO_DATE_TIME,
  blankOrEmail,
  isoDateText as isoDate,
  isoInstant,
  oneOf,
  reachableThrough,
  requiredText,
} from '../toolkit/http-inputs.ts';
import { QueryReader } from '../toolkit/query-reader.ts';
import type { ResultView, TimedCollection, TimedRecord } from '../toolkit/timed-collection.ts';
import {
  AGENTOS_LOG_ENTRY_TYPES,
  AGENTOS_MAX_COUNT,
  AGENTOS_TENANCY_STATUSES,
  AGENTOS_WEBHOOK_EVENTS,
} from './agentos-constants.ts';

/**
 * agentOS answers errors the ASP.NET Web API way: `{Message}`, plus `ModelState` (field → messages)
 * when a body fails validation.
 */
export interface AgentosErrorBody {
  Message: string;
  ModelState?: Record<string, string[]>;
}

export const STATUS_MESSAGES: Record<number, string> = {
  400: 'The request is invalid.',
  401: 'Authorization has been denied for this request.',
  403: 'Access to this resource is forbidden.',
  404: 'The requested resource was not found.',
  409: 'The request conflicts with the current state of the resource.',
  412: 'The record has been changed since it was read (ETag mismatch).',
  428: "This request must be conditional: send the record's ETag.",
  429: 'Too many requests.',
  500: 'An error has occurred.',
  502: 'Bad gateway.',
  503: 'The service is unavailable.',
  504: 'The upstream service timed out.',
};

export function sendError(
  response: Response,
  status: number,
  message?: string,
  modelState?: Record<string, string[]>,
): void {
  const body: AgentosErrorBody = { Message: message ?? STATUS_MESSAGES[status] ?? 'An error has occurred.' };
  if (modelState !== undefined) body.ModelState = modelState;
  response.status(status).json(body);
}

/** zod issues as ASP.NET's ModelState: `{"model.EmailAddress": ["…"]}`. */
export function modelStateOf(error: z.ZodError): Record<string, string[]> {
  const state: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length === 0 ? 'model' : `model.${issue.path.map(String).join('.')}`;
    (state[key] ??= []).push(issue.message);
  }
  return state;
}

export function sendValidationError(response: Response, error: z.ZodError): void {
  sendError(response, 400, STATUS_MESSAGES[400], modelStateOf(error));
}

/**
 * Query parameters, read case-insensitively (ASP.NET model binding ignores case). Times need a zone
 * designator: a naive time would be ambiguous (UK local or UTC).
 */
export function agentosQuery(query: unknown): QueryReader {
  return new QueryReader(query, {
    ignoreCase: true,
    instant: {
      parse: (raw) => isoInstant(raw),
      mustBe: 'must be an ISO-8601 date, or date and time with a zone (e.g. 2025-05-01T09:30:00Z)',
    },
  });
}

/** `{offset}/{count}` path segments: offset from 0, count 1–1,000. Null when they are not numbers at all. */
export function readPaging(offsetRaw: string, countRaw: string): { offset: number; count: number } | null {
  if (!/^-?\d+$/.test(offsetRaw) || !/^-?\d+$/.test(countRaw)) return null;
  const offset = Number(offsetRaw);
  const count = Number(countRaw);
  if (offset < 0 || !Number.isSafeInteger(offset))
    throw new BadRequestError('offset must be a whole number from 0');
  if (count < 1 || count > AGENTOS_MAX_COUNT)
    throw new BadRequestError(`count must be a whole number between 1 and ${AGENTOS_MAX_COUNT}`);
  return { offset, count };
}

/**
 * The list wrapper every collection uses: `Count` is the total matching the query, `Data` the
 * `{offset}/{count}` slice of them, rendered.
 */
export function listBody<T>(
  matching: ResultView<T> | readonly T[],
  paging: { offset: number; count: number },
  render: (item: T) => unknown = (item) => item,
): { Count: number; Data: unknown[] } {
  const view: ResultView<T> = Array.isArray(matching)
    ? { items: matching, start: 0, end: matching.length, descending: false }
    : (matching as ResultView<T>);
  const from = view.start + paging.offset;
  const page = view.items.slice(from, Math.min(view.end, from + paging.count));
  return { Count: view.end - view.start, Data: page.map(render) };
}

const instant = z
  .string()
  .refine(
    (value) => ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
    'must be an ISO-8601 date and time with a zone',
  );

const AddressPatchSchema = z
  .object({
    Number: text(10),
    Name: text(50),
    Street: text(60),
    Locality: text(40),
    Town: text(40),
    County: text(40),
    Postcode: text(10),
    Country: text(40),
  })
  .partial();

const RequirementsPatchSchema = z
  .object({
    MinBedrooms: z.number().int().min(0).max(20),
    MaxRentPcm: z.number().positive(),
    MaxPrice: z.number().positive(),
    Areas: z.array(text(60)).max(20),
    BuyingPosition: text(40),
  })
  .partial();

const contactFieldShape = {
  Title: text(20).nullable(),
  Forename: text(50).nullable(),
  Surname: requiredText('Surname', 50),
  EmailAddress: blankOrEmail(100).nullable(),
  MobilePhone: text(30).nullable(),
  HomePhone: text(30).nullable(),
  WorkPhone: text(30).nullable(),
  DateOfBirth: isoDate.nullable(),
  Address: AddressPatchSchema.nullable(),
  ThirdPartyMarketingConsent: z.boolean().nullable(),
  TenancyStatus: oneOf(AGENTOS_TENANCY_STATUSES),
  TenancyStartDate: isoDate.nullable(),
  Requirements: RequirementsPatchSchema,
  PropertyCount: z.number().int().min(0),
  SaleStatus: text(30),
};

/** PATCH body: every field optional, `ETag` (the precondition) allowed; unknown fields are ignored. */
export const ContactPatchSchema = z
  .object({ ...contactFieldShape, ETag: z.string().min(1).optional() })
  .partial();

/** POST body: a surname and at least one way to reach the person. */
export const ContactCreateSchema = z
  .object(contactFieldShape)
  .partial()
  .required({ Surname: true })
  .superRefine(
    reachableThrough(
      ['EmailAddress', 'MobilePhone', 'HomePhone', 'WorkPhone'],
      'an email address or a phone number is required',
    ),
  );

export const LogEntryCreateSchema = z.object({
  Type: oneOf(AGENTOS_LOG_ENTRY_TYPES),
  Subject: requiredText('Subject', 200),
  Notes: text(4000).default(''),
  DateTime: instant.optional(),
  ExternalReference: text(100).nullish(),
});

export const EngagementPatchSchema = z
  .object({
    EngagementScore: z
      .number()
      .min(0, 'must be between 0 and 100')
      .max(100, 'must be between 0 and 100')
      .nullable(),
    EngagementScoreDate: instant.nullable(),
    HotLead: z.boolean(),
    HotLeadDate: instant.nullable(),
  })
  .partial()
  .refine(
    (patch) => Object.values(patch).some((value) => value !== undefined),
    'at least one engagement field is required',
  );

export const WebhookCreateSchema = z.object({
  Url: webhookUrlSchema,
  Events: z.array(oneOf(AGENTOS_WEBHOOK_EVENTS)).min(1, 'at least one event is required'),
});

/** Strips the quotes and weak prefix an If-Match header may carry around a base64 ETag. */
export function bareEtag(value: string): string {
  return value
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

/** Listed records, by creation when no bound is given, else by modification within [from, to]. */
export function listedView<T extends TimedRecord>(
  store: TimedCollection<T>,
  modifiedFrom?: number,
  modifiedTo?: number,
): ResultView<T> {
  if (modifiedFrom === undefined && modifiedTo === undefined)
    return { items: store.byCreated.items, start: 0, end: store.byCreated.size, descending: false };
  const { start, end } = store.byModified.range(modifiedFrom, modifiedTo);
  return { items: store.byModified.items, start, end, descending: false };
}
