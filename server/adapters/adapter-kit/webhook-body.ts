import type { z } from 'zod';
import { PropsyncError } from '../../core/errors.ts';
import type { InboundWebhook, IngestedWebhook } from '../../core/ports/crm-adapter.ts';
import { verifyStandardWebhook } from './webhook-signature.ts';
import { crmTimeIso } from './crm-time.ts';

/**
 * A verified delivery's body read as the CRM's event: `ADAPTER.VALIDATION` (answered 400) when it is
 * not JSON, or not `expected` (e.g. "a CloudEvents notification").
 */
export function parseWebhookBody<T>(crm: string, rawBody: Buffer, schema: z.ZodType<T>, expected: string): T {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new PropsyncError('ADAPTER.VALIDATION', `${crm} webhook body is not valid JSON`);
  }
  const event = schema.safeParse(json);
  if (!event.success) throw new PropsyncError('ADAPTER.VALIDATION', `${crm} webhook body is not ${expected}`);
  return event.data;
}

/** What a delivery brought before its content is read: nothing yet, for the adapter to fill in. */
export function emptyIngested(
  head: Pick<IngestedWebhook, 'deliveryKey' | 'eventType' | 'occurredAt'>,
): IngestedWebhook {
  return {
    ...head,
    contacts: [],
    activities: [],
    contactIdsToFetch: [],
    removedContactIds: [],
    removedActivityIds: [],
  };
}

/** The event's own time as ISO text, or the receipt's when the CRM sent none readable. */
export function occurredAtOf(timestamp: string, receivedAt: Date): string {
  return crmTimeIso(timestamp, receivedAt.toISOString());
}

/** How one CRM's Standard Webhooks deliveries are read, in its own words. */
export type StandardWebhookReading<T> = {
  crm: string;
  /** The event every delivery carries: `{type, timestamp, data}`. */
  schema: z.ZodType<T>;
  /** What the body must be, for the error when it is not; by default "a {type, timestamp, data} event". */
  expected?: string;
  /** What an admin does when the secret is missing or malformed; by default "register the webhooks again". */
  remedy?: string;
  /** The delivery key for a message id (the id itself unless the CRM's keys are prefixed). */
  deliveryKey?: (messageId: string) => string;
};

/**
 * A Standard Webhooks delivery (Street, Loop, the open API) verified, then read: its event, and the
 * ingested result to fill, keyed by the message id (unique per message and kept across retries)
 * and dated by the event's timestamp.
 */
export function readStandardWebhook<T extends { type: string; timestamp: string }>(
  delivery: InboundWebhook,
  secret: string | null,
  reading: StandardWebhookReading<T>,
): { event: T; ingested: IngestedWebhook } {
  const {
    crm,
    expected = 'a {type, timestamp, data} event',
    remedy = 'register the webhooks again',
  } = reading;
  const messageId = verifyStandardWebhook(crm, secret, delivery, remedy);
  const event = parseWebhookBody(crm, delivery.rawBody, reading.schema, expected);
  const ingested = emptyIngested({
    deliveryKey: reading.deliveryKey ? reading.deliveryKey(messageId) : messageId,
    eventType: event.type,
    occurredAt: occurredAtOf(event.timestamp, delivery.receivedAt),
  });
  return { event, ingested };
}
