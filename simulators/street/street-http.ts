import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { BadRequestError, type ErrorDetails } from '../toolkit/define-simulator.ts';
import { EMAIL_PATTERN as EMAIL } from '../toolkit/body-schemas.ts';
import { isoInstant } from '../toolkit/http-inputs.ts';
import { QueryReader } from '../toolkit/query-reader.ts';
import { pageOfView, viewSize, type ResultView } from '../toolkit/timed-collection.ts';
import {
  STREET_API_BASE_PATH,
  STREET_DEFAULT_PAGE_SIZE,
  STREET_MAX_PAGE_SIZE,
  STREET_MEDIA_TYPE,
  STREET_WEBHOOK_EVENTS,
} from './street-constants.ts';
import type { JsonObject } from './street-person.model.ts';

/** A request problem the handlers throw; the toolkit answers it through {@link sendError}. */
export function jsonApiError(status: number, detail: string, details: ErrorDetails = {}): BadRequestError {
  return new BadRequestError(detail, { status, details });
}

/** Writes a JSON:API document with Street's media type. */
export function sendDocument(response: Response, status: number, document: JsonObject): void {
  response
    .status(status)
    .type(STREET_MEDIA_TYPE)
    .send(JSON.stringify({ jsonapi: { version: '1.0' }, ...document }));
}

/**
 * A JSON:API error document: one error object per problem, `source` naming the query parameter
 * or pointing into the request document.
 */
export function sendError(
  response: Response,
  status: number,
  detail?: string,
  details: ErrorDetails = {},
): void {
  const problems = details.problems ?? [
    { ...(detail === undefined ? {} : { detail }), ...pointerOf(details) },
  ];
  sendDocument(response, status, {
    errors: problems.map((problem) => ({
      status: String(status),
      title: STATUS_CODES[status] ?? 'Error',
      ...(problem.detail === undefined ? {} : { detail: problem.detail }),
      ...(details.code === undefined ? {} : { code: details.code }),
      ...(details.parameter !== undefined
        ? { source: { parameter: details.parameter } }
        : problem.pointer !== undefined
          ? { source: { pointer: problem.pointer } }
          : {}),
    })),
  });
}

const pointerOf = (details: ErrorDetails) =>
  details.pointer === undefined ? {} : { pointer: details.pointer };

/** The absolute API base for links, e.g. `http://127.0.0.1:4102/open-api/v1`. */
export function apiBase(request: Request): string {
  return `${request.protocol}://${request.get('host') ?? 'localhost'}${STREET_API_BASE_PATH}`;
}

/**
 * Query parameters as Street reads them: bracketed names (`filter[updated_from]`, `page[size]`),
 * case-sensitive; ISO-8601 instants with a zone (a date alone means midnight UTC).
 */
export class StreetQuery extends QueryReader {
  readonly #names: string[];

  constructor(request: Request) {
    super(request.query, {
      booleansInAnyCase: true,
      splitCommas: true,
      instant: {
        parse: (raw) => isoInstant(raw),
        mustBe: 'must be an ISO-8601 date-time with a time zone, e.g. 2024-05-01T09:30:00Z.',
      },
    });
    this.#names = Object.keys(request.query as object);
  }

  override instant(name: string): number | undefined {
    try {
      return super.instant(name);
    } catch (error) {
      // An unencoded `+01:00` arrives as a space: say so, it is the usual cause.
      if (!/ \d{2}:?\d{2}$/.test(this.string(name) ?? '')) throw error;
      const message = (error as Error).message.replace(/\.$/, '');
      throw jsonApiError(400, `${message} (a "+" in the query string must be encoded as %2B).`, {
        parameter: name,
      });
    }
  }

  /** Refuses `filter[...]` names an endpoint does not know (JSON:API servers answer 400). */
  allowFilters(allowed: readonly string[]): void {
    for (const name of this.#names) {
      const filter = /^filter\[(.+)\]$/.exec(name)?.[1];
      if (filter !== undefined && !allowed.includes(filter))
        throw jsonApiError(
          400,
          `Filter parameter "${filter}" is not allowed. Allowed filters: ${allowed.join(', ')}.`,
          {
            parameter: name,
          },
        );
    }
  }

  /** `include=` values, each checked against what the endpoint can side-load. */
  include(allowed: readonly string[]): Set<string> {
    const values = this.list('include') ?? [];
    const unknown = values.find((value) => !allowed.includes(value));
    if (unknown !== undefined)
      throw jsonApiError(
        400,
        `Include path "${unknown}" is not allowed. Allowed: ${allowed.join(', ') || 'none'}.`,
        {
          parameter: 'include',
        },
      );
    return new Set(values);
  }

