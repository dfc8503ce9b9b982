import { z } from 'zod';
import { CanonicalActivitySchema, type CanonicalActivity } from '../../../shared/activity.ts';
import {
  CanonicalContactSchema,
  E164Schema,
  type Address,
  type CanonicalContact,
} from '../../../shared/contact.ts';

/**
 * What Propsync stores of a CRM's text, in characters (Unicode code points). Longer values are cut
 * at the limit, except emails and identifiers, which mean nothing cut: an email over its limit is
 * dropped, a record whose id is over its limit is rejected.
 */
export const INBOUND_TEXT_LIMITS = {
  /** Title, first and last name (and town): longer than any real name. */
  name: 200,
  /** RFC 5321's longest address path. */
  email: 320,
  phone: 50,
  addressLine: 200,
  postcode: 20,
  countryCode: 10,
  /** UPRN, UDPRN. */
  reference: 64,
  /** A CRM's id of a record, an activity, a delivery; a concurrency token (ETag). */
  identifier: 256,
  /** An event type name of a webhook. */
  label: 100,
  /** A key inside an activity's details. */
  detailKey: 200,
  /** Notes, bodies, subjects, property interest: any free text. */
  freeText: 10_000,
} as const;

/** Nesting kept of an activity's details; anything deeper is dropped. */
const MAX_DETAIL_DEPTH = 6;
/** Items kept of one array in an activity's details. */
const MAX_DETAIL_ITEMS = 200;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** C0 and C1 control characters, and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** Controls that separate words: they become a space on a single line. */
const SPACING_CONTROL = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_TAB_NEWLINE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const EmailSchema = z.string().email();

/**
 * One line of text as Propsync stores it: broken UTF-16 (lone surrogates) becomes U+FFFD, line
 * breaks and tabs become spaces, other control characters (NUL included, which PostgreSQL cannot
 * store) are removed; then NFC, trimmed, and cut at `limit` characters.
 */
export function cleanLine(value: string, limit: number): string {
  const text = value.toWellFormed().replace(SPACING_CONTROL, ' ').replace(CONTROL_EXCEPT_TAB_NEWLINE, '');
  return cap(text.normalize('NFC').trim(), limit);
}

/** Free text that may span lines (notes): as `cleanLine`, but tabs and newlines stay (CRLF and CR become LF). */
export function cleanText(value: string, limit: number): string {
  const text = value
    .toWellFormed()
    .replace(/\r\n?|\u0085|\u2028|\u2029/g, '\n')
    .replace(/[\v\f]/g, ' ')
    .replace(CONTROL_EXCEPT_TAB_NEWLINE, '');
  return cap(text.normalize('NFC').trim(), limit);
}

/** Whether PostgreSQL text and jsonb can hold the string exactly (no NUL, no lone surrogate). */
export function isStorable(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/**
 * Why an identifier cannot be used as it is, or null when it can. Identifiers are never altered:
 * a changed id would be another record (or the same one as a different record).
 */
export function identifierProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'is missing';
  if (LONE_SURROGATE.test(value)) return 'holds broken Unicode (a lone surrogate)';
  if (CONTROL.test(value)) return 'holds control characters';
  if (codePoints(value) > INBOUND_TEXT_LIMITS.identifier)
    return `is longer than ${INBOUND_TEXT_LIMITS.identifier} characters`;
  return null;
}

/**
 * An identifier as it may be recorded in the sync log when it cannot be used: control characters
 * and lone surrogates spelled out as `\uXXXX`, cut at the identifier limit. Never used to match.
 */
export function recordableId(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const spelled = value.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
  return cap(spelled, INBOUND_TEXT_LIMITS.identifier);
}

export type Sanitised<T> =
  | { ok: true; value: T; /** Canonical fields whose text was changed or dropped. */ changed: string[] }
  | { ok: false; externalId: string | null; reason: string };

/**
 * A canonical contact as an adapter produced it → one Propsync can store, or the reason it cannot
 * be one. The reason names fields, never their values (they may be personal data).
 */
