import type { Router } from 'express';

/**
 * `POST /_sim{path}/revoke` and `…/restore` (204) for the credential the path's one parameter
 * names (`/clients/:clientId`, `/tokens/:tokenId`): revoked credentials then fail with 401.
 */
export function mountCredentialControls(
  router: Router,
  path: string,
  controls: { revoke(id: string): void; restore(id: string): void },
): void {
  for (const action of ['revoke', 'restore'] as const) {
    router.post(`${path}/${action}`, (request, response) => {
      controls[action](String(Object.values(request.params)[0]));
      response.status(204).end();
    });
  }
}