  /** `sort=updated_at` / `-created_at` (JSON:API sort syntax; one field). */
  sort<F extends string>(allowed: readonly F[], fallback: F): { field: F; descending: boolean } {
    const raw = this.string('sort');
    if (raw === undefined) return { field: fallback, descending: false };
    const descending = raw.startsWith('-');
    const field = allowed.find((candidate) => candidate === (descending ? raw.slice(1) : raw));
    if (field === undefined || raw.includes(','))
      throw jsonApiError(
        400,
        `Sort parameter "${raw}" is not allowed. Allowed: ${allowed.join(', ')} (prefix with - for descending).`,
        { parameter: 'sort' },
      );
    return { field, descending };
  }

  /** `page[number]` from 1; `page[size]` from 1, capped at 100 (larger values are reduced, not refused). */
  page(): { number: number; size: number } {
    return {
      number: this.int('page[number]', { min: 1, fallback: 1 }),
      size: Math.min(
        STREET_MAX_PAGE_SIZE,
        this.int('page[size]', { min: 1, fallback: STREET_DEFAULT_PAGE_SIZE }),
      ),
    };
  }
}

/**
 * Answers one page of a list: `data`, `included`, `links{self, first, prev?, next?, last}` (absolute,
 * keeping the request's filters) and `meta.pagination{total, count, per_page, current_page, total_pages}`.
 */
export function sendPage<T>(
  response: Response,
  request: Request,
  view: ResultView<T>,
  page: { number: number; size: number },
  render: (item: T) => JsonObject,
  included?: (items: readonly T[]) => JsonObject[],
): void {
  const items = pageOfView(view, page.number, page.size);
  const total = viewSize(view);
  const totalPages = Math.max(1, Math.ceil(total / page.size));
  const link = (pageNumber: number) => {
    const url = new URL(request.originalUrl, `${request.protocol}://${request.get('host') ?? 'localhost'}`);
    url.searchParams.set('page[number]', String(pageNumber));
    url.searchParams.set('page[size]', String(page.size));
    return url.toString();
  };
  sendDocument(response, 200, {
    data: items.map(render),
    ...(included === undefined ? {} : { included: included(items) }),
    links: {
      self: link(page.number),
      first: link(1),
      ...(page.number > 1 ? { prev: link(Math.min(page.number - 1, totalPages)) } : {}),
      ...(page.number < totalPages ? { next: link(page.number + 1) } : {}),
      last: link(totalPages),
    },
    meta: {
      pagination: {
        total,
        count: items.length,
        per_page: page.size,
        current_page: page.number,
        total_pages: totalPages,
      },
    },
  });
}

export function viewOf<T>(items: readonly T[]): ResultView<T> {
  return { items, start: 0, end: items.length, descending: false };
}

/** The JSON:API top level of a write: `{data: {type, id?, attributes, relationships?, meta?}}`; anything else is a 400. */
export function resourceOf(
  body: unknown,
  type: string,
  id?: string,
): { attributes: JsonObject; relationships: JsonObject; meta: JsonObject } {
  const data = (body as { data?: unknown } | null | undefined)?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw jsonApiError(400, 'The request document must have a "data" member holding one resource object.', {
      pointer: '/data',
    });
  }
  const resource = data as JsonObject;
  if (typeof resource.type !== 'string')
    throw jsonApiError(400, 'The resource object must have a "type".', { pointer: '/data/type' });
  // JSON:API: a type or id that does not match the endpoint is a 409 Conflict.
  if (resource.type !== type)
    throw jsonApiError(409, `Resource type "${resource.type}" does not match this endpoint ("${type}").`, {
      pointer: '/data/type',
    });
  if (id !== undefined) {
    if (typeof resource.id !== 'string')
      throw jsonApiError(400, 'The resource object must have an "id".', { pointer: '/data/id' });
    if (resource.id.toLowerCase() !== id.toLowerCase()) {
      throw jsonApiError(409, `Resource id "${resource.id}" does not match the URL ("${id}").`, {
        pointer: '/data/id',
      });
    }
  }
  const objectOr = (value: unknown, pointer: string): JsonObject => {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw jsonApiError(400, `${pointer} must be an object.`, { pointer });
    return value as JsonObject;
  };
  return {
    attributes: objectOr(resource.attributes, '/data/attributes'),
    relationships: objectOr(resource.relationships, '/data/relationships'),
    meta: objectOr(resource.meta, '/data/meta'),
  };
}

const INTERNATIONAL_PHONE = /^\+[1-9]\d{7,14}$/;

