import type { Request, Response } from 'express';
import { z } from 'zod';
import { pageOfView, viewSize, type ResultView } from '../toolkit/timed-collection.ts';
import {
  STREET_API_BASE_PATH,
  STREET_DEFAULT_PAGE_SIZE,
  STREET_MAX_PAGE_SIZE,
  STREET_MEDIA_TYPE,
  STREET_WEBHOOK_EVENTS,
} from './street-constants.ts';
import type { JsonObject } from './street-person.model.ts';

/** A JSON:API error object. */
export interface JsonApiErrorObject {
  status: string;
  code?: string;
  title: string;
  detail?: string;
  source?: { pointer?: string; parameter?: string };
}

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A request problem the handlers throw; the error handler answers it as a JSON:API error document. */
export class JsonApiError extends Error {
  override name = 'JsonApiError';
  readonly status: number;
  readonly errors: JsonApiErrorObject[];

  constructor(
    status: number,
    detail: string,
    extra: Omit<JsonApiErrorObject, 'status' | 'title' | 'detail'> = {},
  ) {
    super(detail);
    this.status = status;
    this.errors = [{ status: String(status), title: STATUS_TITLES[status] ?? 'Error', detail, ...extra }];
  }

  static many(status: number, errors: JsonApiErrorObject[]): JsonApiError {
    const error = new JsonApiError(status, errors[0]?.detail ?? STATUS_TITLES[status] ?? 'Error');
    error.errors.splice(0, error.errors.length, ...errors);
    return error;
  }
}

const JSONAPI = { version: '1.0' };

/** Writes a JSON:API document with Street's media type. */
export function sendDocument(response: Response, status: number, document: JsonObject): void {
  response
    .status(status)
    .type(STREET_MEDIA_TYPE)
    .send(JSON.stringify({ jsonapi: JSONAPI, ...document }));
}

export function sendError(
  response: Response,
  status: number,
  detail?: string,
  extra: Omit<JsonApiErrorObject, 'status' | 'title' | 'detail'> = {},
): void {
  const error: JsonApiErrorObject = {
    status: String(status),
    title: STATUS_TITLES[status] ?? 'Error',
    ...(detail === undefined ? {} : { detail }),
    ...extra,
  };
  sendDocument(response, status, { errors: [error] });
}

/** The absolute API base for links, e.g. `http://127.0.0.1:4102/open-api/v1`. */
export function apiBase(request: Request): string {
  return `${request.protocol}://${request.get('host') ?? 'localhost'}${STREET_API_BASE_PATH}`;
}

// ISO-8601 date, or date-time with seconds optional, fraction optional and a zone designator.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Query parameters as Street reads them: bracketed names (`filter[updated_from]`, `page[size]`),
 * read from the raw query string so nothing depends on a parser's bracket handling.
 */
export class StreetQuery {
  readonly #values = new Map<string, string[]>();

  constructor(request: Request) {
    const at = request.originalUrl.indexOf('?');
    if (at < 0) return;
    for (const [name, value] of new URLSearchParams(request.originalUrl.slice(at + 1))) {
      this.#values.set(name, [...(this.#values.get(name) ?? []), value]);
    }
  }

