import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { InboundWebhook } from '../../core/ports/crm-adapter.ts';
import { WebhookRefusedError } from '../../core/ports/webhook-refusal.ts';

/**
 * How far a delivery's signed timestamp may lie from its receipt, either way. Every CRM Propsync
 * speaks documents five minutes (docs/crms/<crm>.md), as does Standard Webhooks.
 */
export const WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** A header by name, whatever its case; blank counts as absent. */
export function headerOf(headers: InboundWebhook['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value?.trim() || undefined;
  }
  return undefined;
}

/** `WEBHOOK.BAD_SIGNATURE`: a signature missing, malformed or not matching, or no secret to check it with. */
export function badSignature(message: string): WebhookRefusedError {
  return new WebhookRefusedError('bad_signature', message);
}

/** The stored signing secret, or a refusal saying how to get one (the webhooks were never registered). */
export function requireSecret(secret: string | null, crm: string, remedy: string): string {
  if (!secret) throw badSignature(`No ${crm} webhook secret is stored for this connection: ${remedy}`);
  return secret;
}

/**
 * Unix seconds (digits only) within the tolerance of `receivedAt`, judged against the receipt and not
 * the clock now, so a delivery read from a queue later is judged as it arrived. Throws
 * `WEBHOOK.STALE_TIMESTAMP` otherwise, a malformed timestamp included.
 */
export function assertFresh(crm: string, timestamp: string, receivedAt: Date): number {
  const sentAt = Number(timestamp);
  if (
    !/^\d+$/.test(timestamp) ||
    Math.abs(receivedAt.getTime() / 1000 - sentAt) > WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS
  ) {
    throw new WebhookRefusedError(
      'stale_timestamp',
      `${crm} webhook timestamp is more than ${WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS / 60} minutes off`,
    );
  }
  return sentAt;
}

/** HMAC-SHA256 of the parts, in order. */
export function hmacSha256(key: string | Buffer, ...parts: Array<string | Buffer>): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/**
 * Whether any candidate equals `expected`, compared in constant time. Several candidates are sent
 * while a secret rotates; any one matching is enough.
 */
export function anySignatureMatches(expected: Buffer, candidates: Iterable<Buffer>): boolean {
  let matched = false;
  for (const candidate of candidates) {
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched;
}

/** Throws `WEBHOOK.BAD_SIGNATURE` unless some candidate matches (see `anySignatureMatches`). */
export function assertSignatureMatches(crm: string, expected: Buffer, candidates: Iterable<Buffer>): void {
  if (!anySignatureMatches(expected, candidates))
    throw badSignature(`${crm} webhook signature does not match`);
}

/**
 * Verifies the scheme agentOS and Alto share: a fresh unix-seconds timestamp, and any of the hex
 * HMAC-SHA256 signatures (several while a secret rotates) over `<timestamp>.<raw body>`, keyed with
 * the subscription secret as text.
 */
export function verifyTimestampedHmac(
  crm: string,
  secret: string,
  signed: { timestamp: string; hexSignatures: string[] },
  delivery: InboundWebhook,
): void {
  assertFresh(crm, signed.timestamp, delivery.receivedAt);
  assertSignatureMatches(
    crm,
    hmacSha256(secret, `${signed.timestamp}.`, delivery.rawBody),
    signed.hexSignatures.map((signature) => Buffer.from(signature, 'hex')),
  );
}

/**
 * Whether a signature header carries the shared secret itself (Alto's documented scheme):
 * compared in constant time, through digests so the lengths match. It proves only who sent the
 * delivery, not its body or its age, so it suits only CRMs whose deliveries name a record that
 * Propsync then reads from the CRM's API.
 */
export function sharedValueMatches(secret: string, presented: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return anySignatureMatches(digest(secret), [digest(presented)]);
}

/**
 * Verifies a Standard Webhooks delivery (Street, Loop, the open API's custom CRMs): HMAC-SHA256,
 * keyed with the base64 part of the `whsec_` secret, over `<webhook-id>.<webhook-timestamp>.<raw body>`;
 * any `v1,<base64>` of the space-separated `webhook-signature` list may match. Returns the message id.
 */
export function verifyStandardWebhook(
  crm: string,
  storedSecret: string | null,
  delivery: InboundWebhook,
  remedy: string,
): string {
  const secret = requireSecret(storedSecret, crm, remedy);
  const messageId = headerOf(delivery.headers, 'webhook-id');
  const timestamp = headerOf(delivery.headers, 'webhook-timestamp');
  const signatures = headerOf(delivery.headers, 'webhook-signature');
  if (!messageId || !timestamp || !signatures) {
    throw badSignature(
      `${crm} webhook is missing its webhook-id, webhook-timestamp or webhook-signature header`,
    );
  }
  const sentAt = assertFresh(crm, timestamp, delivery.receivedAt);
  // The library's verify() judges the timestamp against the clock now; ours is judged against the
  // receipt above, so only the library's signing is used. The key is decoded leniently, as the CRMs do.
  let expected: string;
  try {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    expected = new Webhook(key, { format: 'raw' }).sign(messageId, new Date(sentAt * 1000), delivery.rawBody);
  } catch {
    throw badSignature(`The stored ${crm} webhook secret is malformed: ${remedy}`);
  }
  const given = signatures.split(' ').flatMap((entry) => {
    const [version, value] = entry.split(',', 2);
    return version === 'v1' && value ? [Buffer.from(value, 'base64')] : [];
  });
  assertSignatureMatches(crm, Buffer.from(expected.slice('v1,'.length), 'base64'), given);
  return messageId;
}
