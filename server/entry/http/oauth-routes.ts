import express, { type Router } from 'express';
import { PropsyncError } from '../../core/errors.ts';
import { OAUTH_CALLBACK_PATH } from '../../application/connections/oauth-sign-in.ts';
import type { AppState } from './app-state.ts';
import { sendError } from './http-errors.ts';

/**
 * `GET /oauth/callback`: where a CRM sends the admin's browser after its sign-in page. It keeps the
 * CRM's answer and sends the browser back to the page the sign-in started on, which finishes it.
 * When there is no such page (an expired or reused sign-in) it answers JSON saying what to do: the
 * same error shape as every other route (a browser shows it as readable text).
 */
export function oauthRoutes(state: AppState): Router {
  const router = express.Router();
  router.get(OAUTH_CALLBACK_PATH, async (request, response) => {
    const services = state.services;
    if (!services) {
      sendError(
        response,
        503,
        'SERVER.STARTING',
        'Propsync is starting: go back and try connecting again in a moment.',
      );
      return;
    }
    const text = (name: string) =>
      typeof request.query[name] === 'string' ? request.query[name] : undefined;
    try {
      const { returnTo } = await services.oauth.returned({
        ...optional('state', text('state')),
        ...optional('code', text('code')),
        ...optional('error', text('error')),
      });
      response.redirect(303, returnTo);
    } catch (error) {
      if (error instanceof PropsyncError && error.code === 'OAUTH.SIGN_IN_EXPIRED') {
        sendError(response, 400, error.code, error.message);
        return;
      }
      // Anything else is ours: the final error handler logs it once and answers a plain 500.
      throw error;
    }
  });
  return router;
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}
