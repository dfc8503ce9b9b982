import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { EMAIL_PATTERN, issuePath, maxText, webhookUrlSchema } from '../toolkit/body-schemas.ts';
import { BadRequestError, found, type ErrorDetails } from '../toolkit/define-simulator.ts';
import { oneOf, requiredText } from '../toolkit/http-inputs.ts';
import { QueryReader } from '../toolkit/query-reader.ts';
import { z } from 'zod';
import {
  ALTO_EMAIL_TYPES,
  ALTO_EVENT_TYPES,
  ALTO_FILE_NOTE_CREATE_TYPES,
  ALTO_PHONE_TYPES,
  ALTO_PREFERENCE_TYPES,
} from './alto-constants.ts';

/** One entry of Alto's `ErrorsResponse` (`{errors:[{code, message}]}`). */
interface AltoError {
  code: string;
  message: string;
}

/** A request Alto refuses field by field: 400 with an ErrorsResponse listing each problem. */
class AltoValidationError extends BadRequestError {
  readonly errors: AltoError[];

  constructor(message: string, errors: AltoError[]) {
    super(message);
    this.errors = errors;
  }
}

/**
 * Unreadable requests get Alto's ErrorsResponse (`{errors:[{code, message}]}`), not the
 * ProblemDetails the toolkit's frame would send for them.
 */
export function sendBadRequest(response: Response, detail: string, error?: BadRequestError): void {
  const errors =
    error instanceof AltoValidationError
      ? error.errors
      : [{ code: error === undefined ? 'InvalidJson' : 'InvalidRequest', message: detail }];
  sendErrors(response, 400, errors);
}

/**
 * ASP.NET's ProblemDetails (`{type, title, status, detail, instance}`), served as
 * application/json: what Alto answers for authentication, AgencyRef, limit and server failures.
 */
export function sendProblem(response: Response, status: number, detail?: string): void {
  const request = response.req as Request | undefined;
  response.status(status).json({
    type: `https://httpstatuses.io/${status}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    instance: request?.path ?? null,
  });
}

/** Alto's `ErrorsResponse`, used by the contacts and file-notes endpoints for 400/404/409. */
function sendErrors(response: Response, status: number, errors: AltoError[]): void {
  response.status(status).json({ errors });
}

/**
 * The error answer for everything but unreadable requests: an ErrorsResponse where the error
 * carries a code (`NotFound`, `DuplicateContact`), else a ProblemDetails.
 */
export function sendError(response: Response, status: number, detail?: string, details?: ErrorDetails): void {
  if (details?.code === undefined) sendProblem(response, status, detail);
  else sendErrors(response, status, [{ code: details.code, message: detail ?? '' }]);
}

/** `value`, or else a 404 ErrorsResponse saying `<what> was not found`. */
export const foundOr404 = <T>(value: T | undefined, what: string): T =>
  found(value, `${what} was not found`, { code: 'NotFound' });

// ISO-8601: a date, or a date and time with an optional offset (a naive time is taken as UTC).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Query parameters the ASP.NET way: names, booleans and closed-list values in any case, repeated
 * names and comma-separated values as lists (`id=1,2&id=3`), date-times with seven fractional
 * digits and an optional offset.
 */
export function altoQuery(query: unknown): QueryReader {
  return new QueryReader(query, {
    ignoreCase: true,
    splitCommas: true,
    instant: {
      parse(raw) {
        if (!ISO_DATE_TIME.test(raw)) return Number.NaN;
        if (raw.length === 10) return Date.parse(`${raw}T00:00:00Z`);
        // JavaScript dates keep milliseconds: drop digits beyond the third; a naive time is UTC.
        const trimmed = raw.replace(/(\.\d{3})\d+/, '$1');
        return Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`);
      },
      mustBe: 'must be an ISO 8601 date-time, e.g. 2024-05-01T09:30:00Z (encode "+" in offsets as %2B)',
    },
  });
}

/** ASP.NET binds JSON property names case-insensitively: `{"Number": …}` is `{"number": …}`. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key.length > 0 ? key[0]!.toLowerCase() + key.slice(1) : key,
      camelKeys(item),
    ]),
  );
}

/** An enum read the ASP.NET way: its name in any case, or its numeric position. */
function enumOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.preprocess((raw) => {
    if (typeof raw === 'number' && Number.isInteger(raw)) return values[raw] ?? raw;
    if (typeof raw === 'string')
      return values.find((value) => value.toLowerCase() === raw.toLowerCase()) ?? raw;
    return raw;
  }, oneOf(values));
}

export const PhoneRequestSchema = z.object({
  type: enumOf(ALTO_PHONE_TYPES).default('Home'),
  number: z
    .string()
    .regex(/^[+]?[0-9\s]{10,20}$/, 'must be 10 to 20 digits or spaces, optionally starting with +'),
  description: maxText(50).nullish(),
});

export const EmailRequestSchema = z.object({
  address: z.string().trim().regex(EMAIL_PATTERN, 'must be a valid email address'),
  type: enumOf(ALTO_EMAIL_TYPES).optional(),
});

