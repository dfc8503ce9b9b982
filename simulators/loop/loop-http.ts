import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { z } from 'zod';
import { EMAIL_PATTERN, webhookUrlSchema as WebhookUrlSchema } from '../toolkit/body-schemas.ts';
import { BadRequestError } from '../toolkit/define-simulator.ts';
import { isoDateText, isoInstant, oneOf } from '../toolkit/http-inputs.ts';
import { QueryReader } from '../toolkit/query-reader.ts';
import { dailyLimitReached, perSecondLimits, type RateLimitConfig } from '../toolkit/rate-limiter.ts';
import { pageOfView, viewSize, type ResultView } from '../toolkit/timed-collection.ts';
import {
  LOOP_APPOINTMENT_STATUSES,
  LOOP_APPOINTMENT_TYPES,
  LOOP_CONSENT_STATUSES,
  LOOP_CONTACT_TYPES,
  LOOP_NOTE_TYPES,
  LOOP_OFFER_STATUSES,
  LOOP_PAGE_SIZE,
  LOOP_PHONE_TYPES,
  LOOP_RATE_LIMITS,
  LOOP_WEBHOOK_EVENTS,
  type LoopRateLimits,
} from './loop-constants.ts';

/** Loop's (assumed) error body: `{statusCode, error, message}`, plus `errors` on a 422. */
export interface LoopErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors?: Array<{ field: string; message: string }>;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  500: 'An unexpected error occurred',
  502: 'The upstream service answered badly',
  503: 'The service is temporarily unavailable',
  504: 'The upstream service timed out',
};

export function sendError(
  response: Response,
  status: number,
  message?: string,
  extra: {
    errors?: LoopErrorBody['errors'];
    headers?: Record<string, string>;
    body?: Record<string, unknown>;
  } = {},
): void {
  for (const [name, value] of Object.entries(extra.headers ?? {})) response.setHeader(name, value);
  const body: LoopErrorBody & Record<string, unknown> = {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message: message ?? DEFAULT_MESSAGES[status] ?? STATUS_CODES[status] ?? 'Error',
    ...(extra.errors === undefined ? {} : { errors: extra.errors }),
    ...extra.body,
  };
  response.status(status).json(body);
}

