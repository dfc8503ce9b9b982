import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { ErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import { INTERNAL_ERROR_MESSAGE } from '../trpc/trpc.ts';

/**
 * Every error Propsync answers outside tRPC: `{ error, code, requestId }`. `error` is a sentence a
 * person can act on, `code` is stable (an `ErrorCode`, or `WEBHOOK.<REASON>` for webhook refusals),
 * and `requestId` finds the server's log line for it.
 */
export type ErrorBody = { error: string; code: ErrorCode | `WEBHOOK.${string}`; requestId: string };

/** An id a proxy in front may already have given the request; otherwise one of ours. */
const FORWARDED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdOf(response: Response): string {
  return String(response.locals.requestId ?? '');
}

/** Gives every request an id, echoed in `X-Request-Id` and written on every log line about it. */
export function requestIds(): RequestHandler {
  return (request, response, next) => {
    const forwarded = request.headers['x-request-id'];
    const id =
      typeof forwarded === 'string' && FORWARDED_REQUEST_ID.test(forwarded) ? forwarded : randomUUID();
    response.locals.requestId = id;
    response.set('x-request-id', id);
    next();
  };
}

export function sendError(
  response: Response,
  status: number,
  code: ErrorBody['code'],
  message: string,
): void {
  const body: ErrorBody = { error: message, code, requestId: requestIdOf(response) };
  // Explicit type: a route may have set another before it failed.
  response.status(status).set('cache-control', 'no-store').type('application/json').json(body);
}

/** Unmatched requests: a JSON 404 (OPTIONS is left to CORS, mounted before the routes: 204 here). */
export function notFound(): RequestHandler {
  return (request, response) => {
    if (request.method === 'OPTIONS') {
      response.status(204).end();
      return;
    }
    sendError(response, 404, 'REQUEST.NOT_FOUND', `Nothing at ${request.method} ${request.path}`);
  };
}

/**
 * The last error handler: a request a body parser or the router refused (4xx) is answered as such;
 * anything else is our failure, logged once with the request id and answered 500 without details.
 */
export function jsonErrors(logger: () => Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const status = clientErrorStatus(error);
    if (status !== null) {
      if (status === 413) sendError(response, 413, 'REQUEST.TOO_LARGE', 'The request body is too large');
      else sendError(response, status, 'REQUEST.INVALID', 'The request is malformed and was not read');
      return;
    }
    logger().error(
      { err: error, requestId: requestIdOf(response), method: request.method, path: request.path },
      'HTTP request failed',
    );
    if (response.headersSent) {
      response.destroy();
      return;
    }
    sendError(response, 500, 'SERVER.INTERNAL', INTERNAL_ERROR_MESSAGE);
  };
}

/**
 * 4xx statuses of body-parser's errors (`expose`: bad encoding, too large, aborted) and the
 * router's undecodable path (a URIError); a status on any other error is not the request's fault.
 */
function clientErrorStatus(error: unknown): number | null {
  if (!(error instanceof Error)) return null;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  if (expose !== true && !(error instanceof URIError)) return null;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}
