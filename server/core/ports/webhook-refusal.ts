import { PropsyncError, type ErrorCode } from '../errors.ts';

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
 * The refusals an adapter makes while verifying a delivery, each with its own error code (the
 * code the inbox answers with), so the inbox tells them apart by code, never by message.
 */
export const ADAPTER_REFUSAL_CODES = {
  bad_signature: 'WEBHOOK.BAD_SIGNATURE',
  stale_timestamp: 'WEBHOOK.STALE_TIMESTAMP',
  unknown_key: 'WEBHOOK.UNKNOWN_KEY',
  key_lookup_limited: 'WEBHOOK.KEY_LOOKUP_LIMITED',
  foreign_tenant: 'WEBHOOK.FOREIGN_TENANT',
} as const satisfies Partial<Record<WebhookRefusalReason, ErrorCode>>;

export type AdapterRefusalReason = keyof typeof ADAPTER_REFUSAL_CODES;

/** An adapter refusing a delivery for a specific reason; the inbox answers 401 and stores nothing. */
export class WebhookRefusedError extends PropsyncError {
  readonly reason: AdapterRefusalReason;

  constructor(reason: AdapterRefusalReason, message: string) {
    super(ADAPTER_REFUSAL_CODES[reason], message);
    this.reason = reason;
  }
}

/** The refusal an error code stands for, or null when the code is not one of the adapters' refusals. */
export function refusalReasonOf(code: ErrorCode): AdapterRefusalReason | null {
  for (const [reason, refusalCode] of Object.entries(ADAPTER_REFUSAL_CODES)) {
    if (refusalCode === code) return reason as AdapterRefusalReason;
  }
  return null;
}
