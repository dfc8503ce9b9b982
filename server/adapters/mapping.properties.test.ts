import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CanonicalContactSchema, type CanonicalContact } from '../../shared/contact.ts';
import { createAgentosSimulator } from '../../simulators/agentos/agentos-simulator.ts';
import { createCustomSimulator } from '../../simulators/custom/custom-simulator.ts';
import { createLoopSimulator } from '../../simulators/loop/loop-simulator.ts';
import { createReapitSimulator } from '../../simulators/reapit/reapit-simulator.ts';
import { toAgentosPatch, toCanonicalContact as agentosToCanonical } from './agentos/agentos.mapper.ts';
import { AGENTOS_CONTACT_TYPES, AgentosContactSchema } from './agentos/agentos.schemas.ts';
import { toCanonicalContact as customToCanonical, toCustomPatch } from './custom/custom.mapper.ts';
import { CustomContactSchema } from './custom/custom.schemas.ts';
import { toCanonicalContact as loopToCanonical } from './loop/loop.mapper.ts';
import { LoopContactSchema } from './loop/loop.schemas.ts';
import { toCanonicalContact as reapitToCanonical, toReapitPatch } from './reapit/reapit.mapper.ts';
import { ReapitContactSchema } from './reapit/reapit.schemas.ts';
import { mapActivity as mapAgentosActivity } from './agentos/agentos.mapper.ts';
import {
  toAppointmentActivity as altoAppointmentToActivity,
  toOfferActivity as altoOfferToActivity,
} from './alto/alto.mapper.ts';
import { AltoAppointmentSchema, AltoOfferSchema } from './alto/alto.schemas.ts';
import { toCanonicalActivity as customToActivity } from './custom/custom.mapper.ts';
import { CustomActivitySchema } from './custom/custom.schemas.ts';
import {
  appointmentToActivity as loopAppointmentToActivity,
  offerToActivity as loopOfferToActivity,
} from './loop/loop.mapper.ts';
import { LoopAppointmentSchema, LoopOfferSchema } from './loop/loop.schemas.ts';
import { toReapitActivity } from './reapit/reapit.mapper.ts';

/**
 * Properties of the adapters' mappers, over records the simulators produce and then mangled by
 * fast-check: a CRM record either fails its raw schema (the adapter rejects it into the sync log)
 * or maps to a contact the canonical schema accepts; mapping never throws. Where a mapper has both
 * directions, canonical fields → CRM patch → CRM record → canonical gives the fields back.
 */

type Json = Record<string, unknown>;
type MapperUnderTest = {
  provider: string;
  schema: z.ZodType;
  map: (record: never) => CanonicalContact;
  samples: Json[];
};

function mapperUnderTest(
  provider: string,
  schema: z.ZodType,
  map: (record: never) => CanonicalContact,
  samples: Json[],
): MapperUnderTest {
  return { provider, schema, map, samples };
}

/** A simulator's seeded contacts (by default every one), as the CRM sends them. */
function samplesOf(
  simulator: { contactIds(): string[]; getContact(id: string): unknown },
  ids: string[] = simulator.contactIds(),
): Json[] {
  return ids.map((id) => simulator.getContact(id) as Json);
}

const mappers: MapperUnderTest[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const reapit = createReapitSimulator({ seed: 3, contactCount: 40 });
  const agentos = createAgentosSimulator({ seed: 3, contactCount: 40 });
  const loop = createLoopSimulator({ seed: 3, contactCount: 40 });
  const custom = createCustomSimulator({ seed: 3, contactCount: 40 });
  closers.push(reapit.close, agentos.close, loop.close, custom.close);
  // The adapter knows an agentOS contact's type from the list it read, never from the record: a valid one.
  const agentosMap = (record: { ContactType?: string }) =>
    agentosToCanonical(
      record as never,
      (AGENTOS_CONTACT_TYPES as readonly unknown[]).includes(record.ContactType)
        ? (record.ContactType as never)
        : 'Tenant',
    );
  mappers.push(
    mapperUnderTest('reapit', ReapitContactSchema, reapitToCanonical, samplesOf(reapit)),
    mapperUnderTest(
      'agentos',
      AgentosContactSchema,
      agentosMap,
      samplesOf(agentos, agentos.listableContactIds()),
    ),
    mapperUnderTest('loop', LoopContactSchema, loopToCanonical, samplesOf(loop)),
    mapperUnderTest('custom', CustomContactSchema, customToCanonical, samplesOf(custom)),
  );
});
afterAll(async () => {
  for (const close of closers) await close();
});

