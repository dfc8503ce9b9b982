import { PropsyncError } from '../errors.ts';

/**
 * Every reason a webhook delivery is refused, as counted in `propsync_webhook_rejections_total`.
 * A closed list, so the metric's `reason` label stays bounded.
 */
export const WEBHOOK_REFUSAL_REASONS = [
  /** No such connection for that provider (404). */
  'unknown_connection',
  /** Not JSON by its Content-Type (415). */
  'unsupported_content_type',
  /** Over the size limit (413). */
  'too_large',
  /** Signature missing, malformed or not matching (401). */
  'bad_signature',
  /** Signed too long ago or in the future (401). */
  'stale_timestamp',
  /** Signed with a key id the CRM does not know, or one recently found unknown (401). */
  'unknown_key',
  /** An unseen key id while the connection's budget of key look-ups is spent (401). */
  'key_lookup_limited',
  /** Correctly signed, but for another tenant (agency, customer, branch, team) than the connection's (401). */
  'foreign_tenant',
  /** Verified, but not a payload of that CRM (400). */
  'malformed',
  /** The signature could not be checked now (the CRM's key endpoint failing): the CRM delivers again (503). */
  'verification_unavailable',
  /** A fault in Propsync while verifying (500, logged). */
  'internal_error',
] as const;

export type WebhookRefusalReason = (typeof WEBHOOK_REFUSAL_REASONS)[number];

/**
 * An adapter refusing a delivery for a specific reason; the inbox answers 401 and stores nothing.
 * Other `ADAPTER.AUTH_INVALID` errors count as `bad_signature` (or `stale_timestamp`).
 */
export class WebhookRefusedError extends PropsyncError {
  readonly reason: WebhookRefusalReason;

  constructor(reason: WebhookRefusalReason, message: string) {
    super('ADAPTER.AUTH_INVALID', message);
    this.reason = reason;
  }
}