export function sanitiseContact(input: CanonicalContact): Sanitised<CanonicalContact> {
  const raw = input as unknown as Record<string, unknown> | null;
  const provenance = (raw && typeof raw === 'object' ? raw.provenance : null) as
    Record<string, unknown> | null | undefined;
  const externalId = provenance && typeof provenance === 'object' ? provenance.externalId : undefined;
  const idProblem = identifierProblem(externalId);
  if (idProblem) {
    return {
      ok: false,
      externalId: recordableId(externalId),
      reason: `The record's id ${idProblem}: Propsync cannot store the record`,
    };
  }
  const changed: string[] = [];
  const line = (field: string, value: unknown, limit: number): unknown => {
    if (typeof value !== 'string') return value;
    const cleaned = cleanLine(value, limit);
    const result = cleaned.length === 0 ? null : cleaned;
    if (result !== value) changed.push(field);
    return result;
  };
  const kept = <T>(field: string, values: unknown, keep: (value: string) => T | null): unknown => {
    if (!Array.isArray(values)) return values;
    const result = values.flatMap((value) => {
      const cleaned = typeof value === 'string' ? keep(value) : null;
      return cleaned === null ? [] : [cleaned];
    });
    if (result.length !== values.length || result.some((value, index) => value !== values[index]))
      changed.push(field);
    return result;
  };
  const contact = input as CanonicalContact;
  const address = contact.address as Partial<Address> | null | undefined;
  const candidate = {
    ...contact,
    title: line('title', contact.title, INBOUND_TEXT_LIMITS.name),
    firstName: line('firstName', contact.firstName, INBOUND_TEXT_LIMITS.name),
    lastName: line('lastName', contact.lastName, INBOUND_TEXT_LIMITS.name),
    // An email or phone number cut or stripped would be someone else's: one that is not storable
    // as it is, or no longer valid, is dropped (the rest of the record is kept).
    emails: kept('emails', contact.emails, (email) => {
      const cleaned = cleanLine(email, Number.MAX_SAFE_INTEGER);
      return codePoints(cleaned) <= INBOUND_TEXT_LIMITS.email && EmailSchema.safeParse(cleaned).success
        ? cleaned
        : null;
    }),
    phones: kept('phones', contact.phones, (phone) => {
      const cleaned = cleanLine(phone, Number.MAX_SAFE_INTEGER);
      return codePoints(cleaned) <= INBOUND_TEXT_LIMITS.phone && E164Schema.safeParse(cleaned).success
        ? cleaned
        : null;
    }),
    address:
      address && typeof address === 'object'
        ? {
            ...address,
            lines: Array.isArray(address.lines)
              ? (kept('address.lines', address.lines, (value) => {
                  const cleaned = cleanLine(value, INBOUND_TEXT_LIMITS.addressLine);
                  return cleaned.length === 0 ? null : cleaned;
                }) as string[])
              : address.lines,
            town: line('address.town', address.town, INBOUND_TEXT_LIMITS.name),
            postcode: line('address.postcode', address.postcode, INBOUND_TEXT_LIMITS.postcode),
            countryCode: line('address.countryCode', address.countryCode, INBOUND_TEXT_LIMITS.countryCode),
            uprn: line('address.uprn', address.uprn, INBOUND_TEXT_LIMITS.reference),
            udprn: line('address.udprn', address.udprn, INBOUND_TEXT_LIMITS.reference),
          }
        : contact.address,
    profile:
      contact.profile && typeof contact.profile === 'object'
        ? {
            ...contact.profile,
            propertyInterest: line(
              'profile.propertyInterest',
              contact.profile.propertyInterest,
              INBOUND_TEXT_LIMITS.freeText,
            ),
          }
        : contact.profile,
    provenance: { ...contact.provenance, etag: usableEtag(contact.provenance.etag, changed) },
  };
  // Over six address lines: the first six are kept (the schema's limit).
  if (candidate.address && Array.isArray(candidate.address.lines) && candidate.address.lines.length > 6) {
    candidate.address = { ...candidate.address, lines: candidate.address.lines.slice(0, 6) };
    changed.push('address.lines');
  }
  const parsed = CanonicalContactSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      ok: false,
      externalId: externalId as string,
      reason: `The record ${describeIssues(parsed.error)}`,
    };
  }
  // Anything the schema did not check (it only types them) must still be storable.
  const unstorable = unstorableStrings(parsed.data);
  if (unstorable.length > 0) {
    return {
      ok: false,
      externalId: externalId as string,
      reason: `The record holds characters Propsync cannot store in ${unstorable.slice(0, 5).join(', ')}`,
    };
  }
  return { ok: true, value: parsed.data, changed: [...new Set(changed)] };
}

