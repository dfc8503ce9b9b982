/**
 * Stable error codes. Whether a failure is worth retrying is a property of its code, so no caller
 * re-derives it from status codes.
 */
export const ERROR_CODES = {
  'ADAPTER.TIMEOUT': { transient: true },
  'ADAPTER.NETWORK': { transient: true },
  'ADAPTER.RATE_LIMITED': { transient: true },
  /** The CRM customer's documented requests for the UTC day are used up; requests resume the next day. */
  'ADAPTER.DAILY_LIMIT_REACHED': { transient: true },
  'ADAPTER.PROVIDER_UNAVAILABLE': { transient: true },
  'ADAPTER.AUTH_INVALID': { transient: false },
  'ADAPTER.PERMISSION_DENIED': { transient: false },
  'ADAPTER.VALIDATION': { transient: false },
  'ADAPTER.NOT_FOUND': { transient: false },
  'ADAPTER.PRECONDITION_FAILED': { transient: true },
  'ADAPTER.CONFLICT': { transient: false },
  'ADAPTER.BAD_RESPONSE': { transient: false },
  /** The egress policy refused an address (internal, not https in production, a cross-origin redirect). */
  'EGRESS.REFUSED': { transient: false },
  'CONNECTION.NOT_FOUND': { transient: false },
  'CONNECTION.ALREADY_EXISTS': { transient: false },
  'CONNECTION.DISCONNECTED': { transient: false },
  'OAUTH.UNAVAILABLE': { transient: false },
  'OAUTH.SIGN_IN_EXPIRED': { transient: false },
  'OAUTH.RETURN_URL_REFUSED': { transient: false },
  'CONTACT.NOT_FOUND': { transient: false },
  /** `contacts.update` named a field the agency's field policy does not give the platform. */
  'CONTACT.FIELD_NOT_OWNED': { transient: false },
  'AGENCY.NOT_FOUND': { transient: false },
  'AGENCY.OFFBOARDED': { transient: false },
  /** Offboarding waits for a running sync cycle of the agency; asking again later finishes it. */
  'AGENCY.BUSY': { transient: true },
  'WEBHOOK.CONTACT_NOT_YET_IMPORTED': { transient: true },
  // A delivery refused while verifying it (server/core/ports/webhook-refusal.ts): one code a reason.
  'WEBHOOK.BAD_SIGNATURE': { transient: false },
  'WEBHOOK.STALE_TIMESTAMP': { transient: false },
  'WEBHOOK.UNKNOWN_KEY': { transient: false },
  'WEBHOOK.KEY_LOOKUP_LIMITED': { transient: false },
  'WEBHOOK.FOREIGN_TENANT': { transient: false },
  'VAULT.DECRYPT_FAILED': { transient: false },
  'VAULT.UNKNOWN_KEY': { transient: false },
  'SYNC.ALREADY_RUNNING': { transient: true },
  // The HTTP surface's own answers: refused requests and our own failures, never a driver's words.
  'REQUEST.INVALID': { transient: false },
  'REQUEST.REFERENCE_NOT_FOUND': { transient: false },
  'REQUEST.TOO_LARGE': { transient: false },
  'REQUEST.BATCH_TOO_LARGE': { transient: false },
  'REQUEST.NOT_FOUND': { transient: false },
  'REQUEST.ORIGIN_REFUSED': { transient: false },
  'SERVER.STARTING': { transient: true },
  'SERVER.INTERNAL': { transient: false },
} as const satisfies Record<string, { transient: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class PropsyncError extends Error {
  readonly code: ErrorCode;
  /** HTTP status the provider answered with, when the failure came from a provider. */
  readonly statusCode: number | undefined;
  /** Seconds the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; statusCode?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PropsyncError';
    this.code = code;
    this.statusCode = options.statusCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get transient(): boolean {
    return ERROR_CODES[this.code].transient;
  }
}

export function isTransient(error: unknown): boolean {
  return error instanceof PropsyncError ? error.transient : false;
}
