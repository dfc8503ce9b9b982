import express from 'express';
import { afterEach } from 'vitest';
import { listen } from './app-listener.ts';

/**
 * Test support shared by the simulators' own tests (vitest only: never imported by a simulator).
 * `closeAfterEach()` returns a function that registers something to close once the current test
 * ends, last registered first.
 */
export function closeAfterEach(): (...closers: Array<() => Promise<void>>) => void {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });
  return (...more) => {
    closers.push(...more);
  };
}

export interface ReceivedDelivery {
  headers: Record<string, string>;
  /** The body exactly as sent (signatures cover these bytes). */
  rawBody: string;
  body: Record<string, any>;
}

/**
 * A webhook receiver on a free port that records every delivery and answers `respond(index)`;
 * `url` is where to subscribe it. Closed with the test through `closeLater`.
 */
export async function startWebhookReceiver(
  closeLater: (close: () => Promise<void>) => void,
  respond: (index: number) => number = () => 200,
): Promise<{ url: string; deliveries: ReceivedDelivery[] }> {
  const deliveries: ReceivedDelivery[] = [];
  const app = express();
  app.post('/hook', express.raw({ type: () => true }), (request, response) => {
    const rawBody = (request.body as Buffer).toString('utf8');
    deliveries.push({
      headers: request.headers as Record<string, string>,
      rawBody,
      body: JSON.parse(rawBody) as Record<string, any>,
    });
    response.status(respond(deliveries.length - 1)).end();
  });
  const running = await listen(app, 0);
  closeLater(() => running.close());
  return { url: `${running.url}/hook`, deliveries };
}