const PersonRequestSchema = z.object({
  title: maxText(20).nullish(),
  forename: maxText(50).nullish(),
  surname: requiredText('surname', 50),
  phoneNumbers: z.array(PhoneRequestSchema).max(4, 'at most 4 phone numbers').nullish(),
  emailAddresses: z.array(EmailRequestSchema).max(2, 'at most 2 email addresses').nullish(),
});

/** An address line: up to 50 characters, optional. */
const addressLine = maxText(50).nullish();
const AddressRequestSchema = z.object({
  subDwelling: addressLine,
  nameNumber: addressLine,
  street: addressLine,
  locality: addressLine,
  town: addressLine,
  county: addressLine,
  postcode: maxText(20).nullish(),
  countryCode: maxText(2).nullish(),
  uprn: maxText(12).nullish(),
});

/** `POST /contacts` (PostContactRequest). */
export const PostContactSchema = z.object({
  negotiatorId: z.string().nullish(),
  branchId: z.string().trim().min(1, 'branchId is required'),
  address: AddressRequestSchema.nullish(),
  people: z.array(PersonRequestSchema).min(1, 'at least one person is required').max(2, 'at most two people'),
  lead: z.object({ source: z.string().min(1), id: z.string().nullish() }).nullish(),
  position: z.string().nullish(),
  intention: z.string().nullish(),
  disposal: z.string().nullish(),
  notes: z.string().nullish(),
  companyName: z.string().nullish(),
  category: enumOf(['Unknown', 'Client', 'ContactRelationship']).default('Client'),
  potentialVendor: z.boolean().nullish(),
  potentialLandlord: z.boolean().nullish(),
});
export type PostContactRequest = z.infer<typeof PostContactSchema>;

/** `POST /file-notes` (CreateFileNoteRequest). */
export const CreateFileNoteSchema = z.object({
  negotiatorId: z.string().nullish(),
  propertyId: z.string().nullish(),
  tenancyId: z.string().nullish(),
  ownerIds: z.array(z.string()).nullish(),
  contactIds: z.array(z.string()).nullish(),
  title: z.string().max(200, 'must be at most 200 characters').nullish(),
  notes: z.string().trim().min(1, 'notes are required'),
  updateLastContactedDate: z.boolean().default(false),
  fileNoteType: enumOf(ALTO_FILE_NOTE_CREATE_TYPES).nullish(),
});

/** `POST /contacts/{id}/preferences`. */
export const PreferencesRequestSchema = z.object({
  items: z
    .array(
      z.object({
        type: enumOf(ALTO_PREFERENCE_TYPES),
        optIn: enumOf(['Denied', 'Granted']),
        notes: z.string().nullish(),
      }),
    )
    .min(1, 'at least one preference is required'),
});

/** `POST /webhooks/subscriptions` (simulator extension: Alto sets subscriptions up by hand). */
export const SubscriptionRequestSchema = z.object({
  url: webhookUrlSchema,
  eventTypes: z.array(enumOf(ALTO_EVENT_TYPES)).min(1, 'at least one event type is required'),
  /** The shared secret that keys the `x-signature` HMAC of every delivery; generated when omitted. */
  secret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
});

/** zod issues as Alto's `errors: [{code, message}]`. */
function validationErrors(error: z.ZodError): AltoError[] {
  return error.issues.map((issue) => ({
    code: 'ValidationError',
    message: `${issuePath(issue)}: ${issue.message}`,
  }));
}

/** A body (or part) read the ASP.NET way (property names in any case), or a 400 ErrorsResponse listing each problem. */
export function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  message = 'The request body is not valid',
): z.output<S> {
  const parsed = schema.safeParse(camelKeys(body));
  if (!parsed.success) throw new AltoValidationError(message, validationErrors(parsed.error));
  return parsed.data;
}

/** One RFC 6902 operation, path lower-cased (SystemTextJsonPatch matches paths case-insensitively). */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value: unknown;
}

/** Reads a JSON Patch document (an array of operations); `test`, `move` and `copy` are refused. */
export function readPatchDocument(body: unknown): PatchOperation[] {
  if (!Array.isArray(body) || body.length === 0) {
    throw new BadRequestError('The body must be a JSON Patch document: a non-empty array of operations');
  }
  return body.map((raw, i) => {
    const operation = camelKeys(raw) as { op?: unknown; path?: unknown; value?: unknown };
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw new BadRequestError(`Operation ${i}: op must be add, replace or remove`);
    }
    if (typeof operation.path !== 'string' || !operation.path.startsWith('/')) {
      throw new BadRequestError(`Operation ${i}: path must be a JSON Pointer such as /Title`);
    }
    return { op, path: operation.path.toLowerCase(), value: operation.value };
  });
}

/** A boolean patch value: JSON true/false or the strings "true"/"false" (Alto's examples use both). */
export function patchBoolean(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new BadRequestError(`${path} takes true or false`);
}
