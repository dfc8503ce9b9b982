import { BadRequestError } from './define-simulator.ts';

/** How a CRM takes instants in a query: the strings it accepts and how its 400 describes them. */
export interface InstantFormat {
  /** Accepted strings; a bare date (10 characters) means midnight UTC. */
  pattern: RegExp;
  /** Completes "<name> must be …". */
  expected: string;
}

export interface QueryParamsOptions {
  /** Names match whatever their case (ASP.NET model binding). */
  ignoreCase?: boolean;
  instants?: InstantFormat;
}

/**
 * A request's query parameters, read strictly: a blank value is absent, the first of repeated
 * values counts, and a value of the wrong form is a {@link BadRequestError} (400) naming it.
 */
export class QueryParams {
  readonly #values = new Map<string, string[]>();
  readonly #options: QueryParamsOptions;

  constructor(query: unknown, options: QueryParamsOptions = {}) {
    this.#options = options;
    for (const [name, raw] of Object.entries((query ?? {}) as Record<string, unknown>)) {
      const values = (Array.isArray(raw) ? raw : [raw]).filter(
        (value): value is string => typeof value === 'string',
      );
      const key = this.#key(name);
      this.#values.set(key, [...(this.#values.get(key) ?? []), ...values]);
    }
  }

  has(name: string): boolean {
    return this.#values.has(this.#key(name));
  }

  string(name: string): string | undefined {
    const value = this.#values.get(this.#key(name))?.[0];
    return value === undefined || value === '' ? undefined : value;
  }

  /** Every value given for a repeatable parameter, blanks dropped. */
  strings(name: string): string[] | undefined {
    const values = this.#values.get(this.#key(name))?.filter((value) => value !== '');
    return values === undefined || values.length === 0 ? undefined : values;
  }

  /** Digits only, within the bounds. */
  int(name: string, options: { min: number; max?: number; fallback: number }): number {
    const raw = this.string(name);
    if (raw === undefined) return options.fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < options.min || (options.max !== undefined && value > options.max)) {
      const range =
        options.max === undefined ? `at least ${options.min}` : `between ${options.min} and ${options.max}`;
      throw new BadRequestError(`${name} must be a whole number ${range}`, { details: { parameter: name } });
    }
    return value;
  }

  /** `true` or `false`, any case; omitted is undefined (no filter), not false. */
  boolean(name: string): boolean | undefined {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new BadRequestError(`${name} must be true or false`, { details: { parameter: name } });
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw))
      throw new BadRequestError(`${name} must be one of ${allowed.join(', ')}`, {
        details: { parameter: name },
      });
    return raw as T;
  }

  /** An instant in ms, in the CRM's {@link InstantFormat}. */
  instant(name: string): number | undefined {
    const raw = this.string(name);
    const format = this.#options.instants;
    if (raw === undefined) return undefined;
    if (format === undefined) throw new Error('QueryParams: no instant format given');
    const ms = format.pattern.test(raw)
      ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw)
      : Number.NaN;
    if (Number.isNaN(ms))
      throw new BadRequestError(`${name} must be ${format.expected}`, { details: { parameter: name } });
    return ms;
  }

  #key(name: string): string {
    return this.#options.ignoreCase === true ? name.toLowerCase() : name;
  }
}
