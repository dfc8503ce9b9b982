import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { EMAIL_PATTERN, maxText as text, webhookUrlSchema } from '../toolkit/body-schemas.ts';
import { BadRequestError } from '../toolkit/define-simulator.ts';
import { isoDateText, oneOf } from '../toolkit/http-inputs.ts';
import { QueryReader } from '../toolkit/query-reader.ts';
import { CUSTOM_ACTIVITY_TYPES, CUSTOM_PAGE_LIMITS, CUSTOM_WEBHOOK_EVENTS } from './custom-constants.ts';
import type { KeysetPosition } from '../toolkit/timed-collection.ts';

/** Where problem `type` URIs point. */
export const PROBLEM_BASE = 'https://propsync.dev/problems/';

/** Problem slugs of the contract, with their titles. */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request is malformed' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  'insufficient-scope': { status: 403, title: 'The API key lacks a required scope' },
  'not-found': { status: 404, title: 'Not found' },
  'idempotency-key-in-use': { status: 409, title: 'A request with this Idempotency-Key is in progress' },
  'precondition-failed': { status: 412, title: 'The resource changed since it was read' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body must be JSON' },
  'validation-failed': { status: 422, title: 'The request body is invalid' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was used with a different request' },
  'precondition-required': { status: 428, title: 'If-Match is required' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  'bad-gateway': { status: 502, title: 'Bad gateway' },
  unavailable: { status: 503, title: 'Service unavailable' },
  'gateway-timeout': { status: 504, title: 'Gateway timeout' },
} as const;
export type ProblemSlug = keyof typeof PROBLEMS;

/** The slug a bare status answers with: the contract's first slug for it (422: validation-failed). */
const SLUG_BY_STATUS = new Map<number, ProblemSlug>();
for (const [slug, { status }] of Object.entries(PROBLEMS) as Array<[ProblemSlug, { status: number }]>)
  if (!SLUG_BY_STATUS.has(status)) SLUG_BY_STATUS.set(status, slug);

export interface ProblemFieldError {
  pointer: string;
  detail: string;
}

/** An RFC 9457 problem document for the request `response` answers. */
export function problemBody(
  response: Response,
  slugOrStatus: ProblemSlug | number,
  detail?: string,
  errors?: ProblemFieldError[],
): { status: number; body: Record<string, unknown> } {
  const slug =
    typeof slugOrStatus === 'number' ? (SLUG_BY_STATUS.get(slugOrStatus) ?? 'internal') : slugOrStatus;
  const status = typeof slugOrStatus === 'number' ? slugOrStatus : PROBLEMS[slug].status;
  const request = response.req as Request | undefined;
  const url = request?.originalUrl ?? '';
  const at = url.indexOf('?');
  return {
    status,
    body: {
      type: `${PROBLEM_BASE}${slug}`,
      title: PROBLEMS[slug].title,
      status,
      ...(detail === undefined ? {} : { detail }),
      instance: at < 0 ? url : url.slice(0, at),
      request_id: String(response.getHeader('x-request-id') ?? ''),
      ...(errors === undefined ? {} : { errors }),
    },
  };
}

/** Writes an RFC 9457 problem document. */
export function sendProblem(
  response: Response,
  slugOrStatus: ProblemSlug | number,
  detail?: string,
  errors?: ProblemFieldError[],
): void {
  const problem = problemBody(response, slugOrStatus, detail, errors);
  response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body));
}

