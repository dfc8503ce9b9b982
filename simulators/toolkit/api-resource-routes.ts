import type { Request, Response } from 'express';
import type { z } from 'zod';

/**
 * A CRM's body reader: the request body as `schema` reads it, or undefined once `reject` has
 * answered with the CRM's validation error (`extra` is whatever that answer needs, e.g. a title).
 */
export function bodyReader<Extra extends unknown[] = []>(
  reject: (response: Response, error: z.ZodError, ...extra: Extra) => void,
) {
  return <S extends z.ZodType>(
    schema: S,
    request: Request,
    response: Response,
    ...extra: Extra
  ): z.output<S> | undefined => {
    const parsed = schema.safeParse(request.body);
    if (parsed.success) return parsed.data;
    reject(response, parsed.error, ...extra);
    return undefined;
  };
}

/** A 201 naming the new resource in Location, with its representation (an empty body without one). */
export function sendCreated(response: Response, location: string, body?: unknown): void {
  response.status(201).location(location);
  if (body === undefined) response.end();
  else response.json(body);
}
