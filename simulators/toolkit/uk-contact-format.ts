/**
 * Renders UK phone numbers and email addresses the many ways real CRMs hold them, and turns them
 * back into canonical forms. Simulators use the renderers so the same person can look different
 * in each CRM; tests use the normalisers to check the ground truth.
 */

/** The formats UK numbers arrive in, e.g. for 07700 900123. */
export const PHONE_STYLES = ['national', 'international', 'compact', 'e164', 'bracketed'] as const;
export type PhoneStyle = (typeof PHONE_STYLES)[number];

/** How UK national numbers (leading 0) group into digit blocks. */
function groupsOf(national: string): number[] {
  if (national.startsWith('07')) return [5, 6];
  if (national.startsWith('02')) return [3, 4, 4];
  if (national.startsWith('01') && (national[2] === '1' || national[3] === '1')) return [4, 3, 4];
  if (national.startsWith('01')) return [5, 6];
  return [4, 3, 4];
}

function split(digits: string, sizes: readonly number[]): string[] {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= digits.length) break;
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) parts.push(digits.slice(at));
  return parts;
}

// Simulators render the same few thousand drama-range numbers over and over: cache them per
// number (a Map keyed by the number itself avoids building a key string on every call).
const renderCache = new Map<string, Array<string | undefined>>();
const STYLE_SLOTS: Readonly<Record<PhoneStyle, number>> = {
  national: 0,
  international: 1,
  compact: 2,
  e164: 3,
  bracketed: 4,
};

/**
 * Renders a UK E.164 number (`+447700900123`) in one of {@link PHONE_STYLES}. Numbers that are
 * not UK E.164 are returned unchanged.
 */
export function formatPhone(e164: string, style: PhoneStyle): string {
  const slot = STYLE_SLOTS[style];
  let renderings = renderCache.get(e164);
  const cached = renderings?.[slot];
  if (cached !== undefined) return cached;
  if (!/^\+44\d{9,10}$/.test(e164)) return e164;
  const national = '0' + e164.slice(3);
  const groups = split(national, groupsOf(national));
  let rendered: string;
  switch (style) {
    case 'national':
      rendered = groups.join(' ');
      break;
    case 'international':
      rendered = '+44 ' + [groups[0]?.slice(1) ?? '', ...groups.slice(1)].join(' ');
      break;
    case 'compact':
      rendered = national;
      break;
    case 'e164':
      rendered = e164;
      break;
    case 'bracketed': {
      const [first = '', ...rest] = groups;
      // Mobiles are written "(07700) 900 123": the six-digit block splits in two.
      const tail = national.startsWith('07') ? split(rest.join(''), [3, 3]) : rest;
      rendered = `(${first}) ${tail.join(' ')}`;
      break;
    }
    default:
      rendered = assertNever(style);
  }
  if (renderings === undefined && renderCache.size < 100_000) {
    renderings = [undefined, undefined, undefined, undefined, undefined];
    renderCache.set(e164, renderings);
  }
  if (renderings !== undefined) renderings[slot] = rendered;
  return rendered;
}

/**
 * Normalises any common UK rendering (`07700 900123`, `+44 (0)7700 900123`, `0044 7700…`) to
 * E.164. Returns null when the text is not a plausible UK number.
 */
export function toE164(raw: string): string | null {
  const trimmed = raw.trim().replace(/\(0\)/g, '');
  const plus = trimmed.startsWith('+');
  const digits = trimmed.replace(/\D/g, '');
  let national: string;
  if (plus && digits.startsWith('44')) national = '0' + digits.slice(2);
  else if (plus) return null;
  else if (digits.startsWith('0044')) national = '0' + digits.slice(4);
  else if (digits.startsWith('44') && digits.length === 12) national = '0' + digits.slice(2);
  else national = digits;
  if (!/^0\d{9,10}$/.test(national)) return null;
  return '+44' + national.slice(1);
}

/** The ways email addresses arrive: as typed, capitalised, shouted, or with stray spaces. */
export const EMAIL_STYLES = ['lower', 'capitalised', 'upper', 'padded'] as const;
export type EmailStyle = (typeof EMAIL_STYLES)[number];

function capitalise(part: string): string {
  return part.length === 0 ? part : part[0]!.toUpperCase() + part.slice(1);
}

/** Renders a canonical (lower-case, trimmed) address in one of {@link EMAIL_STYLES}. */
export function formatEmail(canonical: string, style: EmailStyle): string {
  switch (style) {
    case 'lower':
      return canonical;
    case 'capitalised': {
      const at = canonical.indexOf('@');
      const local = canonical.slice(0, at).split('.').map(capitalise).join('.');
      return `${local}@${capitalise(canonical.slice(at + 1))}`;
    }
    case 'upper':
      return canonical.toUpperCase();
    case 'padded':
      return ` ${canonical} `;
    default:
      return assertNever(style);
  }
}

/** Emails compare case-insensitively after trimming. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Strips accents and anything but letters, digits and hyphens: "Zoë O'Brien" → "zoe", "obrien". */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '');
}

function assertNever(value: never): never {
  throw new Error(`unhandled style: ${String(value)}`);
}
