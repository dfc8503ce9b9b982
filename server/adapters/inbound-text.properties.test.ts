import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_TYPES, CanonicalActivitySchema, type CanonicalActivity } from '../../shared/activity.ts';
import { CanonicalContactSchema, type CanonicalContact } from '../../shared/contact.ts';
import { toCanonicalContact as agentosToCanonical } from './agentos/agentos.mapper.ts';
import { AGENTOS_CONTACT_TYPES, AgentosContactSchema } from './agentos/agentos.schemas.ts';
import { createAgentosSimulator } from '../../simulators/agentos/agentos-simulator.ts';
import { toCanonicalContact as altoToCanonical } from './alto/alto.mapper.ts';
import { AltoContactListItemSchema, AltoContactSchema } from './alto/alto.schemas.ts';
import { createAltoSimulator } from '../../simulators/alto/alto-simulator.ts';
import { toCanonicalContact as customToCanonical } from './custom/custom.mapper.ts';
import { CustomContactSchema } from './custom/custom.schemas.ts';
import { createCustomSimulator } from '../../simulators/custom/custom-simulator.ts';
import { toCanonicalContact as loopToCanonical } from './loop/loop.mapper.ts';
import { LoopContactSchema } from './loop/loop.schemas.ts';
import { createLoopSimulator } from '../../simulators/loop/loop-simulator.ts';
import { toCanonicalContact as reapitToCanonical } from './reapit/reapit.mapper.ts';
import { ReapitContactSchema } from './reapit/reapit.schemas.ts';
import { createReapitSimulator } from '../../simulators/reapit/reapit-simulator.ts';
import { createStreetSimulator } from '../../simulators/street/street-simulator.ts';
import { toCanonicalContact as streetToCanonical } from './street/street.mapper.ts';
import { StreetPersonSchema } from './street/street.schemas.ts';
import { checkpointIdForStorage, checkpointIdFromStorage } from './adapter-kit/inbound-guard.ts';
import {
  INBOUND_TEXT_LIMITS,
  isStorable,
  sanitiseActivity,
  sanitiseContact,
  type Sanitised,
} from './adapter-kit/inbound-text.ts';

/**
 * Fuzzing the inbound boundary: every CRM's mapper is fed simulator records whose text fields hold
 * hostile strings (NUL, lone surrogates, C0/C1 controls, bidi and BOM characters, decomposed
 * accents, over-long values); whatever the mapper makes of them, the inbound guard's output is a
 * contact PostgreSQL can store within the documented limits — or the record is rejected with a
 * reason that does not repeat the hostile value.
 */

type Json = Record<string, unknown>;
type MapperUnderTest = {
  provider: string;
  samples: Json[];
  /** Raw record → canonical contact, or null where the adapter rejects it by its raw schema. */
  map: (record: Json) => CanonicalContact | null;
};

const mappers: MapperUnderTest[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(() => {
  const reapit = createReapitSimulator({ seed: 5, contactCount: 20 });
  const agentos = createAgentosSimulator({ seed: 5, contactCount: 20 });
  const alto = createAltoSimulator({ seed: 5, contactCount: 20 });
  const street = createStreetSimulator({ seed: 5, contactCount: 20 });
  const loop = createLoopSimulator({ seed: 5, contactCount: 20 });
  const custom = createCustomSimulator({ seed: 5, contactCount: 20 });
  closers.push(reapit.close, agentos.close, alto.close, street.close, loop.close, custom.close);
  const through =
    <T>(
      schema: { safeParse: (value: unknown) => { success: boolean; data?: T } },
      map: (value: T) => CanonicalContact,
    ) =>
    (record: Json) => {
      const parsed = schema.safeParse(record);
      return parsed.success ? map(parsed.data as T) : null;
    };
  mappers.push(
    {
      provider: 'reapit',
      samples: reapit.contactIds().map((id) => reapit.getContact(id) as Json),
      map: through(ReapitContactSchema, reapitToCanonical),
    },
    {
      provider: 'agentos',
      samples: agentos.listableContactIds().map((id) => agentos.getContact(id) as Json),
      map: through(AgentosContactSchema, (contact) =>
        agentosToCanonical(
          contact,
          (AGENTOS_CONTACT_TYPES as readonly unknown[]).includes(contact.ContactType)
            ? (contact.ContactType as never)
            : 'Tenant',
        ),
      ),
    },
    {
      provider: 'alto',
      // The adapter maps a listing item together with the contact it fetched for it.
      samples: alto
        .contactIds()
        .map((id) => ({ listItem: alto.getListItem(id), contact: alto.getContact(id) })),
      map: (record) => {
        const listItem = AltoContactListItemSchema.safeParse(record.listItem);
        const contact = AltoContactSchema.safeParse(record.contact);
        if (!listItem.success || !contact.success) return null;
        return altoToCanonical({ listItem: listItem.data, contact: contact.data, preferences: null });
      },
    },
    {
      provider: 'street',
      samples: street.contactIds().map((id) => street.getPerson(id) as Json),
      map: through(StreetPersonSchema, (person) => streetToCanonical(person)),
    },
    {
      provider: 'loop',
      samples: loop.contactIds().map((id) => loop.getContact(id) as Json),
      map: through(LoopContactSchema, loopToCanonical),
    },
    {
      provider: 'custom',
      samples: custom.contactIds().map((id) => custom.getContact(id) as Json),
      map: through(CustomContactSchema, customToCanonical),
    },
  );
});
afterAll(async () => {
  for (const close of closers) await close();
});

/** Characters a web enquiry form, a broken export or an attacker can get into a CRM field. */
const hostileCharacter = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\uDBFF', '\uDC00') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '\u202E',
      '\u200B',
      '\uFEFF',
      '\u2028',
      '\u2029',
      'e\u0301',
      '\uFFFD',
      '🏠',
      '\r\n',
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: hostileCharacter, minLength: 1, maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'é', '\u0000', '🏠'), fc.integer({ min: 150, max: 12_000 }))
      .map(([unit, times]) => unit.repeat(times)),
  },
);

