import type { Request, Router } from 'express';
import type { z } from 'zod';
import { handle } from './control-inputs.ts';

/** One CRM-only `/_sim` route: how it reads its input and what it answers. */
export interface ControlRoute {
  /** The action; its result is the JSON answer, or 204 when it returns nothing. */
  run(request: Request): unknown;
  /** The answer's status when there is a result (default 200; 201 for creations). */
  status?: number;
}

/** A route whose JSON body is parsed by `schema` first (a zod error answers 400). */
export function withBody<S extends z.ZodType>(
  schema: S,
  run: (input: z.infer<S>, request: Request) => unknown,
  status?: number,
): ControlRoute {
  return {
    run: (request) => run(schema.parse(request.body ?? {}), request),
    ...(status === undefined ? {} : { status }),
  };
}

/**
 * Mounts a CRM's own `/_sim` routes declared as `'METHOD /path': route`, in order, each through
 * {@link handle} (zod errors and `ControlInputError` → 400, `RangeError` → 404 with `{error}`).
 */
export function mountControlRoutes(router: Router, routes: Record<string, ControlRoute>): void {
  for (const [key, route] of Object.entries(routes)) {
    const [method, path] = key.split(' ') as [string, string];
    router[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](
      path,
      handle((request, response) => {
        const result = route.run(request);
        if (result === undefined) response.status(204).end();
        else response.status(route.status ?? 200).json(result);
      }),
    );
  }
}
