import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FIELD_POLICY,
  resolveContactFields,
  sameValue,
  type FieldRule,
  type ResolutionInput,
} from './conflict-resolution.ts';
import { nameKey, normaliseEmail, normalisePhone, normalisePostcode } from './contact-normalisation.ts';

/**
 * Properties of the pure domain rules, over generated input: normalisation is deterministic and
 * idempotent (normalising a normalised value changes nothing), and conflict merging is
 * deterministic, idempotent and never loses a field either side set.
 */

const RUNS = { numRuns: 1_000, seed: 424242 };

/** Strings shaped like what agents type, plus anything at all. */
const phoneLike = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom(...'0123456789 +()-.'.split('')), maxLength: 20 }),
  fc
    .tuple(
      fc.constantFrom('07', '+44 7', '0044 7', '+44 (0)7', '(07', '02', '+1 ', '44'),
      fc.stringMatching(/^\d{8,11}$/),
    )
    .map(([prefix, digits]) => `${prefix}${digits}`),
);
const emailLike = fc.oneof(
  fc.string(),
  fc.emailAddress(),
  fc.emailAddress().map((address) => `  ${address.toUpperCase()} `),
  fc.string({ unit: 'grapheme' }).map((text) => `${text}@example.co.uk`),
);
const postcodeLike = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.stringMatching(/^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$/),
  fc.stringMatching(/^\s*[a-z]{1,2}\d\s*\d[a-z]{2}\s*$/),
);
const nameLike = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom("Zoë O'Brien", 'Ångström-Łukasiewicz', '山田'),
);

