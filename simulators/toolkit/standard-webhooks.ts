import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks (standardwebhooks.com) signing, for the CRMs that sign that way: `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`,
 * keyed with the base64 bytes after `whsec_`.
 */

/** A new subscription secret: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** A message id (`msg_` and 32 hex digits): one per event, kept across retries and copies. */
export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

/** `v1,<base64 signature>` of one attempt. */
export function signStandardWebhook(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  return new Webhook(secret).sign(messageId, new Date(timestampSeconds * 1000), body);
}

/** The headers of one signed attempt, with any the CRM adds (e.g. its user agent). */
export function standardWebhookHeaders(
  secret: string,
  messageId: string,
  body: string,
  timestampSeconds: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...extra,
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signStandardWebhook(secret, messageId, timestampSeconds, body),
  };
}