const contactValues = (what: 'email address' | 'telephone number', pattern: RegExp, example: string) =>
  z
    .array(
      z.object({
        value: z
          .string()
          .trim()
          .regex(
            pattern,
            `The ${what} must be valid${what === 'telephone number' ? ` and in full international format, e.g. ${example}` : ''}.`,
          ),
        notes: z.string().max(255).nullable().optional(),
        primary: z.boolean().optional(),
      }),
    )
    .max(10, `At most 10 ${what}es may be given.`)
    .transform((entries) => {
      // Exactly one primary: the first flagged one, or the first entry.
      const primaryAt = Math.max(
        0,
        entries.findIndex((entry) => entry.primary === true),
      );
      return entries.map((entry, i) => ({
        value: entry.value,
        notes: entry.notes ?? null,
        primary: entries.length > 0 && i === primaryAt,
      }));
    });

const nullableText = (label: string, max: number) =>
  z.string().trim().max(max, `The ${label} may not be greater than ${max} characters.`).nullable();
/** A string that must not be blank, in Laravel's validation messages. */
const requiredText = (label: string, max: number) =>
  z
    .string({ message: `The ${label} must be a string.` })
    .trim()
    .min(1, `The ${label} field is required.`)
    .max(max, `The ${label} may not be greater than ${max} characters.`);

/**
 * `PATCH /people/{id}` attributes. JSON:API: attributes left out keep their current values, so
 * every field is optional; a name that is sent may not be blank.
 */
export const PersonAttributesSchema = z.object({
  title: nullableText('title', 20).optional(),
  first_name: requiredText('first name', 100).optional(),
  last_name: requiredText('last name', 100).optional(),
  marketing_consent: z
    .boolean({ message: 'The marketing consent field must be true, false or null.' })
    .nullable()
    .optional(),
  contact_preferences: z
    .object(
      { email: z.boolean(), post: z.boolean(), text: z.boolean(), phone: z.boolean() },
      { message: 'The contact preferences must be an object of booleans.' },
    )
    .partial()
    .optional(),
  email_addresses: contactValues('email address', EMAIL, 'jane@example.com').optional(),
  telephone_numbers: contactValues('telephone number', INTERNATIONAL_PHONE, '+441614960137').optional(),
  address: z
    .object({
      building_number: nullableText('building number', 20),
      building_name: nullableText('building name', 100),
      street: nullableText('street', 100),
      line_1: nullableText('line 1', 150),
      line_2: nullableText('line 2', 100),
      line_3: nullableText('line 3', 100),
      line_4: nullableText('line 4', 100),
      town: nullableText('town', 100),
      postcode: nullableText('postcode', 10),
      country: z.string().trim().max(100),
    })
    .partial()
    .nullable()
    .optional(),
});
/** `POST /notes` attributes: a body, optionally pinned. */
export const NoteAttributesSchema = z.object({
  body: z
    .string({ message: 'The body field is required.' })
    .trim()
    .min(1, 'The body field is required.')
    .max(65_535, 'The body may not be greater than 65535 characters.'),
  pinned: z.boolean({ message: 'The pinned field must be true or false.' }).optional(),
  author: z.string().nullable().optional(),
});

/** `PATCH /notes/{id}`: the body and/or the pin (attributes left out keep their values). */
export const NotePatchSchema = NoteAttributesSchema.partial();

/** `POST /webhooks` attributes (Street's subscription API is not public: a conventional shape). */
export const WebhookAttributesSchema = z.object({
  url: z
    .string({ message: 'The url field is required.' })
    .url('The url must be a valid URL.')
    .refine((value) => /^https?:\/\//i.test(value), 'The url must be an http(s) URL.'),
  events: z
    .array(
      z.enum(STREET_WEBHOOK_EVENTS, {
        message: `Unknown webhook event (known: ${STREET_WEBHOOK_EVENTS.join(', ')}).`,
      }),
      { message: 'The events field is required.' },
    )
    .min(1, 'At least one event is required.'),
  description: z.string().max(255).default(''),
  enabled: z.boolean().default(true),
});

/** Parses write attributes; each zod issue becomes a 422 error pointing at `/data/attributes/...`. */
export function parseAttributes<S extends z.ZodType>(schema: S, attributes: JsonObject): z.infer<S> {
  const parsed = schema.safeParse(attributes);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    detail: issue.message,
    pointer: `/${['data', 'attributes', ...issue.path.map(String)].join('/')}`,
  }));
  throw jsonApiError(422, problems[0]?.detail ?? 'The document is invalid.', { problems });
}