  names(): string[] {
    return [...this.#values.keys()];
  }

  string(name: string): string | undefined {
    const value = this.#values.get(name)?.[0];
    return value === undefined || value === '' ? undefined : value;
  }

  /** Comma-separated lists (`include=a,b`, `filter[status]=x,y`), repeated names merged. */
  list(name: string): string[] | undefined {
    const values = (this.#values.get(name) ?? [])
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter((value) => value !== '');
    return values.length === 0 ? undefined : values;
  }

  /** Refuses `filter[...]` names an endpoint does not know (JSON:API servers answer 400). */
  allowFilters(allowed: readonly string[]): void {
    for (const name of this.names()) {
      const match = /^filter\[(.+)\]$/.exec(name);
      if (match !== null && !allowed.includes(match[1] as string)) {
        throw new JsonApiError(
          400,
          `Filter parameter "${match[1]}" is not allowed. Allowed filters: ${allowed.join(', ')}.`,
          { source: { parameter: name } },
        );
      }
    }
  }

  /** An ISO-8601 instant (ms); a date alone means midnight UTC. */
  instant(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const ms = ISO_DATE_TIME.test(raw)
      ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw)
      : Number.NaN;
    if (Number.isNaN(ms)) {
      // An unencoded `+01:00` arrives as a space: say so, it is the usual cause.
      const hint = / \d{2}:?\d{2}$/.test(raw) ? ' (a "+" in the query string must be encoded as %2B)' : '';
      throw new JsonApiError(
        400,
        `${name} must be an ISO-8601 date-time with a time zone, e.g. 2024-05-01T09:30:00Z${hint}.`,
        { source: { parameter: name } },
      );
    }
    return ms;
  }

  /** `include=` values, each checked against what the endpoint can side-load. */
  include(allowed: readonly string[]): Set<string> {
    const values = this.list('include') ?? [];
    for (const value of values) {
      if (!allowed.includes(value)) {
        throw new JsonApiError(
          400,
          `Include path "${value}" is not allowed. Allowed: ${allowed.join(', ') || 'none'}.`,
          { source: { parameter: 'include' } },
        );
      }
    }
    return new Set(values);
  }

  /** `sort=updated_at` / `-created_at` (JSON:API sort syntax; one field). */
  sort<F extends string>(allowed: readonly F[], fallback: F): { field: F; descending: boolean } {
    const raw = this.string('sort');
    if (raw === undefined) return { field: fallback, descending: false };
    const descending = raw.startsWith('-');
    const name = descending ? raw.slice(1) : raw;
    const field = allowed.find((candidate) => candidate === name);
    if (field === undefined || raw.includes(',')) {
      throw new JsonApiError(
        400,
        `Sort parameter "${raw}" is not allowed. Allowed: ${allowed.join(', ')} (prefix with - for descending).`,
        { source: { parameter: 'sort' } },
      );
    }
    return { field, descending };
  }

  /** `page[number]` from 1; `page[size]` from 1, capped at 100 (larger values are reduced, not refused). */
  page(): { number: number; size: number } {
    const read = (name: string, fallback: number): number => {
      const raw = this.string(name);
      if (raw === undefined) return fallback;
      if (!/^\d+$/.test(raw) || Number(raw) < 1)
        throw new JsonApiError(400, `${name} must be a whole number of at least 1.`, {
          source: { parameter: name },
        });
      return Number(raw);
    };
    return {
      number: read('page[number]', 1),
      size: Math.min(STREET_MAX_PAGE_SIZE, read('page[size]', STREET_DEFAULT_PAGE_SIZE)),
    };
  }
}

function pageLink(request: Request, pageNumber: number, pageSize: number): string {
  const url = new URL(request.originalUrl, `${request.protocol}://${request.get('host') ?? 'localhost'}`);
  url.searchParams.set('page[number]', String(pageNumber));
  url.searchParams.set('page[size]', String(pageSize));
  return url.toString();
}

/**
 * Answers one page of a list: `data`, `included`, `links{self, first, prev?, next?, last}` and
 * `meta.pagination{total, count, per_page, current_page, total_pages}`.
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
  const links: Record<string, string> = {
    self: pageLink(request, page.number, page.size),
    first: pageLink(request, 1, page.size),
  };
  if (page.number > 1) links.prev = pageLink(request, Math.min(page.number - 1, totalPages), page.size);
  if (page.number < totalPages) links.next = pageLink(request, page.number + 1, page.size);
  links.last = pageLink(request, totalPages, page.size);
  const document: JsonObject = { data: items.map(render) };
  if (included !== undefined) document.included = included(items);
  document.links = links;
  document.meta = {
    pagination: {
      total,
      count: items.length,
      per_page: page.size,
      current_page: page.number,
      total_pages: totalPages,
    },
  };
  sendDocument(response, 200, document);
}

export function viewOf<T>(items: readonly T[]): ResultView<T> {
  return { items, start: 0, end: items.length, descending: false };
}

/** zod issues as JSON:API 422 errors pointing into the document. */
export function validationError(error: z.ZodError): JsonApiError {
  return JsonApiError.many(
    422,
    error.issues.map((issue) => ({
      status: '422',
      title: 'Unprocessable Entity',
      detail: issue.message,
      source: { pointer: `/${issue.path.map(String).join('/')}` },
    })),
  );
}

/** The JSON:API top level of a write: `{data: {type, id?, attributes, relationships?, meta?}}`; anything else is a 400. */
export function resourceOf(
  body: unknown,
  type: string,
  id?: string,
): { attributes: JsonObject; relationships: JsonObject; meta: JsonObject } {
  const data = (body as { data?: unknown } | null | undefined)?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new JsonApiError(
      400,
      'The request document must have a "data" member holding one resource object.',
      { source: { pointer: '/data' } },
    );
  }
  const resource = data as JsonObject;
  if (typeof resource.type !== 'string')
    throw new JsonApiError(400, 'The resource object must have a "type".', {
      source: { pointer: '/data/type' },
    });
  // JSON:API: a type or id that does not match the endpoint is a 409 Conflict.
  if (resource.type !== type)
    throw new JsonApiError(
      409,
      `Resource type "${resource.type}" does not match this endpoint ("${type}").`,
      { source: { pointer: '/data/type' } },
    );
  if (id !== undefined) {
    if (typeof resource.id !== 'string')
      throw new JsonApiError(400, 'The resource object must have an "id".', {
        source: { pointer: '/data/id' },
      });
    if (resource.id.toLowerCase() !== id.toLowerCase()) {
      throw new JsonApiError(409, `Resource id "${resource.id}" does not match the URL ("${id}").`, {
        source: { pointer: '/data/id' },
      });
    }
  }
  const objectOr = (value: unknown, pointer: string): JsonObject => {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new JsonApiError(400, `${pointer} must be an object.`, { source: { pointer } });
    return value as JsonObject;
  };
  return {
    attributes: objectOr(resource.attributes, '/data/attributes'),
    relationships: objectOr(resource.relationships, '/data/relationships'),
    meta: objectOr(resource.meta, '/data/meta'),
  };
}