/** Values a CRM (or a broken proxy) might put in any field. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    ' ',
    '   \t',
    'not-a-date',
    '2026-13-45T99:99:99Z',
    '0',
    'NaN',
    '+44',
    '07700 900123',
    'a@b',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  // Years a CRM could hold (beyond 9999, ISO 8601 needs an extended year the schemas refuse).
  fc
    .date({ noInvalidDate: true, min: new Date('1900-01-01'), max: new Date('2100-01-01') })
    .map((date) => date.toISOString()),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
);

/** A sample record with 1–4 fields (top level or one level down) replaced by hostile values. */
function mangled(sample: Json): fc.Arbitrary<Json> {
  const paths: string[][] = [];
  for (const [key, value] of Object.entries(sample)) {
    paths.push([key]);
    if (value && typeof value === 'object' && !Array.isArray(value))
      for (const inner of Object.keys(value)) paths.push([key, inner]);
    if (Array.isArray(value) && value[0] && typeof value[0] === 'object')
      for (const inner of Object.keys(value[0] as Json)) paths.push([key, '0', inner]);
  }
  return fc
    .array(fc.tuple(fc.constantFrom(...paths), hostileValue), { minLength: 1, maxLength: 4 })
    .map((edits) => {
      const record = structuredClone(sample);
      for (const [path, value] of edits) {
        let target: Json = record;
        for (const step of path.slice(0, -1)) {
          const next = target[step];
          if (!next || typeof next !== 'object') break;
          target = next as Json;
        }
        target[path.at(-1)!] = value;
      }
      return record;
    });
}

describe('CRM record → canonical contact', () => {
  it('maps every unmodified simulator record to a schema-valid contact', () => {
    for (const mapper of mappers) {
      expect(mapper.samples.length, mapper.provider).toBeGreaterThan(10);
      for (const sample of mapper.samples) {
        const parsed = mapper.schema.safeParse(sample);
        expect(parsed.success, `${mapper.provider} ${JSON.stringify(sample).slice(0, 120)}`).toBe(true);
        const contact = mapper.map(parsed.data as never);
        expect(CanonicalContactSchema.safeParse(contact).success, mapper.provider).toBe(true);
      }
    }
  });

  it('yields a schema-valid contact or a schema rejection for any mangled record, never a throw', () => {
    for (const mapper of mappers) {
      fc.assert(
        fc.property(
          fc.constantFrom(...mapper.samples).chain((sample) => mangled(sample)),
          (record) => {
            const parsed = mapper.schema.safeParse(record);
            if (!parsed.success) return true; // rejected: logged as a sync-log error by the adapter
            let contact: CanonicalContact;
            try {
              contact = mapper.map(parsed.data as never);
            } catch (error) {
              throw new Error(
                `${mapper.provider} mapper threw ${String(error)} for ${JSON.stringify(record)}`,
                { cause: error },
              );
            }
            const valid = CanonicalContactSchema.safeParse(contact);
            if (!valid.success)
              throw new Error(
                `${mapper.provider} produced an invalid contact (${valid.error.issues[0]?.path.join('.')}: ${valid.error.issues[0]?.message}) from ${JSON.stringify(record)}`,
              );
            return true;
          },
        ),
        { numRuns: 400, seed: 20261123 },
      );
    }
  });

  it('is deterministic: the same record maps to the same contact', () => {
    for (const mapper of mappers) {
      fc.assert(
        fc.property(fc.constantFrom(...mapper.samples), (sample) => {
          const parsed = mapper.schema.parse(sample);
          expect(mapper.map(parsed as never)).toEqual(mapper.map(structuredClone(parsed) as never));
        }),
        { numRuns: 50 },
      );
    }
  });
});

/**
 * Each CRM's activity records (one of each kind, as its docs describe them) and how the adapter
 * reads one: its schema, then its mapping to a signal (or none).
 */
