import { TRPCClientError } from '@trpc/client';

/** Errors that asking again cannot fix: bad input, a missing or expired token, forbidden, not found. */
export function isClientError(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status: unknown = error.data?.httpStatus;
  return typeof status === 'number' && status >= 400 && status < 500;
}