// RFC 3339 with a zone designator: a naive time would be ambiguous across BST.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** Parses an RFC 3339 instant, or null. */
export function parseInstant(raw: string): number | null {
  if (!RFC3339.test(raw)) return null;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Query parameters of one operation: unknown names are a 400 (a typo never widens a query), a
 * name given twice is a 400, lists take repeated and comma-separated values.
 */
export function customQuery(query: unknown, allowed: readonly string[]): QueryReader {
  return new QueryReader(query, {
    allowed,
    singleValues: true,
    splitCommas: true,
    instant: {
      parse: parseInstant,
      mustBe: 'must be an RFC 3339 date-time with a zone, e.g. 2025-06-02T09:30:00Z (encode + as %2B)',
    },
  });
}

/** `limit`: the page size, within the contract's bounds. */
export function limitOf(query: QueryReader): number {
  return query.int('limit', { min: 1, max: CUSTOM_PAGE_LIMITS.max, fallback: CUSTOM_PAGE_LIMITS.default });
}

/** A short, stable fingerprint of a list query's filters; a cursor is only valid with the same ones. */
export function queryFingerprint(filters: unknown[]): string {
  return createHash('sha1').update(JSON.stringify(filters)).digest('base64url').slice(0, 10);
}

/** An opaque cursor: the keyset position after the last record of a page, bound to the filters. */
export function encodeCursor(position: KeysetPosition, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ t: position.time, s: position.seq, f: fingerprint })).toString(
    'base64url',
  );
}

export function decodeCursor(raw: string | undefined, fingerprint: string): KeysetPosition | null {
  if (raw === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError('cursor is not a cursor this server issued');
  }
  const cursor = parsed as { t?: unknown; s?: unknown; f?: unknown } | null;
  if (
    cursor === null ||
    typeof cursor !== 'object' ||
    !Number.isSafeInteger(cursor.t) ||
    !Number.isSafeInteger(cursor.s)
  ) {
    throw new BadRequestError('cursor is not a cursor this server issued');
  }
  if (cursor.f !== fingerprint) {
    throw new BadRequestError(
      'cursor was issued for other filters: send the same filters as the request that returned it',
    );
  }
  return { time: cursor.t as number, seq: cursor.s as number };
}

