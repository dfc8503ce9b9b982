import express, { type Router } from 'express';
import { PropsyncError } from '../errors.ts';
import { OAUTH_CALLBACK_PATH } from '../connections/oauth-sign-in.ts';
import type { AppState } from './app.ts';

/**
 * `GET /oauth/callback`: where a CRM sends the admin's browser after its sign-in page. It keeps the
 * CRM's answer and sends the browser back to the page the sign-in started on, which finishes it.
 * When there is no such page (an expired or reused sign-in) it answers a short page saying what to do.
 */
export function oauthRoutes(state: AppState): Router {
  const router = express.Router();
  router.get(OAUTH_CALLBACK_PATH, async (request, response) => {
    const services = state.services;
    if (!services) {
      sendPage(response.status(503), 'Propsync is starting: go back and try connecting again in a moment.');
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
        sendPage(response.status(400), error.message);
        return;
      }
      services.logger.error({ err: error }, 'OAuth callback failed');
      sendPage(response.status(500), 'Connecting failed: go back to the integrations page and try again.');
    }
  });
  return router;
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}

function sendPage(response: express.Response, message: string): void {
  const escaped = message.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  response
    .type('html')
    .set('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Propsync sign-in</title></head>` +
        `<body><main><h1>Propsync sign-in</h1><p>${escaped}</p></main></body></html>`,
    );
}
