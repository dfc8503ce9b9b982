/** Small value helpers every mapper uses on what a CRM sends. */

/** The trimmed text, or null when there is none (absent, empty or only spaces). */
export function blankToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** The non-null values, each once, in first-seen order. */
export function unique(values: ReadonlyArray<string | null>): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))];
}

/** Country names (lower case) that mean the UK, as CRMs write them in free-text address fields. */
export const UK_COUNTRY_NAMES: ReadonlySet<string> = new Set([
  'united kingdom',
  'uk',
  'gb',
  'great britain',
  'england',
  'scotland',
  'wales',
  'northern ireland',
]);
