import type { RequestHandler } from 'express';

/** One API request as a simulator saw it. Headers are never recorded (they carry credentials). */
export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters; repeated names become arrays; secret-looking values are redacted. */
  query: Record<string, string | string[]>;
  /** Status sent, or null when no answer was sent (dropped, held until the client gave up). */
  status: number | null;
  /** When the request arrived (ISO-8601, simulator clock). */
  timestamp: string;
  durationMs: number;
}

export interface RequestLogFilter {
  method?: string;
  /** Exact path, or a pattern. */
  path?: string | RegExp;
  status?: number;
}

// Query parameters that carry credentials in some CRMs (agentOS accepts ?api_key=).
const SECRET_QUERY_NAMES = new Set([
  'api_key',
  'apikey',
  'access_token',
  'token',
  'client_secret',
  'key',
  'signature',
]);

function parseQuery(url: string): Record<string, string | string[]> {
  const at = url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  if (at < 0) return query;
  for (const [name, rawValue] of new URLSearchParams(url.slice(at + 1))) {
    const value = SECRET_QUERY_NAMES.has(name.toLowerCase()) ? '[redacted]' : rawValue;
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  return query;
}

/**
 * Records every API request so tests can prove what a client did, e.g. that a delta sync asked
 * for `modifiedFrom` and did not page through everything again. Bounded, oldest dropped first.
 */
export class RequestLog {
  readonly #now: () => number;
  readonly #maxEntries: number;
  #entries: RequestLogEntry[] = [];

  constructor(options: { now?: () => number; maxEntries?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  /** Express middleware; mount it before the routes to record. */
  middleware(): RequestHandler {
    return (request, response, next) => {
      const startedAt = this.#now();
      const startedHr = performance.now();
      const url = request.originalUrl;
      const at = url.indexOf('?');
      const entry: RequestLogEntry = {
        method: request.method,
        path: at < 0 ? url : url.slice(0, at),
        query: parseQuery(url),
        status: null,
        timestamp: new Date(startedAt).toISOString(),
        durationMs: 0,
      };
      this.#push(entry);
      let settled = false;
      const settle = (answered: boolean): void => {
        if (settled) return;
        settled = true;
        entry.status = answered ? response.statusCode : null;
        entry.durationMs = Math.round((performance.now() - startedHr) * 10) / 10;
      };
      response.once('finish', () => settle(true));
      response.once('close', () => settle(response.writableFinished));
      next();
    };
  }

  #push(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#maxEntries)
      this.#entries.splice(0, this.#entries.length - this.#maxEntries);
  }

  /** Entries in arrival order, optionally filtered. */
  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.#entries.filter((entry) => {
      if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) return false;
      if (filter.status !== undefined && entry.status !== filter.status) return false;
      if (typeof filter.path === 'string' && entry.path !== filter.path) return false;
      if (filter.path instanceof RegExp && !filter.path.test(entry.path)) return false;
      return true;
    });
  }

  count(filter: RequestLogFilter = {}): number {
    return this.entries(filter).length;
  }

  get size(): number {
    return this.#entries.length;
  }

  clear(): void {
    this.#entries = [];
  }
}
