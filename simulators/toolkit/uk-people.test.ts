import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random.ts';
import { PHONE_STYLES, formatPhone, toE164 } from './uk-contact-format.ts';
import { canonicalEmailOf, generatePeople, landlineE164Of, mobileE164Of, renderPerson } from './uk-people.ts';

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const sequence = (seed: number) =>
      Array.from(
        { length: 5 },
        (
          (random) => () =>
            random.uint32()
        )(new SeededRandom(seed)),
      );
    expect(sequence(7)).toEqual(sequence(7));
    expect(sequence(7)).not.toEqual(sequence(8));
    const random = new SeededRandom(3);
    const rolls = Array.from({ length: 2000 }, () => random.int(1, 6));
    expect(Math.min(...rolls)).toBe(1);
    expect(Math.max(...rolls)).toBe(6);
    expect(random.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('phone formats', () => {
  it('renders every style and normalises each back to E.164', () => {
    expect(PHONE_STYLES.map((style) => formatPhone('+447700900123', style))).toEqual([
      '07700 900123',
      '+44 7700 900123',
      '07700900123',
      '+447700900123',
      '(07700) 900 123',
    ]);
    expect(formatPhone('+442079460123', 'national')).toBe('020 7946 0123');
    expect(formatPhone('+441614960123', 'bracketed')).toBe('(0161) 496 0123');
    expect(formatPhone('+441134960123', 'international')).toBe('+44 113 496 0123');
    for (const e164 of ['+447700900123', '+442079460123', '+441614960123', '+441632960001']) {
      for (const style of PHONE_STYLES) expect(toE164(formatPhone(e164, style))).toBe(e164);
    }
    expect(toE164('+1 415 555 0100')).toBeNull();
  });
});

describe('generatePeople', () => {
  const generated = generatePeople({ seed: 42, count: 3000 });

  it('is deterministic for a seed, and the same people appear whatever the count or formatting', () => {
    const again = generatePeople({ seed: 42, count: 3000 });
    expect(again.people).toEqual(generated.people);
    expect(generatePeople({ seed: 43, count: 50 }).people[0]).not.toEqual(generated.people[0]);
    const otherCrm = generatePeople({ seed: 42, count: 200, formatSalt: 'alto', duplicateRate: 0 });
    const keys = new Set(otherCrm.people.map((person) => person.personKey));
    const shared = generated.people.filter(
      (person) => person.duplicateOf === null && keys.has(person.personKey),
    );
    expect(shared.length).toBeGreaterThan(150);
    for (const person of shared) {
      const twin = otherCrm.people.find((candidate) => candidate.personKey === person.personKey)!;
      expect([
        twin.forename,
        twin.surname,
        twin.postcode,
        canonicalEmailOf(twin),
        mobileE164Of(twin),
      ]).toEqual([
        person.forename,
        person.surname,
        person.postcode,
        canonicalEmailOf(person),
        mobileE164Of(person),
      ]);
    }
  });

  it('produces realistic UK records: drama-range phones, valid postcodes, varied names', () => {
    const people = generated.people;
    for (const person of people) {
      expect(mobileE164Of(person)).toMatch(/^\+447700900\d{3}$/);
      const landline = landlineE164Of(person);
      if (landline !== null)
        expect(landline).toMatch(
          /^\+44(2079460|1614960|1134960|1214960|1174960|1144960|1154960|1514960|1914980|1414960|1314960|2920180|2896496|1632960)\d{3}$/,
        );
      expect(person.postcode).toMatch(/^[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}$/);
      expect(canonicalEmailOf(person)).toMatch(/^[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+$/);
      expect(person.dateOfBirth).toMatch(/^(19[4-9]\d|200[0-6])-\d{2}-\d{2}$/);
    }
    const surnames = people.map((person) => person.surname);
    expect(surnames.some((name) => name.includes("'"))).toBe(true);
    expect(surnames.some((name) => name.includes('-'))).toBe(true);
    expect(people.some((person) => /[^ -~]/.test(person.forename + person.surname))).toBe(true);
    expect(people.some((person) => person.email !== person.email.trim())).toBe(true);
    expect(people.some((person) => /[A-Z]/.test(person.email))).toBe(true);
    expect(new Set(people.map((person) => person.phoneStyle)).size).toBe(PHONE_STYLES.length);
    // The first 1,000 people each get their own drama-range mobile.
    const firstThousand = people.filter((person) => person.duplicateOf === null).slice(0, 1000);
    expect(new Set(firstThousand.map(mobileE164Of)).size).toBe(1000);
    expect(new Set(people.flatMap((person) => person.roles)).size).toBe(5);
  });

  it('plants duplicates that are the same person formatted differently, and reports them', () => {
    const { people, duplicates } = generated;
    expect(duplicates.length).toBeGreaterThan(30);
    expect(duplicates.length).toBeLessThan(100);
    for (const duplicate of duplicates) {
      const copy = people[duplicate.index]!;
      const original = people[duplicate.originalIndex]!;
      expect(duplicate.originalIndex).toBeLessThan(duplicate.index);
      expect(copy.duplicateOf).toBe(original.index);
      expect(original.duplicateOf).toBeNull();
      expect(copy.personKey).toBe(original.personKey);
      expect(canonicalEmailOf(copy)).toBe(canonicalEmailOf(original));
      expect(mobileE164Of(copy)).toBe(mobileE164Of(original));
      expect([copy.forename, copy.surname, copy.postcode]).toEqual([
        original.forename,
        original.surname,
        original.postcode,
      ]);
      expect(copy.email !== original.email || copy.mobile !== original.mobile).toBe(true);
    }
    const unplanted = people.filter((person) => person.duplicateOf === null);
    expect(new Set(unplanted.map((person) => person.personKey)).size).toBe(unplanted.length);
    expect(new Set(unplanted.map(canonicalEmailOf)).size).toBe(unplanted.length);
    expect(generatePeople({ seed: 42, count: 500, duplicateRate: 0 }).duplicates).toEqual([]);
  });

  it('includes different people who share a full name', () => {
    expect(generated.namesakes.length).toBeGreaterThanOrEqual(3);
    for (const pair of generated.namesakes) {
      const first = generated.people[pair.firstIndex]!;
      const second = generated.people[pair.secondIndex]!;
      expect([first.forename, first.surname]).toEqual([second.forename, second.surname]);
      expect(first.personKey).not.toBe(second.personKey);
      expect(canonicalEmailOf(first)).not.toBe(canonicalEmailOf(second));
      expect(mobileE164Of(first)).not.toBe(mobileE164Of(second));
      expect(first.postcode).not.toBe(second.postcode);
    }
    expect(generatePeople({ seed: 1, count: 20 }).namesakes.length).toBeGreaterThanOrEqual(1);
  });

  it('re-renders a person for another CRM without changing who they are', () => {
    const person = generated.people.find(
      (candidate) => candidate.emailStyle === 'lower' && candidate.phoneStyle === 'national',
    )!;
    const other = renderPerson(person, { emailStyle: 'upper', phoneStyle: 'e164' });
    expect(other.email).toBe(person.email.toUpperCase());
    expect(other.mobile).toBe(mobileE164Of(person));
    expect(other.personKey).toBe(person.personKey);
  });

  // Its speed is measured by `npm run bench` (imports of 100,000 and 1,000,000), not here.
  it('generates 100,000 distinct people for the large imports', () => {
    const { people, duplicates } = generatePeople({ seed: 9, count: 100_000 });
    expect(people).toHaveLength(100_000);
    // Planted duplicates repeat an earlier person; everyone else is someone new.
    expect(new Set(people.map((person) => person.personKey)).size).toBe(100_000 - duplicates.length);
  });
});
