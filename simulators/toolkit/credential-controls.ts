import type { Request, Router } from 'express';
import { z } from 'zod';
import { mountControlRoutes, withBody } from './control-routes.ts';

// The key travels in the body, never in a URL that could end up in an access log.
const ApiKeyBodySchema = z.object({ apiKey: z.string().min(1) });

/**
 * `POST /_sim{path}/revoke` and `…/restore` (204) for the credential the path's one parameter
 * names (`/clients/:clientId`, `/tokens/:tokenId`): revoked credentials then fail with 401.
 */
export function mountCredentialControls(
  router: Router,
  path: string,
  controls: { revoke(id: string): void; restore(id: string): void },
): void {
  mountControlRoutes(
    router,
    Object.fromEntries(
      (['revoke', 'restore'] as const).map((action) => [
        `POST ${path}/${action}`,
        (request: Request) => controls[action](String(Object.values(request.params)[0])),
      ]),
    ),
  );
}

/** `POST /_sim{path}/{action}` (204) with `{apiKey}` in the body, for each action (revoke, restore…). */
export function mountApiKeyControls(
  router: Router,
  path: string,
  actions: Record<string, (apiKey: string) => void>,
): void {
  mountControlRoutes(
    router,
    Object.fromEntries(
      Object.entries(actions).map(([action, apply]) => [
        `POST ${path}/${action}`,
        withBody(ApiKeyBodySchema, ({ apiKey }) => apply(apiKey)),
      ]),
    ),
  );
}