const activityMappers: Array<{ label: string; sample: Json; read: (raw: unknown) => unknown }> = [];
/** Read as the adapter reads a listed record: its schema, then its mapping (nothing when it does not parse). */
function viaSchema<T>(schema: z.ZodType<T>, map: (record: T) => unknown): (raw: unknown) => unknown {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    return parsed.success ? map(parsed.data) : null;
  };
}
const when = { at: '2026-03-12T12:00:00Z', earlier: '2026-03-10T09:00:00.0000000Z' };
const agentosApplicant = { ContactType: 'SalesApplicant', OID: 'A-1' };
const reapitContacts = [{ id: 'RPT20000001' }];
for (const kind of ['offer', 'appointment'] as const) {
  const sample =
    kind === 'offer'
      ? { OID: 'O-1', Status: 'Submitted', Applicant: agentosApplicant, DateOffered: '2026-03-10' }
      : {
          OID: 'P-1',
          SystemType: 'Viewing',
          Status: 'Booked',
          StartDateTime: when.at,
          Attendees: [agentosApplicant],
        };
  activityMappers.push({
    label: `agentOS ${kind}`,
    sample: { ...sample, ModifiedDate: when.at },
    read: (raw) => mapAgentosActivity(kind, raw),
  });
  // A webhook judges the stage as of the event's time, which Reapit may send unreadable.
  for (const asOf of [when.at, 'not a time']) {
    const reapit =
      kind === 'offer'
        ? { status: 'pending', amount: 400_000, related: reapitContacts }
        : { typeId: 'VW', end: when.at, attended: 'notSet', attendee: { contacts: reapitContacts } };
    activityMappers.push({
      label: `Reapit ${kind} as of ${asOf}`,
      sample: { id: 'RPT1', created: when.earlier, modified: when.earlier, ...reapit },
      read: (raw) => toReapitActivity(kind, raw, asOf),
    });
  }
}
const loopDates = { updatedAt: when.at, startsAt: when.at, endsAt: when.at, submittedAt: when.at };
activityMappers.push(
  {
    label: 'Loop appointment',
    sample: { id: 'a1', type: 'viewing', status: 'booked', contactId: 'c1', ...loopDates },
    read: viaSchema(LoopAppointmentSchema, loopAppointmentToActivity),
  },
  {
    label: 'Loop offer',
    sample: { id: 'o1', type: 'sale', status: 'submitted', amount: 1, contactId: 'c1', ...loopDates },
    read: viaSchema(LoopOfferSchema, loopOfferToActivity),
  },
  {
    label: 'custom CRM activity',
    sample: { id: 'x1', type: 'viewing', status: 'completed', contact_id: 'c1', occurred_at: when.at },
    read: viaSchema(CustomActivitySchema, customToActivity),
  },
  {
    label: 'Alto appointment',
    sample: {
      id: 1,
      type: 'Valuation',
      createdDate: when.at,
      modifiedDate: when.at,
      contacts: [{ id: '2' }],
    },
    read: viaSchema(AltoAppointmentSchema, (record) => altoAppointmentToActivity(record, Date.now())),
  },
  {
    label: 'Alto offer',
    sample: { id: 7, status: 'Submitted', insertDate: when.at, contactsJson: '[{"contactId":"2"}]' },
    read: viaSchema(AltoOfferSchema, (record) => altoOfferToActivity(record, [], Date.now())),
  },
);

describe('CRM activity record → engagement signal', () => {
  it('reads any mangled record to a signal, none, or a reason, and never throws (one record never fails its page)', () => {
    for (const { label, sample, read } of activityMappers) {
      // As sampled, each record is a signal: the mangling below starts from a readable record.
      expect(JSON.stringify(read(sample)), label).toContain('"externalId"');
      fc.assert(
        fc.property(mangled(sample), (record) => {
          try {
            read(record);
          } catch (error) {
            throw new Error(`${label} mapping threw ${String(error)} for ${JSON.stringify(record)}`, {
              cause: error,
            });
          }
        }),
        { numRuns: 300, seed: 20261205 },
      );
    }
  });
});

/** The field each CRM's contact dates its last change in. */
const MODIFIED_FIELD: Record<string, string> = {
  reapit: 'modified',
  agentos: 'ModifiedDate',
  loop: 'updatedAt',
  custom: 'updated_at',
};

/**
 * `ms` as a CRM may write it: without a zone (meaning UTC), with `Z`, or at an offset written
 * `±hh:mm` or `±hhmm`, with three or seven fractional digits.
 */
