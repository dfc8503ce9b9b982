import { SeededRandom, mixSeed } from './seeded-random.ts';
import { newPostcode } from './random-edits.ts';
import {
  EMAIL_STYLES,
  PHONE_STYLES,
  asciiSlug,
  formatEmail,
  formatPhone,
  normaliseEmail,
  toE164,
  type EmailStyle,
  type PhoneStyle,
} from './uk-contact-format.ts';
import {
  BUILDING_NAMES,
  DOUBLE_BARREL_PARTS,
  EMAIL_DOMAINS,
  EMAIL_DOMAIN_WEIGHTS,
  FEMALE_FORENAMES,
  LANDLINE_BLOCKS,
  MALE_FORENAMES,
  MOBILE_BLOCK,
  STREET_NAMES,
  STREET_SUFFIXES,
  SURNAMES,
  TOWNS,
} from './uk-reference-data.ts';

export { EMAIL_STYLES, PHONE_STYLES, formatEmail, formatPhone, normaliseEmail, toE164 };
export type { EmailStyle, PhoneStyle };

/** Roles a person can hold with an agency; a person may hold several. */
export const PERSON_ROLES = [
  'vendor',
  'landlord',
  'buyerApplicant',
  'tenantApplicant',
  'activeTenant',
] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export type PersonMarketingConsent = 'granted' | 'denied' | 'not_asked';

/**
 * One generated contact record. Kept flat and mostly made of shared strings so a million fit in
 * memory. `personKey` identifies the human: a planted duplicate shares its original's key, and
 * another simulator generating with the same seed gets the same key for the same person.
 */
export interface UkPerson {
  readonly personKey: string;
  /** Position in the generated list. */
  readonly index: number;
  readonly title: string;
  readonly forename: string;
  readonly surname: string;
  /** `YYYY-MM-DD`. */
  readonly dateOfBirth: string;
  /** As this CRM record holds it: usually lower case, sometimes capitalised, upper case or padded. */
  readonly email: string;
  readonly emailStyle: EmailStyle;
  /** Ofcom drama-range mobile (07700 900000–900999), rendered in `phoneStyle`. */
  readonly mobile: string;
  /** Ofcom drama-range landline for the person's town, rendered in `phoneStyle`, or null. */
  readonly landline: string | null;
  readonly phoneStyle: PhoneStyle;
  /** Empty when the building only has a name. */
  readonly buildingNumber: string;
  /** Empty for most houses; "Rose Cottage", "Flat 2"… otherwise. */
  readonly buildingName: string;
  readonly street: string;
  /** Locality within the town, may be empty. */
  readonly district: string;
  readonly town: string;
  readonly county: string;
  /** Valid-format UK postcode, e.g. `SW11 4QT`. */
  readonly postcode: string;
  readonly marketingConsent: PersonMarketingConsent;
  /** Shared frozen arrays: never mutate. */
  readonly roles: readonly PersonRole[];
  /** Index of the record this one duplicates, or null for an original. */
  readonly duplicateOf: number | null;
}

export interface GeneratePeopleOptions {
  seed: number;
  count: number;
  /** Share of records that are planted duplicates of an earlier record (0..1, default 0.02). */
  duplicateRate?: number;
  /**
   * Changes formatting choices (email case, phone style) without changing who the people are.
   * Give each CRM simulator its own salt so the same person looks different in each.
   */
  formatSalt?: string;
}

export type DuplicateVariation = 'email' | 'phone';

/** A record that is the same human as an earlier record, formatted differently. */
export interface PlantedDuplicate {
  index: number;
  originalIndex: number;
  personKey: string;
  variations: readonly DuplicateVariation[];
}

/** Two different people (different personKey, email, phones, postcode) with the same name. */
export interface NamesakePair {
  firstIndex: number;
  secondIndex: number;
  forename: string;
  surname: string;
}

export interface GeneratedPeople {
  people: UkPerson[];
  duplicates: PlantedDuplicate[];
  namesakes: NamesakePair[];
}

export const DEFAULT_DUPLICATE_RATE = 0.02;

