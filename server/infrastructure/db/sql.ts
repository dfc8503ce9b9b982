import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/postgresql';

/** A jsonb value: `sqlJson(value)` marks it, so no statement serialises by hand. */
export class SqlJson {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

export function sqlJson(value: unknown): SqlJson {
  return new SqlJson(value);
}

/**
 * What a statement's `?` placeholders accept. An array expands to a list of placeholders, so a
 * PostgreSQL array is written `array[?]::uuid[]` (and must not be empty).
 */
export type SqlParam = string | number | boolean | Date | null | readonly string[] | SqlJson;

/** A timestamptz column: the driver answers text, callers get a Date. */
export const sqlTimestamp = z.union([z.string(), z.date()]).transform((value) => new Date(value));

/** A numeric or bigint column: the driver answers text to keep precision, callers get a number. */
export const sqlNumber = z.union([z.string(), z.number()]).transform(Number);

/** A row that does not have the shape its statement declared: a bug in the statement or the schema. */
export class SqlRowShapeError extends Error {
  constructor(statement: string, index: number, issues: z.core.$ZodIssue[]) {
    // Paths and expectations only: the values may be personal data.
    const problems = issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`).join('; ');
    super(`Row ${index} of "${firstLine(statement)}" does not match its row schema: ${problems}`);
    this.name = 'SqlRowShapeError';
  }
}

function firstLine(statement: string): string {
  const line = statement.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

function toDriver(params: readonly SqlParam[]): unknown[] {
  return params.map((param) => (param instanceof SqlJson ? JSON.stringify(param.value) : param));
}

/**
 * The one way product code runs hand-written SQL. Every statement that returns rows names a zod
 * schema for them, and every row is parsed with it, so the row types are checked where they are
 * produced instead of being asserted by a cast; parameters go through one conversion.
 * Each statement runs on a fresh fork of the EntityManager, or on the transaction's.
 */
export class Sql {
  readonly #em: EntityManager;
  readonly #inTransaction: boolean;

  constructor(em: EntityManager, inTransaction = false) {
    this.#em = em;
    this.#inTransaction = inTransaction;
  }

  /** Every row the statement returns, parsed with `row`. */
  async rows<Row extends z.ZodType>(
    row: Row,
    statement: string,
    params: readonly SqlParam[] = [],
  ): Promise<z.output<Row>[]> {
    const raw = await this.#runner().execute<Record<string, unknown>[]>(statement, toDriver(params));
    return raw.map((candidate, index) => {
      const parsed = row.safeParse(candidate);
      if (!parsed.success) throw new SqlRowShapeError(statement, index, parsed.error.issues);
      return parsed.data;
    });
  }

  /** The first row the statement returns, parsed with `row`; undefined when there is none. */
  async first<Row extends z.ZodType>(
    row: Row,
    statement: string,
    params: readonly SqlParam[] = [],
  ): Promise<z.output<Row> | undefined> {
    const [first] = await this.rows(row, statement, params);
    return first;
  }

  /** Runs a statement that returns no rows; answers how many rows it changed. */
  async run(statement: string, params: readonly SqlParam[] = []): Promise<number> {
    const result = await this.#runner().execute<{ affectedRows: number }>(statement, toDriver(params), 'run');
    return result.affectedRows;
  }

  /** Runs `work` in one transaction: every statement of its `Sql` commits or rolls back together. */
  async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return work(this);
    return this.#em.fork().transactional((tx) => work(new Sql(tx, true)));
  }

  #runner(): EntityManager {
    return this.#inTransaction ? this.#em : this.#em.fork();
  }
}
