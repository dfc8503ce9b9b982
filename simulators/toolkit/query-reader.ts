import { BadRequestError } from './define-simulator.ts';

/** How a CRM reads its query strings; each difference is one its API really has. */
export interface QueryReaderOptions {
  /** Names, and `true`/`false`, bind in any case (ASP.NET model binding). */
  ignoreCase?: boolean;
  /** `true`/`false` in any case, even where names are case-sensitive. */
  booleansInAnyCase?: boolean;
  /** The only names accepted: any other is a 400 listing them, so a typo never widens a query. */
  allowed?: readonly string[];
  /** A name given twice is a 400 (otherwise its first value counts). */
  singleValues?: boolean;
  /** `list` also splits comma-separated values, trimmed (otherwise repeated names only). */
  splitCommas?: boolean;
  /** The CRM's date-time format: ms, or null/NaN when invalid, and what the 400 says it must be. */
  instant?: { parse(raw: string): number | null; mustBe: string };
}

const badParameter = (parameter: string, message: string) =>
  new BadRequestError(message, { details: { parameter } });

/**
 * Query parameters of one request, read the CRM's way; bad values throw {@link BadRequestError},
 * which the toolkit answers as a 400 in the CRM's error shape. Each such error names its parameter
 * in `details.parameter` (Street answers it as JSON:API `source.parameter`; the others ignore it).
 */
export class QueryReader {
  readonly #values = new Map<string, string[]>();
  readonly #options: QueryReaderOptions;

  constructor(query: unknown, options: QueryReaderOptions = {}) {
    this.#options = options;
    const allowed = options.allowed;
    for (const [name, raw] of Object.entries((query ?? {}) as Record<string, unknown>)) {
      if (allowed !== undefined && !allowed.includes(name)) {
        throw badParameter(name, `Unknown query parameter ${name} (allowed: ${allowed.join(', ') || 'none'})`);
      }
      const values = (Array.isArray(raw) ? raw : [raw]).filter(
        (value): value is string => typeof value === 'string',
      );
      const key = this.#key(name);
      this.#values.set(key, [...(this.#values.get(key) ?? []), ...values]);
    }
  }

  #key(name: string): string {
    return this.#options.ignoreCase ? name.toLowerCase() : name;
  }

  has(name: string): boolean {
    return this.#values.has(this.#key(name));
  }

  /** The value, or undefined when absent or blank. */
  string(name: string): string | undefined {
    const values = this.#values.get(this.#key(name));
    if (values === undefined) return undefined;
    if (this.#options.singleValues && values.length > 1)
      throw badParameter(name, `${name} may be given only once`);
    const value = values[0];
    return value === undefined || value === '' ? undefined : value;
  }

  /** Every value of a repeatable parameter, blanks dropped; undefined when there is none. */
  list(name: string): string[] | undefined {
    const given = this.#values.get(this.#key(name));
    const values = this.#options.splitCommas
      ? given?.flatMap((value) => value.split(',')).map((value) => value.trim())
      : given;
    const kept = values?.filter((value) => value !== '');
    return kept === undefined || kept.length === 0 ? undefined : kept;
  }

  int(name: string, options: { min: number; max?: number; fallback: number }): number {
    const raw = this.string(name);
    if (raw === undefined) return options.fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < options.min || (options.max !== undefined && value > options.max)) {
      const range =
        options.max === undefined ? `at least ${options.min}` : `between ${options.min} and ${options.max}`;
      throw badParameter(name, `${name} must be a whole number ${range}`);
    }
    return value;
  }

  number(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw badParameter(name, `${name} must be a number`);
    return value;
  }

  /** Omitted means no filter, which is not the same as false. */
  boolean(name: string): boolean | undefined {
    const given = this.string(name);
    const anyCase = this.#options.ignoreCase || this.#options.booleansInAnyCase;
    const raw = anyCase ? given?.toLowerCase() : given;
    if (raw === undefined) return undefined;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw badParameter(name, `${name} must be true or false`);
  }

  /** A value from a closed list (in any case with `ignoreCase`), returned as the list spells it. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : this.#member(name, raw, allowed);
  }

  /** Each value of {@link list} from a closed list, as {@link oneOf} reads one. */
  manyOf<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    return this.list(name)?.map((raw) => this.#member(name, raw, allowed));
  }

  #member<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
    const match = allowed.find((candidate) => this.#key(candidate) === this.#key(raw));
    if (match === undefined) throw badParameter(name, `${name} must be one of ${allowed.join(', ')}`);
    return match;
  }

  /** An instant (ms) in the CRM's format. */
  instant(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const format = this.#options.instant ?? { parse: Date.parse, mustBe: 'must be an ISO 8601 date-time' };
    const ms = format.parse(raw);
    if (ms === null || Number.isNaN(ms)) throw badParameter(name, `${name} ${format.mustBe}`);
    return ms;
  }
}