/** zod issues as problem `errors`, with JSON Pointers to the invalid members. */
export function fieldErrors(error: z.ZodError): ProblemFieldError[] {
  return error.issues.flatMap((issue) => {
    const base = `/${issue.path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    const pointer = issue.path.length === 0 ? '' : base;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: `${pointer}/${key}`,
        detail: 'is not a field that can be written',
      }));
    }
    return [{ pointer, detail: issue.message }];
  });
}

const nullableText = (max: number) => text(max).nullable();
const instantString = z
  .string()
  .refine((value) => parseInstant(value) !== null, 'must be an RFC 3339 date-time with a zone');

const EmailInputSchema = z.strictObject({
  address: z
    .string()
    .trim()
    .max(254)
    .refine((value) => EMAIL_PATTERN.test(value), 'must be an email address'),
  type: z.enum(['personal', 'work', 'other']).optional(),
  primary: z.boolean().optional(),
});
const PhoneInputSchema = z.strictObject({
  number: z
    .string()
    .trim()
    .max(30)
    .refine((value) => value.replace(/\D/g, '').length >= 6, 'must hold at least six digits'),
  type: z.enum(['mobile', 'home', 'work', 'other']).optional(),
  primary: z.boolean().optional(),
});
const AddressInputSchema = z.strictObject({
  line1: nullableText(100).optional(),
  line2: nullableText(100).optional(),
  line3: nullableText(100).optional(),
  town: nullableText(60).optional(),
  county: nullableText(60).optional(),
  postcode: nullableText(10).optional(),
  country_code: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .nullable()
    .optional(),
  uprn: z
    .string()
    .regex(/^\d{1,12}$/, 'must be up to 12 digits')
    .nullable()
    .optional(),
});

const onePrimary = (entries: Array<{ primary?: boolean | undefined }> | undefined) =>
  entries === undefined || entries.filter((entry) => entry.primary === true).length <= 1;

const contactPatchShape = {
  title: nullableText(20).optional(),
  first_name: nullableText(100).optional(),
  last_name: nullableText(100).optional(),
  date_of_birth: isoDateText.nullable().optional(),
  emails: z
    .array(EmailInputSchema)
    .max(5, 'at most 5 emails')
    .refine(onePrimary, 'at most one email may be primary')
    .optional(),
  phones: z
    .array(PhoneInputSchema)
    .max(5, 'at most 5 phones')
    .refine(onePrimary, 'at most one phone may be primary')
    .optional(),
  address: AddressInputSchema.nullable().optional(),
  marketing_consent: oneOf(['granted', 'denied', 'not_asked']).optional(),
  archived: z.boolean().optional(),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
};

/** PATCH /contacts/{id}: a JSON merge patch; unknown and read-only fields are rejected. */
export const ContactPatchSchema = z
  .strictObject(contactPatchShape)
  // Only judged once the fields themselves are valid: an unknown field alone is reported as such.
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'the patch changes nothing: send at least one field',
    when: (payload) => payload.issues.length === 0,
  });

/** A new contact needs a last name and a way to reach the person. */
function requireNameAndReach(
  contact: {
    last_name?: string | null | undefined;
    emails?: unknown[] | undefined;
    phones?: unknown[] | undefined;
  },
  context: z.RefinementCtx,
): void {
  if (contact.last_name === undefined || contact.last_name === null || contact.last_name.trim() === '') {
    context.addIssue({ code: 'custom', path: ['last_name'], message: 'last_name is required' });
  }
  if ((contact.emails ?? []).length === 0 && (contact.phones ?? []).length === 0) {
    context.addIssue({
      code: 'custom',
      path: ['emails'],
      message: 'at least one email or phone is required',
    });
  }
}

/** POST /contacts. */
export const ContactCreateSchema = z.strictObject(contactPatchShape).superRefine(requireNameAndReach);

/** The control surface may also set what only the CRM's own users edit. */
export const ControlContactChangeSchema = z.strictObject({
  ...contactPatchShape,
  applicant: z
    .strictObject({
      type: z.enum(['buyer', 'tenant']),
      property_interest: z.string().nullable().default(null),
      max_budget: z.number().int().nullable().default(null),
      min_bedrooms: z.number().int().nullable().default(null),
    })
    .nullable()
    .optional(),
  tenancy: z
    .strictObject({
      status: z.enum(['prospective', 'active', 'former']),
      property_id: z.string().nullable().default(null),
    })
    .nullable()
    .optional(),
  is_vendor: z.boolean().optional(),
  is_landlord: z.boolean().optional(),
  source: z.string().nullable().optional(),
});

export const ControlContactCreateSchema = ControlContactChangeSchema.superRefine(requireNameAndReach);

export const NurturePatchSchema = z
  .strictObject({
    engagement_score: z.number().nullable().optional(),
    engagement_scored_at: instantString.optional(),
    hot_lead: z.boolean().optional(),
    hot_lead_at: instantString.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'send at least one field',
    when: (payload) => payload.issues.length === 0,
  });

export const ActivityCreateSchema = z
  .strictObject({
    type: z.enum(['email', 'call', 'note'], {
      message: 'must be one of email, call, note (viewings, valuations and offers belong to the CRM)',
    }),
    contact_id: z.string().min(1, 'contact_id is required'),
    occurred_at: instantString.optional(),
    subject: nullableText(500).optional(),
    body: nullableText(20_000).optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    external_id: nullableText(255).optional(),
  })
  .superRefine((activity, context) => {
    if (activity.type === 'note' && activity.direction !== undefined) {
      context.addIssue({ code: 'custom', path: ['direction'], message: 'notes have no direction' });
    }
  });

export const WebhookCreateSchema = z.strictObject({
  url: webhookUrlSchema,
  events: z.array(oneOf(CUSTOM_WEBHOOK_EVENTS)).min(1, 'at least one event is required'),
  description: nullableText(200).optional(),
});

export const ACTIVITY_TYPE_SET: ReadonlySet<string> = new Set(CUSTOM_ACTIVITY_TYPES);

export { locationOf } from '../toolkit/body-schemas.ts';

/** Entity tags of an If-Match / If-None-Match header: `*`, or a list of quoted tags. */
export function parseEntityTags(header: string): {
  any: boolean;
  tags: Array<{ weak: boolean; tag: string }>;
} {
  const trimmed = header.trim();
  if (trimmed === '*') return { any: true, tags: [] };
  const tags = [...trimmed.matchAll(/(W\/)?("[^"]*")/g)].map((match) => ({
    weak: match[1] !== undefined,
    tag: match[2] as string,
  }));
  return { any: false, tags };
}
