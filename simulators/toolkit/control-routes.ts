import type { Request, Router } from 'express';
import { handle } from './control-inputs.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a control route does with a request: its result is the JSON answer; `undefined` is a 204. */
export type ControlAction = (request: Request) => unknown;

/** A control route answering with another status than 200 (e.g. 201 for a record it creates). */
export interface ControlRoute {
  status: number;
  run: ControlAction;
}

/** A route that answers its action's result with 201 Created. */
export const created = (run: ControlAction): ControlRoute => ({ status: 201, run });

/**
 * Declares `/_sim` routes as `'METHOD /path': action`, each through {@link handle} (bad input is a
 * 400, an unknown id a 404), so a CRM lists what each does rather than how it answers.
 */
export function mountControlRoutes(
  router: Router,
  routes: Record<`${Method} /${string}`, ControlAction | ControlRoute>,
): void {
  for (const [key, route] of Object.entries(routes)) {
    const [method, path] = key.split(' ') as [Method, string];
    const { status, run } = typeof route === 'function' ? { status: 200, run: route } : route;
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
