import type { Request, Response, Router } from 'express';
import { z } from 'zod';

/** A control request that is well formed but cannot be done (e.g. an offer by a non-applicant): a 400. */
export class ControlInputError extends Error {
  override name = 'ControlInputError';
}

/** Runs a control action; bad input and unknown ids become 400/404 with `{error}`. */
export function handle(
  action: (request: Request, response: Response) => void,
): (request: Request, response: Response) => void {
  return (request, response) => {
    try {
      action(request, response);
    } catch (error) {
      if (error instanceof z.ZodError) {
        response.status(400).json({
          error: 'invalid control request',
          issues: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        });
      } else if (error instanceof ControlInputError) {
        response.status(400).json({ error: error.message });
      } else if (error instanceof RangeError) {
        response.status(404).json({ error: error.message });
      } else {
        throw error;
      }
    }
  };
}

/** `value`, or else a `RangeError` saying `detail` (a 404 at `/_sim`). */
export function known<T>(value: T | undefined, detail: string): T {
  if (value === undefined) throw new RangeError(detail);
  return value;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a control route does with a request: its result is the JSON answer; `undefined` is a 204. */
export type ControlAction = (request: Request) => unknown;

/** A control route with its answer's status when there is a result (default 200). */
export interface ControlRoute {
  run: ControlAction;
  status?: number;
}

/** A route that answers its action's result with 201 Created. */
export const created = (run: ControlAction): ControlRoute => ({ status: 201, run });

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
 * Declares a CRM's own `/_sim` routes as `'METHOD /path': action`, in order, each through
 * {@link handle} (zod errors and `ControlInputError` are a 400, `RangeError` a 404), so a CRM lists
 * what each does rather than how it answers.
 */
export function mountControlRoutes(
  router: Router,
  routes: Record<`${Method} /${string}`, ControlAction | ControlRoute>,
): void {
  for (const [key, route] of Object.entries(routes)) {
    const [method, path] = key.split(' ') as [Method, string];
    const { status = 200, run } = typeof route === 'function' ? { run: route } : route;
    router[method.toLowerCase() as Lowercase<Method>](
      path,
      handle((request, response) => {
        const result = run(request);
        if (result === undefined) response.status(204).end();
        else response.status(status).json(result);
      }),
    );
  }
}
