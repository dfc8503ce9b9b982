import { DriverException } from '@mikro-orm/core';
import { PropsyncError } from '../../core/errors.ts';

/** A PostgreSQL error (raw from `pg`, or wrapped by MikroORM), recognised by its SQLSTATE. */
function sqlState(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  const fromDatabase = error instanceof DriverException || 'severity' in error;
  return fromDatabase && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * The database refusing a value the request carried, in our own words: the driver's message names
 * tables, columns and the offending text, so it never leaves the server. Null for every other
 * error (those are our failures, answered as internal errors).
 */
export function requestErrorFromDatabase(error: unknown): PropsyncError | null {
  const state = sqlState(error);
  if (state === null) return null;
  // Class 22: data exceptions (bad uuid, timestamp, number, encoding...); 23502/23514: not null, check.
  if (state.startsWith('22') || state === '23502' || state === '23514') {
    return new PropsyncError(
      'REQUEST.INVALID',
      'A value in the request is not valid (wrong format, out of range or too long)',
      { cause: error },
    );
  }
  if (state === '23503') {
    return new PropsyncError(
      'REQUEST.REFERENCE_NOT_FOUND',
      'The request refers to a record that does not exist',
      {
        cause: error,
      },
    );
  }
  return null;
}

/** A statement gave up waiting for a lock (`lock_timeout`): worth trying again later, not a failure. */
export function isLockTimeout(error: unknown): boolean {
  return sqlState(error) === '55P03';
}
