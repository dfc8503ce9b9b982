/**
 * Name, street and town pools for the UK people generator. Frequencies are rough, not census
 * figures: the aim is data that looks like a British agency's contact book, apostrophes,
 * hyphens and accents included, so adapters meet them in tests rather than in production.
 * The pools themselves are data, one entry a line, in `uk-reference-data.json`; their order
 * matters (seeded draws pick by index), so edit them only knowing generated people change.
 */
import pools from './uk-reference-data.json' with { type: 'json' };

export const FEMALE_FORENAMES: readonly string[] = pools.femaleForenames;
export const MALE_FORENAMES: readonly string[] = pools.maleForenames;
export const SURNAMES: readonly string[] = pools.surnames;
/** Surname pairs sometimes joined with a hyphen ("Smith-Jones"). */
export const DOUBLE_BARREL_PARTS: readonly string[] = pools.doubleBarrelParts;
export const STREET_NAMES: readonly string[] = pools.streetNames;
export const STREET_SUFFIXES: readonly string[] = pools.streetSuffixes;
export const BUILDING_NAMES: readonly string[] = pools.buildingNames;

/**
 * Ofcom drama-range landline blocks (1,000 numbers each) by area, as E.164 prefixes missing the
 * last 3 digits (`+442079460` is 020 7946 0xxx); `none` is 01632 960xxx, a range with no real area.
 */
export const LANDLINE_BLOCKS: Readonly<typeof pools.landlineBlocks> = pools.landlineBlocks;
export type LandlineBlock = keyof typeof LANDLINE_BLOCKS;

/** Ofcom drama-range mobiles: 07700 900000 to 07700 900999, as an E.164 prefix. */
export const MOBILE_BLOCK = '+447700900';

export interface TownArea {
  readonly outward: string;
  readonly district: string;
}
export interface Town {
  readonly town: string;
  readonly county: string;
  readonly areas: readonly TownArea[];
  readonly landline: LandlineBlock;
  /** Relative share of the population. */
  readonly weight: number;
}

/**
 * A town from its JSON entry: name, county, drama-range landline block (or none), share of the
 * population and outward codes, each with its district (`'OX1, OX2 Jericho'`: OX1 has none).
 */
function town({ town, county, landline, weight, areas }: (typeof pools.towns)[number]): Town {
  if (!(landline in LANDLINE_BLOCKS)) throw new Error(`${town}: no landline block ${landline}`);
  return {
    town,
    county,
    landline: landline as LandlineBlock,
    weight,
    areas: areas.split(', ').map((area) => {
      const space = area.indexOf(' ');
      return space < 0
        ? { outward: area, district: '' }
        : { outward: area.slice(0, space), district: area.slice(space + 1) };
    }),
  };
}

export const TOWNS: readonly Town[] = pools.towns.map(town);

/** Letters Royal Mail uses in the inward code's unit part (no C, I, K, M, O, V). */
export const POSTCODE_UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** Email domains and their relative shares. */
export const EMAIL_DOMAINS: readonly string[] = Object.keys(pools.emailDomains);
export const EMAIL_DOMAIN_WEIGHTS: readonly number[] = Object.values(pools.emailDomains);