/** Paths of the string values of a record (objects and arrays, any depth). */
function stringPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => stringPaths(inner, [...path, key]));
}

/** A sample whose chosen text fields got a hostile string: replaced, prefixed, suffixed or inserted. */
function poisoned(sample: Json): fc.Arbitrary<{ record: Json; injected: string[] }> {
  const paths = stringPaths(sample);
  return fc
    .array(
      fc.tuple(
        fc.constantFrom(...paths),
        hostileString,
        fc.constantFrom('replace', 'prefix', 'suffix', 'middle'),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      const record = structuredClone(sample);
      for (const [path, hostile, how] of edits) {
        let target = record as Json;
        for (const step of path.slice(0, -1)) target = target[step] as Json;
        const key = path.at(-1)!;
        const current = String(target[key]);
        const middle = Math.floor(current.length / 2);
        target[key] =
          how === 'replace'
            ? hostile
            : how === 'prefix'
              ? hostile + current
              : how === 'suffix'
                ? current + hostile
                : current.slice(0, middle) + hostile + current.slice(middle);
      }
      return { record, injected: edits.map(([, hostile]) => hostile) };
    });
}

function codePoints(value: string): number {
  return [...value].length;
}

/** Every string of a value (and every key) PostgreSQL could not store. */
function unstorable(value: unknown): string[] {
  if (typeof value === 'string') return isStorable(value) ? [] : [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(isStorable(key) ? [] : [key]),
    ...unstorable(inner),
  ]);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

function expectStorableContact(contact: CanonicalContact, label: string): void {
  expect(CanonicalContactSchema.safeParse(contact).success, label).toBe(true);
  expect(unstorable(contact), label).toEqual([]);
  const lines: Array<[string | null | undefined, number]> = [
    [contact.title, INBOUND_TEXT_LIMITS.name],
    [contact.firstName, INBOUND_TEXT_LIMITS.name],
    [contact.lastName, INBOUND_TEXT_LIMITS.name],
    ...contact.emails.map((email): [string, number] => [email, INBOUND_TEXT_LIMITS.email]),
    ...contact.phones.map((phone): [string, number] => [phone, INBOUND_TEXT_LIMITS.phone]),
    ...(contact.address?.lines ?? []).map((line): [string, number] => [
      line,
      INBOUND_TEXT_LIMITS.addressLine,
    ]),
    [contact.address?.town, INBOUND_TEXT_LIMITS.name],
    [contact.address?.postcode, INBOUND_TEXT_LIMITS.postcode],
    [contact.address?.countryCode, INBOUND_TEXT_LIMITS.countryCode],
    [contact.address?.uprn, INBOUND_TEXT_LIMITS.reference],
    [contact.address?.udprn, INBOUND_TEXT_LIMITS.reference],
    [contact.profile.propertyInterest, INBOUND_TEXT_LIMITS.freeText],
    [contact.provenance.externalId, INBOUND_TEXT_LIMITS.identifier],
    [contact.provenance.etag, INBOUND_TEXT_LIMITS.identifier],
  ];
  for (const [text, limit] of lines) {
    if (text === null || text === undefined) continue;
    expect(CONTROL.test(text), `${label}: control character in ${JSON.stringify(text).slice(0, 80)}`).toBe(
      false,
    );
    expect(codePoints(text), label).toBeLessThanOrEqual(limit);
    expect(text, label).toBe(text.trim());
    expect(text.length, label).toBeGreaterThan(0);
  }
}

