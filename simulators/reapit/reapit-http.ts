import type { Request, Response } from 'express';
import { z } from 'zod';
import { issuePath, maxText, webhookUrlSchema } from '../toolkit/body-schemas.ts';
import { BadRequestError } from '../toolkit/define-simulator.ts';
import { blankOrEmail, isoInstant, oneOf, reachableThrough, requiredText } from '../toolkit/http-inputs.ts';
import { QueryReader } from '../toolkit/query-reader.ts';
import { REAPIT_JOURNAL_ASSOCIATED_TYPES, REAPIT_TOPICS } from './reapit-constants.ts';
import { reapitTime } from './reapit-contact.model.ts';
import { pageOfView, viewSize, type ResultView } from '../toolkit/timed-collection.ts';

/** Reapit's error body: `{statusCode, dateTime, description}`, plus `errors` on a 422. */
export interface ReapitErrorBody {
  statusCode: number;
  dateTime: string;
  description: string;
  errors?: Array<{ field: string; message: string }>;
}

export function reapitError(
  status: number,
  description: string,
  now: number,
  errors?: ReapitErrorBody['errors'],
): ReapitErrorBody {
  return {
    statusCode: status,
    dateTime: reapitTime(now),
    description,
    ...(errors === undefined ? {} : { errors }),
  };
}

export const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'The request was not understood by the server',
  401: 'The provided authentication credentials are incorrect or not present',
  403: 'The credentials provided do not grant access to the requested resource',
  404: 'The requested resource was not found',
  412: 'The request precondition failed',
  422: 'One or more validation failures have occurred. Please refer to Errors list for details',
  429: 'Too many requests',
  500: 'An unexpected error occurred. The error has been logged and will be investigated',
  502: 'Bad gateway',
  503: 'The service is temporarily unavailable',
  504: 'The upstream service timed out',
};

/**
 * Query parameters read case-insensitively (Reapit's ASP.NET binding ignores case), with
 * repeated names as lists (`id=A&id=B`); omitted booleans apply no filter. Instants need a time-zone
 * designator when a time is given (Reapit rejects naive times); a date alone means midnight UTC.
 */
export function reapitQuery(query: unknown): QueryReader {
  return new QueryReader(query, {
    ignoreCase: true,
    instant: {
      parse: (raw) => isoInstant(raw),
      mustBe:
        'must be an ISO-8601 date, or date and time with a time zone designator (e.g. 2024-05-01T09:30:00Z)',
    },
  });
}

export interface Paging {
  pageNumber: number;
  pageSize: number;
}

/** `pageSize` 1–100 (default 25) and `pageNumber` from 1; anything else is a 400. */
export function readPaging(query: QueryReader): Paging {
  return {
    pageSize: query.int('pageSize', { min: 1, max: 100, fallback: 25 }),
    pageNumber: query.int('pageNumber', { min: 1, fallback: 1 }),
  };
}

/** `sortBy=created` / `-modified` …; returns null when the value is not one of `allowed`. */
export function readSort<F extends string>(
  query: QueryReader,
  allowed: readonly F[],
  fallback: F,
): { field: F; descending: boolean } {
  const raw = query.string('sortBy');
  if (raw === undefined) return { field: fallback, descending: false };
  const descending = raw.startsWith('-');
  const name = (descending ? raw.slice(1) : raw).toLowerCase();
  const field = allowed.find((candidate) => candidate.toLowerCase() === name);
  if (field === undefined)
    throw new BadRequestError(
      `sortBy must be one of ${allowed.join(', ')} (prefix with - to sort descending)`,
    );
  return { field, descending };
}

/**
 * What a list's cached result depends on: its query without the paging (filters and order, as
 * sent), so paging through one query reuses one result.
 */
export function listCacheKey(request: Request): string {
  return JSON.stringify(withoutPaging(request).params.sort(([a], [b]) => a.localeCompare(b)));
}

/** The request's path and query parameters, paging (in any case) left out. */
function withoutPaging(request: Request): { pathname: string; params: Array<[string, string]> } {
  const url = new URL(request.originalUrl, 'http://simulator.invalid');
  const params = [...url.searchParams].filter(([name]) => !/^page(number|size)$/i.test(name));
  return { pathname: url.pathname, params };
}

function pageHref(request: Request, pageNumber: number, pageSize: number): string {
  const { pathname, params: kept } = withoutPaging(request);
  const params = new URLSearchParams(kept);
  params.set('pageNumber', String(pageNumber));
  params.set('pageSize', String(pageSize));
  return `${pathname}?${params.toString()}`;
}

/**
 * Reapit's HAL page: `{_embedded, pageNumber, pageSize, pageCount (items on this page),
 * totalPageCount, totalCount, _links{self, first, next?, last}}`; `next` is absent on the last page.
 */
