import express, { type ErrorRequestHandler, type Router } from 'express';
import type { AppState } from './app.ts';

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
      response
        .status(415)
        .json({ error: 'Webhook deliveries must be JSON (Content-Type: application/json)' });
    },
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT_BYTES }),
    async (request, response) => {
      const services = state.services;
      if (!services) {
        response
          .status(503)
          .set('retry-after', '5')
          .json({ error: 'Propsync is starting; deliver again shortly' });
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
      response.status(answer.status).json(answer.body);
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
    response.status(413).json({ error: `Webhook body over ${WEBHOOK_BODY_LIMIT_BYTES} bytes` });
  };
  router.use('/webhooks/:provider/:connectionId', tooLarge);
  return router;
}
