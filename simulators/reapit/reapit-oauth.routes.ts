import express, { Router, type RequestHandler, type Response } from 'express';
import { renderConsentPage, renderErrorPage } from './reapit-authorize-page.ts';
import type { OAuthError } from '../toolkit/client-credentials.ts';
import { REAPIT_SANDBOX_USER_EMAIL } from './reapit-constants.ts';
import type { AuthorizationOutcome, OAuthParams, ReapitOAuth } from './reapit-oauth.ts';

// The consent page loads nothing and must not be framed (clickjacking a consent button).
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

function sendPage(response: Response, status: number, html: string): void {
  response.status(status).set(PAGE_HEADERS).type('html').send(html);
}

function sendOutcome(response: Response, outcome: AuthorizationOutcome): void {
  if (outcome.kind === 'page')
    return sendPage(response, 400, renderErrorPage(outcome.title, outcome.message));
  // Set as is: the URI was validated, and res.redirect would re-encode it.
  response.status(302).set({ 'cache-control': 'no-store', location: outcome.location }).end();
}

function sendOAuthError(
  response: Response,
  authorization: string | undefined,
  status: number,
  body: OAuthError,
): void {
  // RFC 6749 §5.2: a failed Basic authentication answers with the scheme the client used.
  if (status === 401 && authorization?.toLowerCase().startsWith('basic '))
    response.setHeader('www-authenticate', 'Basic realm="Reapit Connect"');
  response.status(status).json(body);
}

/**
 * Reapit Connect's OAuth endpoints: `/authorize` (consent page and decision), `/token` (client
 * credentials, authorization code, refresh token) and `/revoke`. Mounted after the request log.
 */
export function createReapitOAuthRouter(options: {
  oauth: ReapitOAuth;
  injectFaults: RequestHandler;
}): Router {
  const { oauth, injectFaults } = options;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const formOf = (body: unknown): OAuthParams => (body ?? {}) as OAuthParams;

  router.get('/authorize', (request, response) => {
    const check = oauth.checkAuthorization(request.query as OAuthParams);
    if (check.kind !== 'valid') return sendOutcome(response, check);
    const { request: authorization } = check;
    sendPage(
      response,
      200,
      renderConsentPage({
        clientId: authorization.client.clientId,
        customerId: authorization.client.customerId,
        userEmail: REAPIT_SANDBOX_USER_EMAIL,
        redirectUri: authorization.redirectUri,
        scopes: authorization.scope?.split(' ') ?? [],
        fields: oauth.formFields(authorization),
      }),
    );
  });

  router.post('/authorize', form, (request, response) => {
    sendOutcome(response, oauth.decide(formOf(request.body)));
  });

  router.post('/token', injectFaults, form, (request, response) => {
    const authorization = request.get('authorization');
    const result = oauth.token(authorization, formOf(request.body));
    response.set({ 'cache-control': 'no-store', pragma: 'no-cache' });
    if (result.ok) response.json(result.body);
    else sendOAuthError(response, authorization, result.status, result.body);
  });

  router.post('/revoke', injectFaults, form, (request, response) => {
    const authorization = request.get('authorization');
    const result = oauth.revoke(authorization, formOf(request.body));
    response.set({ 'cache-control': 'no-store' });
    if (result.ok) response.status(200).end();
    else sendOAuthError(response, authorization, result.status, result.body);
  });

  return router;
}