const ROLE_SETS: ReadonlyArray<readonly PersonRole[]> = Array.from(
  { length: 1 << PERSON_ROLES.length },
  (_, mask) => Object.freeze(PERSON_ROLES.filter((_, bit) => (mask & (1 << bit)) !== 0)),
);
const ROLE_PROBABILITIES = [0.18, 0.1, 0.32, 0.22, 0.14] as const;

const STREETS: readonly string[] = STREET_NAMES.flatMap((name) =>
  STREET_SUFFIXES.map((suffix) => `${name} ${suffix}`),
);
const TOWN_WEIGHTS = TOWNS.map((town) => town.weight);
const SMALL_NUMBERS: readonly string[] = Array.from({ length: 301 }, (_, i) => String(i));
const EMAIL_STYLE_WEIGHTS = [85, 7, 3, 5] as const;
const PHONE_STYLE_WEIGHTS = [40, 15, 20, 15, 10] as const;

// Dates of birth between 1940-01-01 and 2006-12-31, one cached string per day.
const DOB_START_DAY = Date.UTC(1940, 0, 1) / 86_400_000;
const DOB_DAYS = Date.UTC(2006, 11, 31) / 86_400_000 - DOB_START_DAY;
let dobTable: string[] | null = null;
function dobString(dayOffset: number): string {
  // Built whole on first use: a dense array of ~24,000 shared strings.
  dobTable ??= Array.from({ length: DOB_DAYS + 1 }, (_, day) =>
    new Date((DOB_START_DAY + day) * 86_400_000).toISOString().slice(0, 10),
  );
  return dobTable[dayOffset] ?? '1970-01-01';
}

const slugCache = new Map<string, string>();
function slug(name: string): string {
  let cached = slugCache.get(name);
  if (cached === undefined) {
    cached = asciiSlug(name);
    if (slugCache.size < 10_000) slugCache.set(name, cached);
  }
  return cached;
}

const mobilePermutations = new Map<number, Uint16Array>();
/** A seeded shuffle of the 1,000 drama-range mobiles so the first 1,000 people never share one. */
function mobilePermutation(seed: number): Uint16Array {
  let permutation = mobilePermutations.get(seed);
  if (permutation === undefined) {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    new SeededRandom(mixSeed(seed, 'mobiles')).shuffle(values);
    permutation = Uint16Array.from(values);
    if (mobilePermutations.size > 64) mobilePermutations.clear();
    mobilePermutations.set(seed, permutation);
  }
  return permutation;
}

/** Person-number k is a namesake of person k-1: a few pairs, always including an early one. */
function isNamesake(k: number): boolean {
  return k === 5 || (k > 7 && k % 199 === 7);
}

interface DrawnName {
  female: boolean;
  forename: string;
  surname: string;
}

/** Draws the name first so a namesake can re-draw just its predecessor's name. */
function drawName(random: SeededRandom): DrawnName {
  const female = random.chance(0.5);
  const forename = random.pick(female ? FEMALE_FORENAMES : MALE_FORENAMES);
  const surname = random.chance(0.03)
    ? `${random.pick(DOUBLE_BARREL_PARTS)}-${random.pick(DOUBLE_BARREL_PARTS)}`
    : random.pick(SURNAMES);
  return { female, forename, surname };
}

function drawTitle(random: SeededRandom, female: boolean, age: number): string {
  const roll = random.next();
  if (female) {
    if (age < 30) return roll < 0.5 ? 'Miss' : roll < 0.9 ? 'Ms' : 'Mrs';
    return roll < 0.5 ? 'Mrs' : roll < 0.8 ? 'Ms' : roll < 0.9 ? 'Miss' : roll < 0.98 ? 'Dr' : 'Mx';
  }
  return roll < 0.92 ? 'Mr' : roll < 0.98 ? 'Dr' : roll < 0.99 && age > 35 ? 'Prof' : 'Mx';
}