describe('normalisation', () => {
  const normalisers = [
    ['email', normaliseEmail, emailLike],
    ['phone', normalisePhone, phoneLike],
    ['postcode', normalisePostcode, postcodeLike],
  ] as const;

  for (const [label, normalise, input] of normalisers) {
    it(`${label}: deterministic and idempotent, f(f(x)) = f(x)`, () => {
      fc.assert(
        fc.property(input, (raw) => {
          const once = normalise(raw);
          expect(normalise(raw)).toBe(once);
          if (once !== null) expect(normalise(once)).toBe(once);
        }),
        RUNS,
      );
    });
  }

  it('phone: whatever comes out is E.164', () => {
    fc.assert(
      fc.property(phoneLike, (raw) => {
        const phone = normalisePhone(raw);
        if (phone !== null) expect(phone).toMatch(/^\+[1-9]\d{7,14}$/);
      }),
      RUNS,
    );
  });

  it('email: case and surrounding spaces never make two addresses differ', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom('', ' ', '\t'), (address, pad) => {
        expect(normaliseEmail(`${pad}${address.toUpperCase()}${pad}`)).toBe(normaliseEmail(address));
      }),
      RUNS,
    );
  });

  it('postcode: spacing and case never make two postcodes differ', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$/), (compact) => {
        const spaced = `${compact.slice(0, -3)}   ${compact.slice(-3).toLowerCase()}`;
        expect(normalisePostcode(spaced)).toBe(normalisePostcode(compact));
        expect(normalisePostcode(compact)).toBe(`${compact.slice(0, -3)} ${compact.slice(-3)}`);
      }),
      RUNS,
    );
  });

  it('name key: deterministic, idempotent on its own output, and blind to case and accents', () => {
    fc.assert(
      fc.property(nameLike, nameLike, (first, last) => {
        const key = nameKey(first, last);
        expect(nameKey(first, last)).toBe(key);
        expect(nameKey(first.toUpperCase(), last.toLowerCase())).toBe(
          nameKey(first.toLowerCase(), last.toUpperCase()),
        );
        if (key === null) return;
        const [head, ...rest] = key.split(' ');
        // Re-keying the key's own parts gives the key back.
        expect(nameKey(head!, rest.join(' '))).toBe(key);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Conflict merging
// ---------------------------------------------------------------------------------------------

const FIELDS = [
  'title',
  'firstName',
  'lastName',
  'emails',
  'phones',
  'marketingConsent',
  'nurtureCategory',
] as const;
const valueFor = (field: (typeof FIELDS)[number]): fc.Arbitrary<unknown> => {
  switch (field) {
    case 'emails':
      // Canonical emails and phones are de-duplicated by every mapper (sameValue relies on it).
      return fc.uniqueArray(fc.constantFrom('a@x.co.uk', 'b@x.co.uk', 'c@x.co.uk'), { maxLength: 3 });
    case 'phones':
      return fc.uniqueArray(fc.constantFrom('+447700900001', '+447700900002'), { maxLength: 2 });
    case 'marketingConsent':
      return fc.constantFrom('granted', 'denied', 'not_asked');
    default:
      return fc.option(fc.constantFrom('Ann', 'Bo', 'Cy', 'Mr', 'Buyer', 'Tenant'), { nil: null });
  }
};
const record = fc.record(
  Object.fromEntries(FIELDS.map((field) => [field, valueFor(field)])) as Record<
    (typeof FIELDS)[number],
    fc.Arbitrary<unknown>
  >,
);
const instant = fc
  .date({ min: new Date('2025-01-01'), max: new Date('2027-01-01'), noInvalidDate: true })
  .map((date) => date.toISOString());
const RULES: FieldRule[] = ['crm_wins', 'platform_wins', 'most_recent', 'deny_wins', 'forward_only'];

const resolutionInput: fc.Arbitrary<ResolutionInput> = fc
  .record({
    base: record,
    crm: record,
    platform: record,
    changed: fc.subarray([...FIELDS]),
    platformAt: instant,
    crmModifiedAt: instant,
    policy: fc.oneof(
      fc.constant(DEFAULT_FIELD_POLICY),
      fc.record(Object.fromEntries(FIELDS.map((field) => [field, fc.constantFrom(...RULES)]))),
    ),
    extra: fc.subarray(['intentScore', 'engagement']),
  })
  .map(({ base, crm, platform, changed, platformAt, crmModifiedAt, policy, extra }) => ({
    base,
    crm,
    platform: { ...platform, intentScore: 12.5, engagement: { signals: 3 } },
    platformChangedAt: Object.fromEntries([...changed, ...extra].map((field) => [field, platformAt])),
    crmModifiedAt,
    policy: policy as Record<string, FieldRule>,
  }));

describe('conflict merging', () => {
  it('compares values symmetrically (emails and phones as sets)', () => {
    const values = fc.oneof(
      fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
      fc.constantFrom(null, undefined, 'a', 'b', 1),
      fc.dictionary(fc.constantFrom('x', 'y'), fc.constantFrom('a', 'b', null)),
    );
    fc.assert(
      fc.property(values, values, (left, right) => {
        expect(sameValue(left, right)).toBe(sameValue(right, left));
        expect(sameValue(left, left)).toBe(true);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same versions and policy settle the same way', () => {
    fc.assert(
      fc.property(resolutionInput, (input) => {
        expect(resolveContactFields(structuredClone(input))).toEqual(resolveContactFields(input));
      }),
      RUNS,
    );
  });

  it('never loses a field: every field the CRM carries gets the CRM value or Propsync value, nothing else', () => {
    fc.assert(
      fc.property(resolutionInput, (input) => {
        const { merged, platformFieldsToPush } = resolveContactFields(input);
        expect(Object.keys(merged).sort()).toEqual(Object.keys(input.crm).sort());
        for (const field of Object.keys(input.crm)) {
          const value = merged[field];
          expect(sameValue(value, input.crm[field]) || sameValue(value, input.platform[field])).toBe(true);
          // A value only one side changed since they agreed is the value kept.
          const crmChanged = !sameValue(input.crm[field], input.base[field]);
          const platformChanged =
            field in input.platformChangedAt && !sameValue(input.platform[field], input.base[field]);
          if (crmChanged && !platformChanged) expect(sameValue(value, input.crm[field])).toBe(true);
          if (platformChanged && !crmChanged) expect(sameValue(value, input.platform[field])).toBe(true);
          // Whatever Propsync's value won and the CRM lacks is written back.
          if (!sameValue(value, input.crm[field])) expect(platformFieldsToPush).toContain(field);
        }
        // An opt-out on either side survives the default policy.
        if (
          input.policy === DEFAULT_FIELD_POLICY &&
          'marketingConsent' in input.platformChangedAt &&
          (input.crm.marketingConsent === 'denied' || input.platform.marketingConsent === 'denied') &&
          !sameValue(input.platform.marketingConsent, input.base.marketingConsent) &&
          !sameValue(input.crm.marketingConsent, input.base.marketingConsent)
        )
          expect(merged.marketingConsent).toBe('denied');
      }),
      RUNS,
    );
  });

  it('is idempotent: settling the settled values against themselves changes nothing and finds no conflict', () => {
    fc.assert(
      fc.property(resolutionInput, (input) => {
        const { merged } = resolveContactFields(input);
        // Both sides now agree on `merged`: it is the new base, and neither side changed since.
        const again = resolveContactFields({
          ...input,
          base: merged,
          crm: merged,
          platform: merged,
          platformChangedAt: {},
        });
        expect(again.merged).toEqual(merged);
        expect(again.conflict).toBeNull();
        expect(again.platformFieldsToPush).toEqual([]);
        // And re-running the same resolution on its own result (as the CRM's next read) keeps it.
        const twice = resolveContactFields({ ...input, crm: merged });
        for (const field of Object.keys(merged))
          expect(sameValue(twice.merged[field], merged[field])).toBe(true);
      }),
      RUNS,
    );
  });
});
