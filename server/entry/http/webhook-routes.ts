import express, { type ErrorRequestHandler, type Router } from 'express';
import type { AppState } from './app-state.ts';
import { requestIdOf, sendError } from './http-errors.ts';

/** CRM notifications are small; anything bigger is refused before it is read into memory. */
export const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

/**
 * `POST /webhooks/:provider/:connectionId`: the URL Propsync registers with each CRM. The raw body
 * is kept byte for byte, because signatures are computed over it.
 */
export function webhookRoutes(state: AppState): Router {
  const router = express.Router();
  router.post(
    '/webhooks/:provider/:connectionId',
    (request, response, next) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return next();
      state.services?.webhooks.refused(request.params.provider, 'unsupported_content_type');
      sendError(
        response,
        415,
        'WEBHOOK.UNSUPPORTED_CONTENT_TYPE',
        'Webhook deliveries must be JSON (Content-Type: application/json)',
      );
    },
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT_BYTES }),
    async (request, response) => {
      const services = state.services;
      if (!services) {
        response.set('retry-after', '5');
        sendError(response, 503, 'SERVER.STARTING', 'Propsync is starting; deliver again shortly');
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers))
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const answer = await services.webhooks.receive({
        provider: request.params.provider,
        connectionId: request.params.connectionId,
        headers,
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
      if (answer.headers) response.set(answer.headers);
      response
        .status(answer.status)
        .json(answer.status >= 400 ? { ...answer.body, requestId: requestIdOf(response) } : answer.body);
    },
  );
  const tooLarge: ErrorRequestHandler = (
    error: { type?: string; status?: number },
    request,
    response,
    next,
  ) => {
    if (error?.type !== 'entity.too.large') return next(error);
    state.services?.webhooks.refused(String(request.params.provider ?? 'unknown'), 'too_large');
    sendError(response, 413, 'WEBHOOK.TOO_LARGE', `Webhook body over ${WEBHOOK_BODY_LIMIT_BYTES} bytes`);
  };
  router.use('/webhooks/:provider/:connectionId', tooLarge);
  return router;
}