function drawLocalPart(
  random: SeededRandom,
  forename: string,
  surname: string,
  uniqueNumber: number,
): string {
  const f = slug(forename);
  const s = slug(surname);
  // Every pattern ends in the person's number, so different people never share an address.
  switch (random.int(0, 4)) {
    case 0:
      return `${f}.${s}${uniqueNumber}`;
    case 1:
      return `${f}${s}${uniqueNumber}`;
    case 2:
      return `${f[0] ?? 'x'}${s}${uniqueNumber}`;
    case 3:
      return `${s}.${f}${uniqueNumber}`;
    default:
      return `${f}_${s}${uniqueNumber}`;
  }
}

function rolesMask(random: SeededRandom): number {
  let mask = 0;
  for (let bit = 0; bit < ROLE_PROBABILITIES.length; bit++) {
    if (random.chance(ROLE_PROBABILITIES[bit] ?? 0)) mask |= 1 << bit;
  }
  // Most agency contacts hold at least one role; a few are plain enquiries.
  if (mask === 0 && random.chance(0.6)) mask = 1 << random.int(0, PERSON_ROLES.length - 1);
  return mask;
}

/** Where person-number k is and how they look: its index in the list and its formatting styles. */
interface Placement {
  index: number;
  emailStyleIndex: number;
  phoneStyleIndex: number;
}

/**
 * Person-number k, formatted as `placement` says; who they are depends only on (seed, k). One
 * literal with a fixed property order keeps every record the same hidden class.
 */
function drawPerson(
  seed: number,
  k: number,
  random: SeededRandom,
  previousPostcode: string | null,
  placement: Placement,
): UkPerson {
  random.reseed(mixSeed(seed, k));
  let name = drawName(random);
  const namesake = isNamesake(k);
  if (namesake) {
    name = drawName(new SeededRandom(mixSeed(seed, k - 1)));
  }
  const dobOffset = random.int(0, DOB_DAYS);
  const age = 2025 - (1940 + Math.floor(dobOffset / 365.25));
  const title = drawTitle(random, name.female, age);

  const town = random.pickWeighted(TOWNS, TOWN_WEIGHTS);
  const area = random.pick(town.areas);
  let postcode = newPostcode(area.outward, random);
  if (namesake && postcode === previousPostcode)
    postcode = newPostcode(area.outward === 'E8' ? 'N1' : 'E8', random);
  const street = random.pick(STREETS);
  const hasName = random.chance(0.08);
  const buildingName = hasName ? random.pick(BUILDING_NAMES) : '';
  const buildingNumber = hasName && random.chance(0.5) ? '' : (SMALL_NUMBERS[random.int(1, 220)] ?? '1');

  const domain = random.pickWeighted(EMAIL_DOMAINS, EMAIL_DOMAIN_WEIGHTS);
  const canonicalEmail = `${drawLocalPart(random, name.forename, name.surname, k + 1)}@${domain}`;
  const hasLandline = random.chance(0.4);
  const landlineSlot = random.int(0, 999);

  const consentRoll = random.next();
  const marketingConsent: PersonMarketingConsent =
    consentRoll < 0.55 ? 'granted' : consentRoll < 0.7 ? 'denied' : 'not_asked';
  const roles = ROLE_SETS[rolesMask(random)] ?? [];

  const { emailStyleIndex, phoneStyleIndex } = placement;
  const emailStyle = EMAIL_STYLES[emailStyleIndex] ?? 'lower';
  return {
    personKey: `p${seed}-${k}`,
    index: placement.index,
    title,
    forename: name.forename,
    surname: name.surname,
    dateOfBirth: dobString(dobOffset),
    email: formatEmail(canonicalEmail, emailStyle),
    emailStyle,
    mobile: renderBlockNumber(MOBILE_BLOCK, mobilePermutation(seed)[k % 1000] ?? 0, phoneStyleIndex),
    landline: hasLandline
      ? renderBlockNumber(LANDLINE_BLOCKS[town.landline], landlineSlot, phoneStyleIndex)
      : null,
    phoneStyle: PHONE_STYLES[phoneStyleIndex] ?? 'e164',
    buildingNumber,
    buildingName,
    street,
    district: area.district,
    town: town.town,
    county: town.county,
    postcode,
    marketingConsent,
    roles,
    duplicateOf: null,
  };
}