export function halPage<T>(
  request: Request,
  view: ResultView<T>,
  paging: Paging,
  render: (item: T) => unknown,
): Record<string, unknown> {
  const items = pageOfView(view, paging.pageNumber, paging.pageSize);
  const totalCount = viewSize(view);
  const totalPageCount = Math.ceil(totalCount / paging.pageSize);
  const links: Record<string, { href: string }> = {
    self: { href: pageHref(request, paging.pageNumber, paging.pageSize) },
    first: { href: pageHref(request, 1, paging.pageSize) },
  };
  if (paging.pageNumber < totalPageCount)
    links.next = { href: pageHref(request, paging.pageNumber + 1, paging.pageSize) };
  links.last = { href: pageHref(request, Math.max(1, totalPageCount), paging.pageSize) };
  return {
    _embedded: items.map(render),
    pageNumber: paging.pageNumber,
    pageSize: paging.pageSize,
    pageCount: items.length,
    totalPageCount,
    totalCount,
    _links: links,
  };
}

/** zod issues as Reapit's `errors: [{field, message}]`. */
export function validationErrors(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => ({
    field: issuePath(issue),
    message: issue.message,
  }));
}

const AddressPatchSchema = z
  .object({
    type: maxText(20),
    buildingName: maxText(35),
    buildingNumber: maxText(8),
    line1: maxText(35),
    line2: maxText(30),
    line3: maxText(30),
    line4: maxText(30),
    postcode: maxText(8),
    countryId: maxText(2),
  })
  .partial();

const contactFieldShape = {
  title: maxText(20).nullable(),
  forename: maxText(50).nullable(),
  surname: requiredText('surname', 50),
  dateOfBirth: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD) without a time')
    .nullable(),
  active: z.boolean(),
  marketingConsent: oneOf(['grant', 'deny', 'notAsked']),
  source: z.object({ id: maxText(10), type: z.enum(['source', 'office']) }).partial(),
  homePhone: maxText(30).nullable(),
  workPhone: maxText(30).nullable(),
  mobilePhone: maxText(30).nullable(),
  email: blankOrEmail(100).nullable(),
  primaryAddress: AddressPatchSchema.nullable(),
  secondaryAddress: AddressPatchSchema.nullable(),
  workAddress: AddressPatchSchema.nullable(),
  officeIds: z.array(z.string().min(1)).min(1, 'at least one office is required'),
  negotiatorIds: z.array(z.string().min(1)).min(1, 'at least one negotiator is required'),
  categoryIds: z.array(z.string().min(1)),
  communicationPreferenceLetter: z.boolean(),
  communicationPreferenceEmail: z.boolean(),
  communicationPreferencePhone: z.boolean(),
  communicationPreferenceSMS: z.boolean(),
  additionalContactDetails: z.array(z.object({ type: z.string().min(1), value: z.string() })),
  metadata: z.record(z.string(), z.unknown()).nullable(),
};

/** PATCH /contacts/{id}: every field optional; unknown fields are ignored (as ASP.NET binding does). */
export const ContactPatchSchema = z.object(contactFieldShape).partial();

/** POST /contacts/: surname, marketingConsent, officeIds, negotiatorIds and one way to reach the person. */
export const ContactCreateSchema = z
  .object(contactFieldShape)
  .partial()
  .required({ surname: true, marketingConsent: true, officeIds: true, negotiatorIds: true })
  .superRefine(
    reachableThrough(
      ['email', 'mobilePhone', 'homePhone', 'workPhone'],
      'at least one of homePhone, workPhone, mobilePhone or email is required',
    ),
  );

export const JournalEntryCreateSchema = z.object({
  typeId: requiredText('typeId', 10),
  associatedType: oneOf(REAPIT_JOURNAL_ASSOCIATED_TYPES),
  associatedId: z.string().trim().min(1, 'associatedId is required'),
  propertyId: z.string().min(1).nullish(),
  negotiatorId: z.string().min(1).nullish(),
  description: requiredText('description', 4000),
});

const topicSet = new Set(REAPIT_TOPICS);
export const ResthookSchema = z.object({
  url: webhookUrlSchema,
  description: z.string().max(200).default(''),
  topicIds: z
    .array(z.string().refine((topic) => topicSet.has(topic), 'is not a Reapit webhook topic'))
    .min(1, 'at least one topic is required'),
  active: z.boolean().default(true),
  ignoreEtagOnlyChanges: z.boolean().default(false),
});

/** Writes a Reapit error. */
export function sendError(
  response: Response,
  status: number,
  now: number,
  description?: string,
  errors?: ReapitErrorBody['errors'],
): void {
  response
    .status(status)
    .json(reapitError(status, description ?? STATUS_DESCRIPTIONS[status] ?? 'Error', now, errors));
}
