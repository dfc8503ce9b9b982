import type { z } from 'zod';
import { PropsyncError } from '../../core/errors.ts';

/**
 * A CRM's answer read with `schema`. An answer of another shape is the CRM's fault, not a record's:
 * `ADAPTER.BAD_RESPONSE`, with `unexpected` saying which answer it was.
 */
export function expectAnswer<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  unexpected: string,
): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new PropsyncError('ADAPTER.BAD_RESPONSE', unexpected);
  return parsed.data;
}
