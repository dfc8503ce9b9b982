import { z } from 'zod';

/** Optional text as CRMs send it: absent, null or a string. */
type OptionalText = z.ZodOptional<z.ZodNullable<z.ZodString>>;

/** Each named field as optional text: the most common field of a CRM payload, read leniently. */
export function optionalTextShape<const Name extends string>(
  names: readonly Name[],
): Record<Name, OptionalText> {
  return Object.fromEntries(names.map((name) => [name, z.string().nullish()])) as Record<Name, OptionalText>;
}

/**
 * An object whose named fields are all optional text (an address, most often); the fields Propsync
 * does not read pass through untouched, so a CRM adding one never rejects a record.
 */
export function optionalTextFields<const Name extends string>(names: readonly Name[]) {
  return z.object(optionalTextShape(names)).loose();
}

/**
 * The conventional address of REST CRMs: three lines, town, county and postcode (the Propsync open
 * API and Loop's published shape both start with it, each adding its own country and UPRN fields).
 */
export const LINE_ADDRESS_FIELDS = ['line1', 'line2', 'line3', 'town', 'county', 'postcode'] as const;