const renderedBlocks = new Map<string, Array<Array<string | undefined>>>();
/** A block number rendered in a style, memoised per (block, style, slot). */
function renderBlockNumber(prefix: string, slot: number, styleIndex: number): string {
  let block = renderedBlocks.get(prefix);
  if (block === undefined) {
    block = PHONE_STYLES.map(() => new Array<string | undefined>(1000).fill(undefined));
    renderedBlocks.set(prefix, block);
  }
  const row = block[styleIndex] as Array<string | undefined>;
  let text = row[slot];
  if (text === undefined) {
    text = formatPhone(prefix + String(slot).padStart(3, '0'), PHONE_STYLES[styleIndex] ?? 'e164');
    row[slot] = text;
  }
  return text;
}

/**
 * `person` in other styles: the same human, only the email's case and the phones' format change.
 * Planted duplicates are made this way, and so is another CRM's view of the same person.
 */
function restyled(
  person: UkPerson,
  styles: { index: number; emailStyle: EmailStyle; phoneStyle: PhoneStyle; duplicateOf: number | null },
): UkPerson {
  const { emailStyle, phoneStyle } = styles;
  const landline = person.landline === null ? null : (toE164(person.landline) ?? person.landline);
  // Spread first, then overrides in place: the record keeps makePerson's property order.
  return {
    ...person,
    index: styles.index,
    email: formatEmail(normaliseEmail(person.email), emailStyle),
    emailStyle,
    mobile: formatPhone(toE164(person.mobile) ?? person.mobile, phoneStyle),
    landline: landline === null ? null : formatPhone(landline, phoneStyle),
    phoneStyle,
    duplicateOf: styles.duplicateOf,
  };
}

/** A style other than `current`. */
function otherStyle<T>(random: SeededRandom, styles: readonly T[], current: T): T {
  const currentIndex = styles.indexOf(current);
  return styles[(currentIndex + random.int(1, styles.length - 1)) % styles.length] as T;
}

const EMAIL_STYLE_INDEXES = EMAIL_STYLES.map((_, i) => i);
const PHONE_STYLE_INDEXES = PHONE_STYLES.map((_, i) => i);

/**
 * Deterministic, realistic UK people. The same seed gives the same people (and the same
 * `personKey`s) whatever `formatSalt` or count is used; `count` only decides how many.
 * Planted duplicates re-render an earlier record's email case and/or phone format and are
 * listed in `duplicates`; `namesakes` lists different people who share a full name.
 */
