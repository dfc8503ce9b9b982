import { newMessageId, standardWebhookHeaders } from './standard-webhooks.ts';
import type { WebhookDispatcherOptions, WebhookDispatchRequest } from './webhook-dispatcher.ts';

/**
 * Standard Webhooks' reference retry schedule (Svix): after the immediate first attempt, retries
 * after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.
 */
export const STANDARD_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]);

/** A receiver must answer within 15 seconds (Standard Webhooks' reference timeout). */
export const STANDARD_WEBHOOK_TIMEOUT_MS = 15_000;

/**
 * A Standard Webhooks sender's delivery: the reference schedule and timeout (unless `timeoutMs`),
 * any answer outside 2xx retried as well as timeouts and network errors.
 */
export function standardDelivery(
  timeoutMs = STANDARD_WEBHOOK_TIMEOUT_MS,
): Pick<WebhookDispatcherOptions, 'retryDelaysMs' | 'shouldRetry' | 'timeoutMs'> {
  return { retryDelaysMs: STANDARD_WEBHOOK_RETRY_DELAYS_MS, shouldRetry: () => true, timeoutMs };
}

/** The wall clock in Unix seconds, moved by `offsetSeconds`: a signature's timestamp. */
export function unixSeconds(offsetSeconds = 0): number {
  return Math.floor(Date.now() / 1000) + offsetSeconds;
}

/**
 * One Standard Webhooks message to one subscription, re-signed per attempt with the wall clock
 * (receivers compare the timestamp with their own clock).
 */
export function signedDispatch(message: {
  url: string;
  secret: string;
  messageId: string;
  body: string;
  labels: Record<string, string>;
  /** Headers the CRM adds (e.g. its user agent). */
  headers?: Record<string, string>;
}): WebhookDispatchRequest {
  const { url, secret, messageId, body, labels, headers } = message;
  return {
    url,
    body,
    headers: () => standardWebhookHeaders(secret, messageId, body, unixSeconds(), headers),
    labels,
  };
}

/**
 * The headers of a new message signed now, moved by `offsetSeconds`: a delivery as the simulator
 * would send it, for receivers' tests.
 */
export function signedNow(
  secret: string,
  body: string,
  offsetSeconds = 0,
  headers?: Record<string, string>,
): Record<string, string> {
  return standardWebhookHeaders(secret, newMessageId(), body, unixSeconds(offsetSeconds), headers);
}