/** zod issues as a 422: `errors: [{field, message}]`, the first one repeated in `message`. */
export function sendValidationError(response: Response, error: z.ZodError): void {
  const errors = error.issues.map((issue) => ({
    field: issue.path.length === 0 ? 'body' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = errors[0];
  sendError(
    response,
    422,
    first === undefined ? 'Validation failed' : `Validation failed: ${first.field} ${first.message}`,
    {
      errors,
    },
  );
}

// ISO-8601 with a zone designator when a time is given; a bare date means midnight UTC.
const LOOP_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** Query parameters: names are case-sensitive and the first of repeated values wins. */
export function loopQuery(query: unknown): QueryReader {
  return new QueryReader(query, {
    booleansInAnyCase: true,
    instant: {
      parse: (raw) => isoInstant(raw, LOOP_INSTANT),
      mustBe: 'must be an ISO-8601 date, or date and time with a time zone (e.g. 2025-01-31T09:30:00.000Z)',
    },
  });
}

export interface Paging {
  page: number;
  pageSize: number;
}

/** `page` from 1 (default 1), `pageSize` 1–100 (default 25). */
export function readPaging(query: QueryReader): Paging {
  return {
    page: query.int('page', { min: 1, fallback: 1 }),
    pageSize: query.int('pageSize', { min: 1, max: LOOP_PAGE_SIZE.max, fallback: LOOP_PAGE_SIZE.default }),
  };
}

/** `sort=createdAt|updatedAt`, `-` for descending; default `createdAt`. */
export function readSort(query: QueryReader): { field: 'created' | 'modified'; descending: boolean } {
  const raw = query.string('sort') ?? 'createdAt';
  const descending = raw.startsWith('-');
  const name = descending ? raw.slice(1) : raw;
  if (name !== 'createdAt' && name !== 'updatedAt') {
    throw new BadRequestError('sort must be createdAt or updatedAt (prefix with - to sort descending)');
  }
  return { field: name === 'createdAt' ? 'created' : 'modified', descending };
}

/** The list envelope every endpoint uses: `{results, page, pageSize, totalCount, totalPages}`. */
export function listEnvelope<T>(
  view: ResultView<T>,
  paging: Paging,
  render: (item: T) => unknown,
): Record<string, unknown> {
  const totalCount = viewSize(view);
  return {
    results: pageOfView(view, paging.page, paging.pageSize).map(render),
    page: paging.page,
    pageSize: paging.pageSize,
    totalCount,
    totalPages: Math.ceil(totalCount / paging.pageSize),
  };
}

/** The enforced limits as the toolkit's rate limiter takes them (`false`: none). */
export function rateLimitConfig(
  limits: Partial<LoopRateLimits> | false | undefined,
): RateLimitConfig | false {
  return limits === false ? false : perSecondLimits({ ...LOOP_RATE_LIMITS, ...limits });
}

/** A 429's message, per limit reached. */
export const LIMIT_MESSAGES = {
  window: (limit: number) => `Too many requests: the limit is ${limit} requests per second per API key`,
  concurrency: (limit: number) =>
    `Too many requests: at most ${limit} concurrent requests per API key are allowed`,
  daily: dailyLimitReached,
} as const;

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

function onePrimary(items: Array<{ isPrimary?: boolean | undefined }>): boolean {
  return items.filter((item) => item.isPrimary === true).length <= 1;
}

const EmailAddressSchema = z.object({
  address: text(254).regex(EMAIL_PATTERN, 'must be a valid email address'),
  isPrimary: z.boolean().optional(),
});

const PhoneNumberSchema = z.object({
  number: text(30)
    .min(1, 'is required')
    .regex(/^\+?[\d\s().-]+$/, 'must be a phone number'),
  type: oneOf(LOOP_PHONE_TYPES).default('other'),
  isPrimary: z.boolean().optional(),
});

const AddressSchema = z
  .object({
    line1: text(100),
    line2: text(100).nullable(),
    line3: text(100).nullable(),
    town: text(60).nullable(),
    county: text(60).nullable(),
    postcode: text(10).nullable(),
    countryCode: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as GB'),
  })
  .partial();

const contactShape = {
  title: text(20).nullable(),
  firstName: text(100).nullable(),
  lastName: text(100).nullable(),
  dateOfBirth: isoDateText.nullable(),
  emailAddresses: z
    .array(EmailAddressSchema)
    .max(10, 'at most 10 email addresses')
    .refine(onePrimary, 'at most one email address may be primary'),
  phoneNumbers: z
    .array(PhoneNumberSchema)
    .max(10, 'at most 10 phone numbers')
    .refine(onePrimary, 'at most one phone number may be primary'),
  address: AddressSchema.nullable(),
  contactTypes: z.array(oneOf(LOOP_CONTACT_TYPES)),
  marketingConsent: z.object({
    status: oneOf(LOOP_CONSENT_STATUSES).optional(),
    channels: z
      .object({ email: z.boolean(), sms: z.boolean(), phone: z.boolean(), post: z.boolean() })
      .partial()
      .optional(),
  }),
  source: text(50).nullable(),
  tags: z.array(text(50).min(1, 'must not be empty')).max(50, 'at most 50 tags'),
  customFields: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'custom field names are letters, digits and _ (at most 64)'),
      z.union([z.string().max(1000, 'must be at most 1000 characters'), z.number(), z.boolean(), z.null()]),
    )
    .nullable(),
};

/** PATCH /v1/contacts/{id}: every field optional; unknown and read-only fields are ignored. */
export const ContactPatchSchema = z.object(contactShape).partial();
/** A partial update of a contact, validated: a `null` custom field removes it, `customFields: null` clears them. */
export type ContactPatch = z.output<typeof ContactPatchSchema>;

/** POST /v1/contacts: a name and one way to reach the person. */
export const ContactCreateSchema = ContactPatchSchema.superRefine((contact, context) => {
  if (!contact.firstName && !contact.lastName) {
    context.addIssue({ code: 'custom', path: ['lastName'], message: 'firstName or lastName is required' });
  }
  if ((contact.emailAddresses ?? []).length === 0 && (contact.phoneNumbers ?? []).length === 0) {
    context.addIssue({
      code: 'custom',
      path: ['emailAddresses'],
      message: 'at least one email address or phone number is required',
    });
  }
});

export const NoteCreateSchema = z.object({
  type: oneOf(LOOP_NOTE_TYPES).default('note'),
  subject: text(200).nullish(),
  body: text(10_000).min(1, 'is required'),
  occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date and time' }).optional(),
  externalReference: text(100).min(1, 'must not be empty').optional(),
});

const WebhookEventsSchema = z
  .array(oneOf(LOOP_WEBHOOK_EVENTS))
  .min(1, 'at least one event is required')
  .transform((events) => [...new Set(events)]);

export const WebhookCreateSchema = z.object({
  url: WebhookUrlSchema,
  events: WebhookEventsSchema,
  description: z.string().max(200, 'must be at most 200 characters').default(''),
});

export const WebhookUpdateSchema = z
  .object({
    url: WebhookUrlSchema,
    events: WebhookEventsSchema,
    description: z.string().max(200, 'must be at most 200 characters'),
    active: z.boolean(),
  })
  .partial();

/* The `/_sim` control inputs (the simulator's own, not Loop's API). */

export const ControlAppointmentSchema = z.object({
  contactId: z.string().min(1),
  type: z.enum(LOOP_APPOINTMENT_TYPES).optional(),
  status: z.enum(LOOP_APPOINTMENT_STATUSES).optional(),
  start: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
});
export const ControlAppointmentUpdateSchema = z.object({ status: z.enum(LOOP_APPOINTMENT_STATUSES) });
export const ControlOfferSchema = z.object({
  contactId: z.string().min(1),
  /** `sale` for a buying applicant, `let` for a renting one (default: the contact's first profile). */
  type: z.enum(['sale', 'let']).optional(),
  amount: z.number().positive().optional(),
  status: z.enum(LOOP_OFFER_STATUSES).optional(),
});
export const ControlOfferUpdateSchema = z.object({
  status: z.enum(LOOP_OFFER_STATUSES).optional(),
  amount: z.number().positive().optional(),
});