const crmTimeText = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }),
    zone: fc.constantFrom('none', 'Z', 'colon', 'compact'),
    offsetMinutes: fc.constantFrom(0, 60, -300, 330, 765),
    sevenDigits: fc.boolean(),
  })
  .map(({ ms, zone, offsetMinutes, sevenDigits }) => {
    const offset = zone === 'none' || zone === 'Z' ? 0 : offsetMinutes;
    const local = new Date(ms + offset * 60_000).toISOString().slice(0, -1);
    const digits = sevenDigits ? `${local}0000` : local;
    const sign = offset < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
    const mm = String(Math.abs(offset) % 60).padStart(2, '0');
    const suffix = { none: '', Z: 'Z', colon: `${sign}${hh}:${mm}`, compact: `${sign}${hh}${mm}` }[zone];
    return { ms, text: `${digits}${suffix}` };
  });

describe("a record's modification time", () => {
  it("is the same instant whatever the server's time zone: a time without a zone is UTC", () => {
    const serverZone = process.env.TZ;
    try {
      for (const mapper of mappers) {
        const field = MODIFIED_FIELD[mapper.provider]!;
        fc.assert(
          fc.property(
            fc.constantFrom(...mapper.samples),
            crmTimeText,
            fc.constantFrom('UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata'),
            (sample, { ms, text }, zone) => {
              process.env.TZ = zone;
              const parsed = mapper.schema.safeParse({ ...sample, [field]: text });
              expect(parsed.success, `${mapper.provider} ${text}`).toBe(true);
              const contact = mapper.map(parsed.data as never);
              expect(contact.provenance.modifiedAt, `${mapper.provider} ${text} in ${zone}`).toBe(
                new Date(ms).toISOString(),
              );
            },
          ),
          { numRuns: 200, seed: 20261205 },
        );
      }
    } finally {
      if (serverZone === undefined) delete process.env.TZ;
      else process.env.TZ = serverZone;
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips: canonical → CRM patch → CRM record → canonical
// ---------------------------------------------------------------------------------------------

const name = fc
  .string({ minLength: 1, maxLength: 30, unit: 'grapheme' })
  .map((text) => text.trim())
  .filter((text) => text.length > 0);
const email = fc.emailAddress().filter((address) => address === address.trim().toLowerCase());
const ukMobile = fc.integer({ min: 0, max: 999_999_999 }).map((n) => `+447${String(n).padStart(9, '0')}`);
const fieldsArbitrary = fc.record({
  title: fc.option(name, { nil: null }),
  firstName: name,
  lastName: name,
  emails: fc.array(email, { minLength: 1, maxLength: 1 }),
  phones: fc.array(ukMobile, { minLength: 1, maxLength: 1 }),
  marketingConsent: fc.constantFrom('granted' as const, 'denied' as const, 'not_asked' as const),
});

/** What a round trip must preserve: identity fields as the CRM holds a single email and mobile. */
function essentials(contact: Partial<CanonicalContact>) {
  return {
    title: contact.title ?? null,
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.emails?.[0] ?? null,
    mobile: contact.phones?.[0] ?? null,
    marketingConsent: contact.marketingConsent,
  };
}

describe('canonical → CRM shape → canonical', () => {
  const cases = [
    {
      provider: 'reapit',
      patch: toReapitPatch,
      // A Reapit PATCH replaces the named top-level fields; the record's other phones stay, so clear them.
      apply: (record: Json, patch: Json) => ({ ...record, homePhone: null, workPhone: null, ...patch }),
    },
    {
      provider: 'agentos',
      patch: toAgentosPatch,
      apply: (record: Json, patch: Json) => ({ ...record, HomePhone: null, WorkPhone: null, ...patch }),
    },
    {
      provider: 'custom',
      patch: toCustomPatch,
      // A JSON merge patch: emails and phones are replaced whole.
      apply: (record: Json, patch: Json) => ({ ...record, ...patch }),
    },
  ];

  for (const { provider, patch, apply } of cases) {
    it(`${provider}: the fields come back unchanged`, () => {
      const mapper = mappers.find((candidate) => candidate.provider === provider)!;
      fc.assert(
        fc.property(fc.constantFrom(...mapper.samples), fieldsArbitrary, (sample, fields) => {
          const record = apply(structuredClone(sample), patch(fields));
          const parsed = mapper.schema.safeParse(record);
          expect(parsed.success, JSON.stringify(record).slice(0, 200)).toBe(true);
          const back = mapper.map(parsed.data as never);
          expect(essentials(back)).toEqual(essentials(fields));
        }),
        { numRuns: 300, seed: 7 },
      );
    });
  }
});
