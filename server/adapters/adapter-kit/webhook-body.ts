import type { z } from 'zod';
import { PropsyncError } from '../../core/errors.ts';
import type { IngestedWebhook } from '../../core/ports/crm-adapter.ts';

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
  return { ...head, contacts: [], activities: [], contactIdsToFetch: [], removedContactIds: [] };
}

/** The event's own time as ISO text, or the receipt's when the CRM sent none readable. */
export function occurredAtOf(timestamp: string, receivedAt: Date): string {
  const ms = Date.parse(timestamp);
  return new Date(Number.isNaN(ms) ? receivedAt.getTime() : ms).toISOString();
}
