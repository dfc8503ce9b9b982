import { createHash } from 'node:crypto';

/**
 * How Propsync recognises its own writes in a CRM without an idempotency key: a marker carried in
 * the written text or reference, looked up before writing again. These strings are stored in the
 * CRMs, so they never change.
 */

/** The marker a note or journal entry carries: `[propsync:<idempotency key>]`. */
export function propsyncMarker(idempotencyKey: string): string {
  return `[propsync:${idempotencyKey}]`;
}

/** Marks the one engagement-score note per contact that each newer score rewrites. */
export const ENGAGEMENT_SCORE_MARKER = '[propsync:engagement-score]';

/**
 * A reference field's value, `propsync:<idempotency key>`; a key too long for the CRM's field is
 * hashed, so the reference stays stable across retries.
 */
export function propsyncReference(idempotencyKey: string, maxLength: number): string {
  const reference = `propsync:${idempotencyKey}`;
  if (reference.length <= maxLength) return reference;
  return `propsync:sha256:${createHash('sha256').update(idempotencyKey).digest('base64url')}`;
}
