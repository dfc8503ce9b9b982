/**
 * ISO 8601 / RFC 3339 as CRMs write it: a date, or a date and time (`T` or a space between), any
 * number of fractional digits, and a zone that may be missing, `Z`, `±hh`, `±hhmm` or `±hh:mm`.
 */
const ISO_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** A non-ISO date text that names its zone (RFC 7231 `… GMT`, RFC 2822 `… +0100`). */
const NAMED_ZONE = /(?:\b(?:GMT|UTC|UT)|[+-]\d{4})$/i;

/**
 * Milliseconds since the epoch of a time a CRM sent, or NaN when unreadable. A time without a zone
 * is read as UTC — never as the server's local time, which would make the same CRM answer mean
 * different instants on differently configured servers (and move a delta checkpoint hours away).
 * Digits past milliseconds are dropped (Alto and Reapit write seven).
 */
export function parseCrmTime(value: string | null | undefined): number {
  if (typeof value !== 'string') return Number.NaN;
  const text = value.trim();
  const iso = ISO_TIME.exec(text);
  if (!iso) return NAMED_ZONE.test(text) ? Date.parse(text) : Number.NaN;
  const [, date, hoursMinutes = '00:00', seconds = '00', fraction = '', zone = 'Z'] = iso;
  const millis = fraction.slice(0, 3).padEnd(3, '0');
  const offset =
    zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.length > 3 ? zone.slice(-2) : '00'}`;
  return Date.parse(`${date}T${hoursMinutes}:${seconds}.${millis}${offset}`);
}

/** The CRM's time as canonical ISO text (UTC, milliseconds), or `fallback` when it is unreadable. */
export function crmTimeIso(value: string | null | undefined, fallback: string): string {
  const ms = parseCrmTime(value);
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString();
}