const INTERNATIONAL_PHONE = /^\+[1-9]\d{7,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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

/**
 * `PATCH /people/{id}` attributes. JSON:API: attributes left out keep their current values, so
 * every field is optional; a name that is sent may not be blank.
 */
export const PersonAttributesSchema = z.object({
  title: nullableText('title', 20).optional(),
  first_name: z
    .string({ message: 'The first name must be a string.' })
    .trim()
    .min(1, 'The first name field is required.')
    .max(100, 'The first name may not be greater than 100 characters.')
    .optional(),
  last_name: z
    .string({ message: 'The last name must be a string.' })
    .trim()
    .min(1, 'The last name field is required.')
    .max(100, 'The last name may not be greater than 100 characters.')
    .optional(),
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

const webhookFields = {
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
  description: z.string().max(255),
  enabled: z.boolean(),
};

/** `POST /webhooks` attributes (Street's subscription API is not public: a conventional shape). */
export const WebhookAttributesSchema = z.object({
  ...webhookFields,
  description: webhookFields.description.default(''),
  enabled: webhookFields.enabled.default(true),
});

/** `PATCH /webhooks/{id}`: any of the fields, none defaulted. */
export const WebhookPatchSchema = z.object(webhookFields).partial();

/** Prefixes zod paths so 422 pointers land on `/data/attributes/...`. */
export function parseAttributes<S extends z.ZodType>(schema: S, attributes: JsonObject): z.infer<S> {
  const parsed = schema.safeParse(attributes);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issue.path.unshift('data', 'attributes');
    throw validationError(parsed.error);
  }
  return parsed.data;
}
