import express from 'express';
import { afterEach } from 'vitest';
import { listen } from './app-listener.ts';

/**
 * Test support shared by the simulators' own tests (vitest only: never imported by a simulator):
 * cleanup after each test, a JSON client for a CRM's API and a webhook receiver that keeps raw
 * bodies (signatures cover the bytes as sent).
 */

/**
 * Returns a function that registers something to close once the current test ends, last
 * registered first.
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

export interface JsonAnswer<Body> {
  status: number;
  headers: Headers;
  /** The parsed body, null when empty. */
  body: Body;
}

/** Calls `baseUrl + path` with `headers` (the CRM's credentials) on every call; JSON in and out. */
export function jsonClient<Body = unknown>(baseUrl: string, headers: Record<string, string> = {}) {
  return async (
    path: string,
    init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<JsonAnswer<Body>> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...headers,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : null) as Body,
    };
  };
}

export interface ReceivedDelivery<Body = Record<string, any>> {
  headers: Record<string, string>;
  /** The body exactly as sent (signatures cover these bytes). */
  rawBody: string;
  /** The parsed body, null when empty. */
  body: Body;
}

/**
 * A webhook receiver on a free loopback port that records every delivery and answers
 * `respond(index)` (by arrival, from 0); `url` is where to subscribe it.
 */
export async function startWebhookReceiver<Body = Record<string, any>>(
  respond: (index: number) => number = () => 200,
) {
  const deliveries: Array<ReceivedDelivery<Body>> = [];
  const app = express();
  app.post('/hooks', express.raw({ type: () => true }), (request, response) => {
    const rawBody = (request.body as Buffer).toString('utf8');
    deliveries.push({
      headers: request.headers as Record<string, string>,
      rawBody,
      body: (rawBody ? JSON.parse(rawBody) : null) as Body,
    });
    response.status(respond(deliveries.length - 1)).end();
  });
  const running = await listen(app, 0);
  return { url: `${running.url}/hooks`, deliveries, close: () => running.close() };
}
