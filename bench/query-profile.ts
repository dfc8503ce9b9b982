import pg from 'pg';

type Span = { count: number; totalMs: number; maxMs: number };

/**
 * Timing spans for SQL (`--profile-sql`): wraps pg's Client#query, which MikroORM's driver uses,
 * and sums wall time per statement shape. Measures, changes nothing.
 */
export class QueryProfile {
  readonly spans = new Map<string, Span>();
  #original: ((...args: unknown[]) => unknown) | null = null;

  install(): this {
    const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = prototype.query;
    this.#original = original;
    const spans = this.spans;
    prototype.query = function (this: unknown, ...args: unknown[]) {
      const first = args[0];
      const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
      // MikroORM inlines parameters: fold literals so one statement shape is one span.
      const key = text
        .replace(/'(?:[^']|'')*'/g, '?')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 90);
      const started = performance.now();
      const result = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        const record = () => {
          const ms = performance.now() - started;
          const span = spans.get(key) ?? { count: 0, totalMs: 0, maxMs: 0 };
          span.count++;
          span.totalMs += ms;
          span.maxMs = Math.max(span.maxMs, ms);
          spans.set(key, span);
        };
        (result as Promise<unknown>).then(record, record);
      }
      return result;
    };
    return this;
  }

  uninstall(): void {
    if (this.#original) (pg.Client.prototype as unknown as { query: unknown }).query = this.#original;
    this.#original = null;
  }

  top(limit = 12): Array<{ sql: string } & Span> {
    return [...this.spans]
      .map(([sql, span]) => ({
        sql,
        ...span,
        totalMs: Math.round(span.totalMs),
        maxMs: Math.round(span.maxMs),
      }))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, limit);
  }
}