/** A canonical activity → one Propsync can store (details cleaned as free text), or the reason it cannot be one. */
export function sanitiseActivity(input: CanonicalActivity): Sanitised<CanonicalActivity> {
  const raw = (input && typeof input === 'object' ? input : {}) as Partial<CanonicalActivity>;
  for (const field of ['externalId', 'contactExternalId'] as const) {
    const problem = identifierProblem(raw[field]);
    if (problem) {
      return {
        ok: false,
        externalId: recordableId(raw.contactExternalId),
        reason: `An activity's ${field === 'externalId' ? 'id' : 'contact id'} ${problem}: Propsync cannot store the activity`,
      };
    }
  }
  const changed: string[] = [];
  const details = cleanDetails(raw.details, 0, () => changed.push('details'));
  const parsed = CanonicalActivitySchema.safeParse({ ...raw, details });
  if (!parsed.success) {
    return {
      ok: false,
      externalId: raw.contactExternalId ?? null,
      reason: `An activity ${describeIssues(parsed.error)}`,
    };
  }
  const unstorable = unstorableStrings(parsed.data);
  if (unstorable.length > 0) {
    return {
      ok: false,
      externalId: raw.contactExternalId ?? null,
      reason: `An activity holds characters Propsync cannot store in ${unstorable.slice(0, 5).join(', ')}`,
    };
  }
  return { ok: true, value: parsed.data, changed: [...new Set(changed)] };
}

/** A concurrency token that is not usable as it is counts as none: write-back then re-reads the record. */
function usableEtag(etag: unknown, changed: string[]): unknown {
  if (typeof etag !== 'string' || identifierProblem(etag) === null) return etag;
  changed.push('provenance.etag');
  return null;
}

/** Free text of a reason or label from an adapter, made storable (single line). */
export function storableLine(value: unknown, limit: number, fallback: string): string {
  if (typeof value !== 'string') return fallback;
  const cleaned = cleanLine(value, limit);
  return cleaned.length === 0 ? fallback : cleaned;
}

function cleanDetails(value: unknown, depth: number, noteChange: () => void): unknown {
  if (typeof value === 'string') {
    const cleaned = cleanText(value, INBOUND_TEXT_LIMITS.freeText);
    if (cleaned !== value) noteChange();
    return cleaned;
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      noteChange();
      return null;
    }
    return value;
  }
  if (depth >= MAX_DETAIL_DEPTH) {
    noteChange();
    return null;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_DETAIL_ITEMS) noteChange();
    return value.slice(0, MAX_DETAIL_ITEMS).map((item) => cleanDetails(item, depth + 1, noteChange));
  }
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const cleanKey = cleanLine(key, INBOUND_TEXT_LIMITS.detailKey);
    if (cleanKey !== key) noteChange();
    if (cleanKey.length === 0) continue;
    result[cleanKey] = cleanDetails(inner, depth + 1, noteChange);
  }
  return result;
}

/**
 * The canonical fields (top level: nested keys can be CRM data) holding a string, value or key,
 * PostgreSQL could not store.
 */
function unstorableStrings(value: Record<string, unknown>): string[] {
  return Object.entries(value).flatMap(([field, inner]) => (holdsUnstorable(inner) ? [field] : []));
}

function holdsUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return !isStorable(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, inner]) => !isStorable(key) || holdsUnstorable(inner));
}

/** Zod issues as field names and rule messages: zod's messages name the rule, not the value. */
function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.') || 'value';
    return `${path}: ${issue.message}`;
  });
  return `cannot be stored: ${issues.join('; ')}`;
}

function codePoints(value: string): number {
  let count = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    count++;
  }
  return count;
}

/** The first `limit` code points (a surrogate pair is never split), trimmed again after the cut. */
function cap(value: string, limit: number): string {
  if (value.length <= limit) return value;
  let index = 0;
  let count = 0;
  while (index < value.length && count < limit) {
    const code = value.charCodeAt(index);
    const next = value.charCodeAt(index + 1);
    index += code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    count++;
  }
  return value.slice(0, index).trimEnd();
}