export function generatePeople(options: GeneratePeopleOptions): GeneratedPeople {
  const { seed, count } = options;
  const duplicateRate = options.duplicateRate ?? DEFAULT_DUPLICATE_RATE;
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  if (duplicateRate < 0 || duplicateRate >= 1) throw new RangeError('duplicateRate must be in [0, 1)');
  const salt = options.formatSalt ?? '';

  // push, not new Array(count): V8 keeps huge pre-sized arrays in slow dictionary mode.
  const people: UkPerson[] = [];
  const duplicates: PlantedDuplicate[] = [];
  const namesakes: NamesakePair[] = [];
  const personRandom = new SeededRandom(seed);
  const formatRandom = new SeededRandom(seed);
  const formatSeed = mixSeed(seed, salt);
  const duplicateRandom = new SeededRandom(mixSeed(seed, 'duplicates'));

  let nextPersonNumber = 0;
  let previousUnique: UkPerson | null = null;
  for (let index = 0; index < count; index++) {
    formatRandom.reseed(mixSeed(formatSeed, index));
    const plantDuplicate =
      index >= 2 &&
      (duplicateRandom.chance(duplicateRate) ||
        (index === 10 && duplicateRate > 0 && duplicates.length === 0));
    if (plantDuplicate) {
      const picked = people[Math.floor(duplicateRandom.next() * index)] as UkPerson;
      const original = picked.duplicateOf === null ? picked : (people[picked.duplicateOf] as UkPerson);
      const roll = duplicateRandom.next();
      const variations: DuplicateVariation[] =
        roll < 0.4 ? ['email'] : roll < 0.7 ? ['phone'] : ['email', 'phone'];
      const emailStyle = variations.includes('email')
        ? otherStyle(duplicateRandom, EMAIL_STYLES, original.emailStyle)
        : original.emailStyle;
      const phoneStyle = variations.includes('phone')
        ? otherStyle(duplicateRandom, PHONE_STYLES, original.phoneStyle)
        : original.phoneStyle;
      people.push(restyled(original, { index, emailStyle, phoneStyle, duplicateOf: original.index }));
      duplicates.push({ index, originalIndex: original.index, personKey: original.personKey, variations });
      continue;
    }
    const k = nextPersonNumber++;
    const person = drawPerson(seed, k, personRandom, previousUnique?.postcode ?? null, {
      index,
      emailStyleIndex: formatRandom.pickWeighted(EMAIL_STYLE_INDEXES, EMAIL_STYLE_WEIGHTS),
      phoneStyleIndex: formatRandom.pickWeighted(PHONE_STYLE_INDEXES, PHONE_STYLE_WEIGHTS),
    });
    people.push(person);
    if (isNamesake(k) && previousUnique !== null) {
      namesakes.push({
        firstIndex: previousUnique.index,
        secondIndex: index,
        forename: person.forename,
        surname: person.surname,
      });
    }
    previousUnique = person;
  }
  return { people, duplicates, namesakes };
}

/** The person's email as matching should compare it: trimmed, lower case. */
export function canonicalEmailOf(person: Pick<UkPerson, 'email'>): string {
  return normaliseEmail(person.email);
}

/** The person's mobile in E.164. */
export function mobileE164Of(person: Pick<UkPerson, 'mobile'>): string {
  return toE164(person.mobile) ?? person.mobile;
}

/** The person's landline in E.164, or null. */
export function landlineE164Of(person: Pick<UkPerson, 'landline'>): string | null {
  return person.landline === null ? null : (toE164(person.landline) ?? person.landline);
}

/**
 * The same person with different formatting choices: how another CRM (or a re-keyed record)
 * would show them. Identity fields are untouched.
 */
export function renderPerson(
  person: UkPerson,
  styles: { emailStyle?: EmailStyle; phoneStyle?: PhoneStyle },
): UkPerson {
  return restyled(person, {
    index: person.index,
    emailStyle: styles.emailStyle ?? person.emailStyle,
    phoneStyle: styles.phoneStyle ?? person.phoneStyle,
    duplicateOf: person.duplicateOf,
  });
}

/** True when the person holds the role. */
export function hasRole(person: Pick<UkPerson, 'roles'>, role: PersonRole): boolean {
  return person.roles.includes(role);
}

/** A planted duplicate as a CRM's contact ids. */
export interface PlantedDuplicateContact {
  contactId: string;
  duplicateOfContactId: string;
  personKey: string;
  variations: readonly string[];
}

/** Two different contacts sharing a full name. */
export interface NamesakeContacts {
  contactIds: [string, string];
  forename: string;
  surname: string;
}

/**
 * The planted duplicates and namesakes of a generation as contact ids; `idOf(index)` names the
 * record generated from person `index` (empty when the CRM no longer holds it).
 */
export function plantedContacts(
  people: GeneratedPeople,
  idOf: (index: number) => string | undefined,
): { duplicates: PlantedDuplicateContact[]; namesakes: NamesakeContacts[] } {
  const id = (index: number) => idOf(index) ?? '';
  return {
    duplicates: people.duplicates.map((duplicate) => ({
      contactId: id(duplicate.index),
      duplicateOfContactId: id(duplicate.originalIndex),
      personKey: duplicate.personKey,
      variations: duplicate.variations,
    })),
    namesakes: people.namesakes.map((pair) => ({
      contactIds: [id(pair.firstIndex), id(pair.secondIndex)],
      forename: pair.forename,
      surname: pair.surname,
    })),
  };
}