function expectReasonedRejection(
  result: Extract<Sanitised<unknown>, { ok: false }>,
  injected: string[],
  label: string,
): void {
  expect(result.reason.length, label).toBeGreaterThan(0);
  expect(isStorable(result.reason), label).toBe(true);
  if (result.externalId !== null) expect(isStorable(result.externalId), label).toBe(true);
  // The reason names fields and rules, never the value (it may be personal data).
  for (const hostile of injected)
    if (hostile.trim().length >= 4) expect(result.reason.includes(hostile), label).toBe(false);
}

describe('inbound guard over every mapper', () => {
  it('covers every CRM with simulator samples', () => {
    expect(mappers.map((mapper) => mapper.provider).sort()).toEqual([
      'agentos',
      'alto',
      'custom',
      'loop',
      'reapit',
      'street',
    ]);
    for (const mapper of mappers) {
      expect(mapper.samples.length, mapper.provider).toBeGreaterThan(5);
      // Untouched records pass the guard exactly as the mapper made them.
      for (const sample of mapper.samples) {
        const contact = mapper.map(sample);
        expect(contact, mapper.provider).not.toBeNull();
        const result = sanitiseContact(contact!);
        expect(result, mapper.provider).toEqual({ ok: true, value: contact, changed: [] });
      }
    }
  });

  it('turns any record with hostile text in any field into a storable contact, or a rejection with a reason', () => {
    for (const mapper of mappers) {
      fc.assert(
        fc.property(
          fc.constantFrom(...mapper.samples).chain((sample) => poisoned(sample)),
          ({ record, injected }) => {
            const contact = mapper.map(record);
            if (contact === null) return; // the adapter rejects it by its raw schema, before the guard
            const result = sanitiseContact(contact);
            if (result.ok) expectStorableContact(result.value, mapper.provider);
            else expectReasonedRejection(result, injected, mapper.provider);
          },
        ),
        { numRuns: 150, seed: 20261202 },
      );
    }
  });

  it('rejects a record whose own id cannot be stored, and keeps one whose name only needs cleaning', () => {
    for (const mapper of mappers) {
      const contact = mapper.map(mapper.samples[0]!)!;
      const poisonedName = sanitiseContact({ ...contact, firstName: 'Ann\u0000e\uD800' });
      expect(poisonedName.ok, mapper.provider).toBe(true);
      if (poisonedName.ok) {
        expect(poisonedName.value.firstName).toBe('Ann' + 'e\uFFFD');
        expect(poisonedName.changed).toContain('firstName');
      }
      const poisonedId = sanitiseContact({
        ...contact,
        provenance: { ...contact.provenance, externalId: 'abc\u0000def' },
      });
      expect(poisonedId).toEqual({
        ok: false,
        externalId: 'abc\\u0000def',
        reason: "The record's id holds control characters: Propsync cannot store the record",
      });
    }
  });
});

describe('inbound guard over activities', () => {
  const detailValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      hostileString,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(hostileString, tie('value'), { maxKeys: 3 }),
    ),
  })).value;
  const identifier = fc.oneof(fc.uuid(), hostileString);
  const activity = fc.record({
    type: fc.constantFrom(...ACTIVITY_TYPES),
    occurredAt: fc
      .date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') })
      .map((date) => date.toISOString()),
    source: fc.constantFrom('reapit', 'agentos', 'alto', 'street', 'loop', 'custom'),
    externalId: identifier,
    contactExternalId: identifier,
    details: fc.dictionary(hostileString, detailValue, { maxKeys: 4 }),
  });

  it('keeps a storable activity (details cleaned as free text) or rejects it with a reason', () => {
    fc.assert(
      fc.property(activity, (input) => {
        const result = sanitiseActivity(input as CanonicalActivity);
        if (!result.ok) {
          expectReasonedRejection(result, [input.externalId, input.contactExternalId], 'activity');
          return;
        }
        expect(CanonicalActivitySchema.safeParse(result.value).success).toBe(true);
        expect(unstorable(result.value)).toEqual([]);
        // The ids are the activity's identity: never altered, only accepted or refused.
        expect(result.value.externalId).toBe(input.externalId);
        expect(result.value.contactExternalId).toBe(input.contactExternalId);
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });
});

describe('checkpoint ids', () => {
  it('are stored as storable text and come back exactly as the adapter gave them', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), hostileString, fc.constant('propsync-encoded-id:abc')), (id) => {
        const stored = checkpointIdForStorage(id);
        expect(isStorable(stored)).toBe(true);
        expect(checkpointIdFromStorage(stored)).toBe(id);
        if (isStorable(id) && !id.startsWith('propsync-encoded-id:')) expect(stored).toBe(id);
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });
});
