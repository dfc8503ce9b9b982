import express from 'express';
import type { InboundWebhook } from '../core/ports/crm-adapter.ts';
import { listen } from '../../simulators/toolkit/app-listener.ts';

/** A stand-in for Propsync's webhook endpoint: it keeps each delivery, unread, as the adapter gets it. */
export type WebhookReceiver = {
  /** Where to register webhooks. */
  url: string;
  /** The deliveries so far, oldest first, raw body and headers as they arrived. */
  received: InboundWebhook[];
  close(): Promise<void>;
};

/** Listens on a free loopback port, answering every POST to `path` with 204. */
export async function receiveWebhooks(path: string): Promise<WebhookReceiver> {
  const received: InboundWebhook[] = [];
  const app = express();
  app.post(path, express.raw({ type: '*/*' }), (request, response) => {
    received.push({
      headers: request.headers as Record<string, string>,
      rawBody: request.body as Buffer,
      receivedAt: new Date(),
    });
    response.status(204).end();
  });
  const server = await listen(app);
  return { url: `${server.url}${path}`, received, close: () => server.close() };
}
